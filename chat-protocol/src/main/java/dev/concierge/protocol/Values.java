package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Value types carried inside protocol messages. All are immutable records; absent optional
 * fields are {@code null} on the wire-facing record and omitted from JSON.
 */
public final class Values {
    private Values() {}

    /** Who produced a transcript event. */
    public enum Role {
        @JsonProperty("visitor") VISITOR,
        @JsonProperty("agent") AGENT,
        @JsonProperty("bot") BOT,
        @JsonProperty("system") SYSTEM
    }

    /** What a transcript event is. */
    public enum Kind {
        @JsonProperty("message") MESSAGE,
        @JsonProperty("bot") BOT,
        @JsonProperty("handoff") HANDOFF,
        @JsonProperty("queued") QUEUED,
        @JsonProperty("assigned") ASSIGNED,
        @JsonProperty("closed") CLOSED,
        @JsonProperty("rated") RATED,
        /** An agent's internal note: only agents ever see it. */
        @JsonProperty("note") NOTE,
        /** The conversation moved to another agent or department. */
        @JsonProperty("transferred") TRANSFERRED,
        /** The visitor left a message for later, with a contact email. */
        @JsonProperty("offline_message") OFFLINE_MESSAGE
    }

    /** The state of a conversation, owned by the server's router. */
    public enum ConversationState {
        @JsonProperty("bot") BOT,
        @JsonProperty("queued") QUEUED,
        @JsonProperty("assigned") ASSIGNED,
        @JsonProperty("closed") CLOSED,
        /** The visitor left a message while nobody was available; an agent takes it by hand. */
        @JsonProperty("follow_up") FOLLOW_UP
    }

    /**
     * Agent presence: online agents receive new conversations, away agents keep theirs but get no
     * new ones, offline agents are signed out or said they are gone.
     */
    public enum PresenceStatus {
        @JsonProperty("online") ONLINE,
        @JsonProperty("away") AWAY,
        @JsonProperty("offline") OFFLINE
    }

    /** How far a message got on the other side. */
    public enum ReceiptStatus {
        @JsonProperty("delivered") DELIVERED,
        @JsonProperty("read") READ
    }

    /** Why a conversation went to a human. */
    public enum HandoffReason {
        @JsonProperty("visitor_asked") VISITOR_ASKED,
        @JsonProperty("bot_unsure") BOT_UNSURE,
        /** Another agent transferred it. */
        @JsonProperty("transfer") TRANSFER,
        /** The visitor left a message while nobody was available. */
        @JsonProperty("offline_message") OFFLINE_MESSAGE;

        /** The reason as written on the wire. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The author of an event, stamped by the server from the session. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Author(Role role, String id, String name) {
        /** The bot. */
        public static final Author BOT = new Author(Role.BOT, "bot", "Concierge");
        /** The server itself (state changes). */
        public static final Author SYSTEM = new Author(Role.SYSTEM, "system", "Concierge");
    }

    /** An agent's public identity. */
    public record AgentInfo(String id, String name) {}

    /** A "did you mean" suggestion of the bot. */
    public record Suggestion(String entryId, String question) {}

