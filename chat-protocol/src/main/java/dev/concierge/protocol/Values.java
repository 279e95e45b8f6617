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

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /** Who produced a transcript event. */
    public enum Role {
        @JsonProperty("visitor")
        VISITOR,
        @JsonProperty("agent")
        AGENT,
        @JsonProperty("bot")
        BOT,
        @JsonProperty("system")
        SYSTEM
    }

    /** What a transcript event is. */
    public enum Kind {
        @JsonProperty("message")
        MESSAGE,
        @JsonProperty("bot")
        BOT,
        @JsonProperty("handoff")
        HANDOFF,
        @JsonProperty("queued")
        QUEUED,
        @JsonProperty("assigned")
        ASSIGNED,
        @JsonProperty("closed")
        CLOSED,
        @JsonProperty("rated")
        RATED,
        /** An agent's internal note: only agents ever see it. */
        @JsonProperty("note")
        NOTE,
        /** The conversation moved to another agent or department. */
        @JsonProperty("transferred")
        TRANSFERRED,
        /** The visitor left a message for later, with a contact email. */
        @JsonProperty("offline_message")
        OFFLINE_MESSAGE
    }

    /** The state of a conversation, owned by the server's router. */
    public enum ConversationState {
        @JsonProperty("bot")
        BOT,
        @JsonProperty("queued")
        QUEUED,
        @JsonProperty("assigned")
        ASSIGNED,
        @JsonProperty("closed")
        CLOSED,
        /** The visitor left a message while nobody was available; an agent takes it by hand. */
        @JsonProperty("follow_up")
        FOLLOW_UP
    }

    /**
     * Agent presence: online agents receive new conversations, away agents keep theirs but get no
     * new ones, offline agents are signed out or said they are gone.
     */
    public enum PresenceStatus {
        @JsonProperty("online")
        ONLINE,
        @JsonProperty("away")
        AWAY,
        @JsonProperty("offline")
        OFFLINE
    }

    /** How far a message got on the other side. */
    public enum ReceiptStatus {
        @JsonProperty("delivered")
        DELIVERED,
        @JsonProperty("read")
        READ
    }

    /** Why a conversation went to a human. */
    public enum HandoffReason {
        @JsonProperty("visitor_asked")
        VISITOR_ASKED,
        @JsonProperty("bot_unsure")
        BOT_UNSURE,
        /** Another agent transferred it. */
        @JsonProperty("transfer")
        TRANSFER,
        /** The visitor left a message while nobody was available. */
        @JsonProperty("offline_message")
        OFFLINE_MESSAGE;

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
    public record BotTurn(
            boolean answered,
            String entryId,
            double confidence,
            List<Suggestion> suggestions,
            boolean humanOffered,
            String entryQuestion) {
        public BotTurn {
            suggestions = suggestions == null ? List.of() : List.copyOf(suggestions);
        }

        /** A bot turn without the entry's question. */
        public BotTurn(
                boolean answered,
                String entryId,
                double confidence,
                List<Suggestion> suggestions,
                boolean humanOffered) {
            this(answered, entryId, confidence, suggestions, humanOffered, null);
        }
    }

    /**
     * Where the visitor is: page URL, title and referrer, each one line (no control character),
     * the URLs at most {@link #MAX_URL} characters, the title at most {@link #MAX_TITLE}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Page(String url, String title, String referrer) {
        /** Longest page URL or referrer, in characters. */
        public static final int MAX_URL = 2048;
        /** Longest page title, in characters. */
        public static final int MAX_TITLE = 300;

        public Page {
            Checks.line("context.page.url", url, MAX_URL);
            Checks.line("context.page.title", title, MAX_TITLE);
            Checks.line("context.page.referrer", referrer, MAX_URL);
        }

        int chars() {
            return length(url) + length(title) + length(referrer);
        }
    }

    /**
     * What the widget or app tells the server about the visitor at {@code hello} and in
     * {@code context} frames. Every field is bounded (docs/protocol.md, "Limits of the visitor's
     * context"): one line each, no control character; {@code email} shaped like an address; at
     * most {@link #MAX_ATTRIBUTES} attributes, keys of {@code [A-Za-z0-9_.-]{1,64}}, values of at
     * most {@link #MAX_ATTRIBUTE_VALUE} characters; and all strings together at most
     * {@link #MAX_TOTAL} characters. A context that breaks one fails with an
     * {@link IllegalArgumentException} naming the field, so a decoded frame carrying it fails with
     * {@code bad_request}.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record VisitorContext(
            String name,
            String email,
            String language,
            String timeZone,
            String userAgent,
            Page page,
            Map<String, String> attributes) {
        /** Longest name, in characters. */
        public static final int MAX_NAME = 200;
        /** Longest email address, in characters. */
        public static final int MAX_EMAIL = Checks.MAX_EMAIL;
        /** Longest language tag, in characters (BCP 47 tags in practice stay below it). */
        public static final int MAX_LANGUAGE = 35;
        /** Longest time-zone name, in characters. */
        public static final int MAX_TIME_ZONE = 64;
        /** Longest user agent, in characters. */
        public static final int MAX_USER_AGENT = 512;
        /** Most attributes. */
        public static final int MAX_ATTRIBUTES = 50;
        /** What an email address must look like: {@code local@domain.tld}, no whitespace. */
        public static final String EMAIL = "[^@\\s]+@[^@\\s]+\\.[^@\\s]+";
        /** What an attribute key is made of. */
        public static final String ATTRIBUTE_KEY = "[A-Za-z0-9_.-]{1,64}";
        /** Longest attribute value, in characters. */
        public static final int MAX_ATTRIBUTE_VALUE = 1000;
        /** Most characters of all the context's strings (fields, keys and values) together. */
        public static final int MAX_TOTAL = 16 * 1024;

        /** The name of a visitor who gave none: "Visitor" and the last four characters of the id. */
        public static String defaultName(String visitorId) {
            return "Visitor " + visitorId.substring(Math.max(0, visitorId.length() - 4));
        }

        public VisitorContext {
            Checks.line("context.name", name, MAX_NAME);
            Checks.email("context.email", email);
            Checks.line("context.language", language, MAX_LANGUAGE);
            Checks.line("context.timeZone", timeZone, MAX_TIME_ZONE);
            Checks.line("context.userAgent", userAgent, MAX_USER_AGENT);
            int total = length(name)
                    + length(email)
                    + length(language)
                    + length(timeZone)
                    + length(userAgent)
                    + (page == null ? 0 : page.chars());
            if (attributes == null) {
                attributes = Map.of();
            } else {
                if (attributes.size() > MAX_ATTRIBUTES) {
                    throw new IllegalArgumentException("context.attributes has more than " + MAX_ATTRIBUTES + " keys");
                }
                for (Map.Entry<String, String> a : attributes.entrySet()) {
                    if (a.getKey() == null
                            || !Checks.ATTRIBUTE_KEY.matcher(a.getKey()).matches()) {
                        throw new IllegalArgumentException(
                                "context.attributes keys must be 1 to 64 of the characters A-Z a-z 0-9 _ . -");
                    }
                    if (a.getValue() == null) {
                        throw new IllegalArgumentException("context.attributes." + a.getKey() + " must be a string");
                    }
                    Checks.line("context.attributes." + a.getKey(), a.getValue(), MAX_ATTRIBUTE_VALUE);
                    total += a.getKey().length() + a.getValue().length();
                }
                attributes = Map.copyOf(attributes);
            }
            if (total > MAX_TOTAL) {
                throw new IllegalArgumentException("context is longer than " + MAX_TOTAL + " characters in all");
            }
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
    public record VisitorInfo(
            String id,
            String name,
            String email,
            Map<String, String> attributes,
            Boolean verified,
            String userId,
            List<String> verifiedFields) {
        public VisitorInfo {
            attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
            verifiedFields = verifiedFields == null ? List.of() : List.copyOf(verifiedFields);
        }

        /** A visitor without a verification status. */
        public VisitorInfo(String id, String name, String email, Map<String, String> attributes) {
            this(id, name, email, attributes, null, null, null);
        }

        /** A visitor whose verified fields are only {@code userId} (when {@code verified}). */
        public VisitorInfo(
                String id, String name, String email, Map<String, String> attributes, Boolean verified, String userId) {
            this(
                    id,
                    name,
                    email,
                    attributes,
                    verified,
                    userId,
                    Boolean.TRUE.equals(verified) ? List.of("userId") : null);
        }
    }

    /**
     * One entry of a transcript: a message, a bot turn or a state change, with its seq.
     * {@code reason} is the handoff reason ({@link HandoffReason#wire()}) on {@code handoff}
     * events, the free-text close reason on {@code closed} events, the department on
     * {@code transferred} events to a department and the contact email on {@code offline_message}
     * events.
     *
     * <p>The static factories, one per {@link Kind}, make a draft: seq 0 and no {@code ts}, both
     * set by the server when it appends the event ({@link #stamped(long, Instant)}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TranscriptEvent(
            long seq,
            Instant ts,
            String id,
            Kind kind,
            Author author,
            String text,
            BotTurn bot,
            String reason,
            AgentInfo agent,
            Integer score,
            String comment) {

        /** A chat message by a visitor or an agent; {@code id} is the sender's request id. */
        public static TranscriptEvent message(String id, Author author, String text) {
            return draft(id, Kind.MESSAGE, author, text, null, null, null, null, null);
        }

        /** The bot's turn: its {@code text} and what it answered ({@code turn}). */
        public static TranscriptEvent bot(String text, BotTurn turn) {
            return draft(null, Kind.BOT, Author.BOT, text, turn, null, null, null, null);
        }

        /** The conversation is handed from the bot to a person, for {@code reason}. */
        public static TranscriptEvent handoff(String id, String text, HandoffReason reason) {
            return draft(id, Kind.HANDOFF, Author.SYSTEM, text, null, reason.wire(), null, null, null);
        }

        /** The conversation waits in the queue (or as a follow-up); {@code text} tells the visitor. */
        public static TranscriptEvent queued(String text) {
            return queued(text, null);
        }

        /** A {@link #queued(String)} event with a reason, such as the visitor having left. */
        public static TranscriptEvent queued(String text, String reason) {
            return draft(null, Kind.QUEUED, Author.SYSTEM, text, null, reason, null, null, null);
        }

        /** {@code agent} takes the conversation. */
        public static TranscriptEvent assigned(String text, AgentInfo agent) {
            return draft(null, Kind.ASSIGNED, Author.SYSTEM, text, null, null, agent, null, null);
        }

        /** The conversation moves to another agent, {@code to}. */
        public static TranscriptEvent transferred(String id, String text, AgentInfo to) {
            return draft(id, Kind.TRANSFERRED, Author.SYSTEM, text, null, null, to, null, null);
        }

        /** The conversation moves to the queue of {@code department}. */
        public static TranscriptEvent transferredToDepartment(String id, String text, String department) {
            return draft(id, Kind.TRANSFERRED, Author.SYSTEM, text, null, department, null, null, null);
        }

        /** The conversation is closed {@code by} someone (or the system), for a free-text {@code reason}. */
        public static TranscriptEvent closed(String id, Author by, String reason) {
            return draft(id, Kind.CLOSED, by, null, null, reason, null, null, null);
        }

        /** The visitor rates the conversation. */
        public static TranscriptEvent rated(String id, Author author, int score, String comment) {
            return draft(id, Kind.RATED, author, null, null, null, null, score, comment);
        }

        /** An agent's internal note, which only agents see. */
        public static TranscriptEvent note(String id, Author author, String text) {
            return draft(id, Kind.NOTE, author, text, null, null, null, null, null);
        }

        /** A message the visitor left while nobody could answer, with the {@code email} to reply to. */
        public static TranscriptEvent offlineMessage(String id, Author author, String text, String email) {
            return draft(id, Kind.OFFLINE_MESSAGE, author, text, null, email, null, null, null);
        }

        private static TranscriptEvent draft(
                String id,
                Kind kind,
                Author author,
                String text,
                BotTurn bot,
                String reason,
                AgentInfo agent,
                Integer score,
                String comment) {
            return new TranscriptEvent(0, null, id, kind, author, text, bot, reason, agent, score, comment);
        }

        /** This event numbered {@code seq} and stamped {@code ts}, as appended to a transcript. */
        public TranscriptEvent stamped(long seq, Instant ts) {
            return new TranscriptEvent(seq, ts, id, kind, author, text, bot, reason, agent, score, comment);
        }

        /** This event with another author (the same author with a name filled in, say). */
        public TranscriptEvent withAuthor(Author author) {
            return new TranscriptEvent(seq, ts, id, kind, author, text, bot, reason, agent, score, comment);
        }
    }

    /**
     * A signed-in user of the site, vouched for by the site's backend: {@code signature} is
     * HMAC-SHA256 of {@code userId} with the site's secret (hex), or {@code token} an expiring
     * signed token; {@code emailSignature} (optional) vouches for {@code email} too. See
     * docs/widget.md, "Identity verification".
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Identity(
            String userId, String name, String email, String signature, String token, String emailSignature) {
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
}
