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

    /**
     * The bot's side of a bot turn: which FAQ entry, how sure, what else it suggests.
     * {@code entryQuestion} is the answering entry's question (its title) as it was when the bot
     * answered, so agents see what was answered without looking the id up; null for turns that
     * did not answer and for turns stored before it was recorded.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BotTurn(boolean answered, String entryId, double confidence,
                          List<Suggestion> suggestions, boolean humanOffered, String entryQuestion) {
        public BotTurn {
            suggestions = suggestions == null ? List.of() : List.copyOf(suggestions);
        }

        /** A bot turn without the entry's question. */
        public BotTurn(boolean answered, String entryId, double confidence, List<Suggestion> suggestions,
                       boolean humanOffered) {
            this(answered, entryId, confidence, suggestions, humanOffered, null);
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
     * user id), false when name and email are only what the visitor typed. {@code verifiedFields}
     * names exactly the fields the site vouched for: {@code userId}, and {@code email} when the
     * identity's {@code emailSignature} verified; a field not named is as typed.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record VisitorInfo(String id, String name, String email, Map<String, String> attributes,
                              Boolean verified, String userId, List<String> verifiedFields) {
        public VisitorInfo {
            attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
            verifiedFields = verifiedFields == null ? List.of() : List.copyOf(verifiedFields);
        }

        /** A visitor without a verification status. */
        public VisitorInfo(String id, String name, String email, Map<String, String> attributes) {
            this(id, name, email, attributes, null, null, null);
        }

        /** A visitor whose verified fields are only {@code userId} (when {@code verified}). */
        public VisitorInfo(String id, String name, String email, Map<String, String> attributes,
                           Boolean verified, String userId) {
            this(id, name, email, attributes, verified, userId,
                    Boolean.TRUE.equals(verified) ? List.of("userId") : null);
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
     * signed token; {@code emailSignature} (optional) vouches for {@code email} too. See
     * docs/widget.md, "Identity verification".
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Identity(String userId, String name, String email, String signature, String token,
                           String emailSignature) {
        public Identity {
            Checks.optionalText("identity.userId", userId, 128);
            Checks.optionalText("identity.name", name, 200);
            Checks.optionalText("identity.email", email, 320);
            Checks.optionalText("identity.signature", signature, 256);
            Checks.optionalText("identity.token", token, 2048);
            Checks.optionalText("identity.emailSignature", emailSignature, 256);
        }

        /** An identity whose email, if any, is not signed. */
        public Identity(String userId, String name, String email, String signature, String token) {
            this(userId, name, email, signature, token, null);
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
     * See ARCHITECTURE.md §2.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HandoffPackage(String conversationId, HandoffReason reason, String question,
                                 VisitorInfo visitor, VisitorContext context,
                                 List<TranscriptEvent> transcript,
                                 List<EarlierConversation> earlierConversations, long waitedMs,
                                 String department, AgentInfo transferredFrom, String transferNote) {
        public HandoffPackage {
            transcript = transcript == null ? List.of() : List.copyOf(transcript);
            earlierConversations = earlierConversations == null ? List.of() : List.copyOf(earlierConversations);
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