    /** The bot's side of a bot turn: which FAQ entry, how sure, what else it suggests. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BotTurn(boolean answered, String entryId, double confidence,
                          List<Suggestion> suggestions, boolean humanOffered) {
        public BotTurn {
            suggestions = suggestions == null ? List.of() : List.copyOf(suggestions);
        }
    }

    /** Where the visitor is: page URL, title and referrer. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Page(String url, String title, String referrer) {}

    /** What the widget or app tells the server about the visitor at {@code hello}. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record VisitorContext(String name, String email, String language, String timeZone,
                                 String userAgent, Page page, Map<String, String> attributes) {
        public VisitorContext {
            attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        }

        /** An empty context. */
        public static VisitorContext empty() {
            return new VisitorContext(null, null, null, null, null, null, Map.of());
        }
    }

    /** A request to receive the events of a conversation after {@code lastSeq}. */
    public record Resume(String conversationId, long lastSeq) {}

    /**
     * Who the visitor is, as the agent sees it. {@code verified} is true when the site's backend
     * vouched for the visitor ({@code hello.identity} verified; {@code userId} is then the site's
     * user id), false when name and email are only what the visitor typed.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record VisitorInfo(String id, String name, String email, Map<String, String> attributes,
                              Boolean verified, String userId) {
        public VisitorInfo {
            attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        }

        /** A visitor without a verification status. */
        public VisitorInfo(String id, String name, String email, Map<String, String> attributes) {
            this(id, name, email, attributes, null, null);
        }
    }

    /**
     * One entry of a transcript: a message, a bot turn or a state change, with its seq.
     * {@code reason} is the handoff reason ({@link HandoffReason#wire()}) on {@code handoff}
     * events and the free-text close reason on {@code closed} events.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TranscriptEvent(long seq, Instant ts, String id, Kind kind, Author author,
                                  String text, BotTurn bot, String reason, AgentInfo agent,
                                  Integer score, String comment) {}

    /**
     * A queued conversation as agents see it in the queue. {@code priority} is higher for
     * transfers; {@code followUp} marks a message left while nobody was available (taken by hand);
     * {@code overdue} is true once it waited longer than the configured alert time.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record QueueEntry(String conversationId, int position, VisitorInfo visitor,
                             Instant queuedAt, HandoffReason reason, String preview, String department,
                             Integer priority, Boolean followUp, Boolean overdue) {

        /** An entry with no department, priority or flags. */
        public QueueEntry(String conversationId, int position, VisitorInfo visitor, Instant queuedAt,
                          HandoffReason reason, String preview) {
            this(conversationId, position, visitor, queuedAt, reason, preview, null, null, null, null);
        }
    }

    /**
     * A signed-in user of the site, vouched for by the site's backend: {@code signature} is
     * HMAC-SHA256 of {@code userId} with the site's secret (hex), or {@code token} an expiring
     * signed token. See docs/security.md.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Identity(String userId, String name, String email, String signature, String token) {
        public Identity {
            Checks.optionalText("identity.userId", userId, 128);
            Checks.optionalText("identity.name", name, 200);
            Checks.optionalText("identity.email", email, 320);
            Checks.optionalText("identity.signature", signature, 256);
            Checks.optionalText("identity.token", token, 2048);
        }
    }

    /** An agent as other agents see them (transfer dialog, supervisors). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AgentStatus(String id, String name, PresenceStatus presence, List<String> departments,
                              int activeChats, int maxChats) {
        public AgentStatus {
            departments = departments == null ? List.of() : List.copyOf(departments);
        }
    }

    /** A canned reply: typing {@code /shortcut} in the console expands to {@code text}. */
    public record CannedReply(String shortcut, String text) {}

    /** An earlier conversation of the same visitor, openable in full with {@code history}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EarlierConversation(String conversationId, Instant startedAt, String firstLine,
                                      Integer score) {}

    /**
     * The handoff package: everything an agent needs to answer without asking again.
     * {@code transcript} holds the last events of the conversation (all of them when it is short);
     * {@code transcriptTotal} counts every event up to the package, so when it is larger the
     * client reads the earlier ones with {@code history} (from seq 0) before showing the chat.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HandoffPackage(String conversationId, HandoffReason reason, String question,
                                 VisitorInfo visitor, VisitorContext context,
                                 List<TranscriptEvent> transcript,
                                 List<EarlierConversation> earlierConversations, long waitedMs,
                                 String department, AgentInfo transferredFrom, String transferNote,
                                 Integer transcriptTotal) {
        public HandoffPackage {
            transcript = transcript == null ? List.of() : List.copyOf(transcript);
            earlierConversations = earlierConversations == null ? List.of() : List.copyOf(earlierConversations);
            if (transcriptTotal != null && transcriptTotal < transcript.size()) {
                throw new IllegalArgumentException("transcriptTotal must not be less than the events in transcript");
            }
        }

        /** A package whose transcript is whole. */
        public HandoffPackage(String conversationId, HandoffReason reason, String question, VisitorInfo visitor,
                              VisitorContext context, List<TranscriptEvent> transcript,
                              List<EarlierConversation> earlierConversations, long waitedMs,
                              String department, AgentInfo transferredFrom, String transferNote) {
            this(conversationId, reason, question, visitor, context, transcript, earlierConversations, waitedMs,
                    department, transferredFrom, transferNote, null);
        }

        /** Whether {@code transcript} is the whole transcript up to the package. */
        public boolean complete() {
            return transcriptTotal == null || transcriptTotal <= transcript.size();
        }

        /** This package with {@code events} as its (whole) transcript. */
        public HandoffPackage withTranscript(List<TranscriptEvent> events) {
            return new HandoffPackage(conversationId, reason, question, visitor, context, events, earlierConversations,
                    waitedMs, department, transferredFrom, transferNote, events == null ? 0 : events.size());
        }

        /** A package that is no transfer and names no department. */
        public HandoffPackage(String conversationId, HandoffReason reason, String question, VisitorInfo visitor,
                              VisitorContext context, List<TranscriptEvent> transcript,
                              List<EarlierConversation> earlierConversations, long waitedMs) {
            this(conversationId, reason, question, visitor, context, transcript, earlierConversations, waitedMs,
                    null, null, null);
        }
    }
}
