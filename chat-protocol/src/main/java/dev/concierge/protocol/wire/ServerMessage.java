package dev.concierge.protocol.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.AgentStatus;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.CannedReply;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.EarlierConversation;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.VisitorInfo;
import java.time.Instant;
import java.util.List;

/** A frame sent by the server. One record per {@code type}; see {@code docs/protocol.md}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ServerMessage.Welcome.class, name = "welcome"),
    @JsonSubTypes.Type(value = ServerMessage.Ack.class, name = "ack"),
    @JsonSubTypes.Type(value = ServerMessage.Event.class, name = "event"),
    @JsonSubTypes.Type(value = ServerMessage.Transcript.class, name = "transcript"),
    @JsonSubTypes.Type(value = ServerMessage.QueueStatus.class, name = "queue_status"),
    @JsonSubTypes.Type(value = ServerMessage.Queue.class, name = "queue"),
    @JsonSubTypes.Type(value = ServerMessage.Assigned.class, name = "assigned"),
    @JsonSubTypes.Type(value = ServerMessage.Typing.class, name = "typing"),
    @JsonSubTypes.Type(value = ServerMessage.Error.class, name = "error"),
    @JsonSubTypes.Type(value = ServerMessage.Availability.class, name = "availability"),
    @JsonSubTypes.Type(value = ServerMessage.Receipt.class, name = "receipt"),
    @JsonSubTypes.Type(value = ServerMessage.Agents.class, name = "agents"),
    @JsonSubTypes.Type(value = ServerMessage.Settings.class, name = "settings"),
    @JsonSubTypes.Type(value = ServerMessage.Alert.class, name = "alert"),
    @JsonSubTypes.Type(value = ServerMessage.Released.class, name = "released"),
    @JsonSubTypes.Type(value = ServerMessage.VisitorUpdate.class, name = "visitor"),
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface ServerMessage {

    /**
     * Answer to {@code hello}. Visitor fields are null for agents and the reverse;
     * {@code earlierConversations} lists a returning visitor's closed conversations, newest first;
     * {@code node} names the cluster node the socket is connected to (null on a single server).
     */
    record Welcome(
            String ref,
            int version,
            Role role,
            String visitorId,
            String visitorToken,
            String conversationId,
            AgentInfo agent,
            List<EarlierConversation> earlierConversations,
            String node)
            implements ServerMessage {
        public Welcome {
            earlierConversations = earlierConversations == null ? List.of() : List.copyOf(earlierConversations);
        }

        /** A welcome that names no node. */
        public Welcome(
                String ref,
                int version,
                Role role,
                String visitorId,
                String visitorToken,
                String conversationId,
                AgentInfo agent,
                List<EarlierConversation> earlierConversations) {
            this(ref, version, role, visitorId, visitorToken, conversationId, agent, earlierConversations, null);
        }

        /** This welcome naming the node {@code node} (null: none). */
        public Welcome withNode(String node) {
            return new Welcome(
                    ref, version, role, visitorId, visitorToken, conversationId, agent, earlierConversations, node);
        }

        /** A welcome without earlier conversations. */
        public Welcome(
                String ref,
                int version,
                Role role,
                String visitorId,
                String visitorToken,
                String conversationId,
                AgentInfo agent) {
            this(ref, version, role, visitorId, visitorToken, conversationId, agent, List.of(), null);
        }
    }

    /** The request {@code ref} was accepted; its event is stored as {@code seq} (0: no event). */
    record Ack(String ref, String conversationId, long seq) implements ServerMessage {}

    /** One transcript event of a conversation, flattened into the envelope. */
    record Event(
            String conversationId,
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
            String comment,
            String via,
            Attachment attachment)
            implements ServerMessage {

        /**
         * The frame of an event without a file.
         *
         * @param conversationId the conversation
         * @param seq its number in the conversation
         * @param ts when it was stored
         * @param id the sender's request id
         * @param kind what it is
         * @param author who wrote or caused it
         * @param text its text
         * @param bot the bot's turn, on {@code bot} events
         * @param reason the kind's detail (see the type's description)
         * @param agent the agent, on {@code assigned} and {@code transferred} events
         * @param score the rating, on {@code rated} events
         * @param comment the rating's comment, on {@code rated} events
         * @param via how a message arrived when not over the chat; null otherwise
         */
        public Event(
                String conversationId,
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
                String comment,
                String via) {
            this(conversationId, seq, ts, id, kind, author, text, bot, reason, agent, score, comment, via, null);
        }

        /**
         * The frame of an event that came over the chat ({@code via} absent).
         *
         * @param conversationId the conversation
         * @param seq its number in the conversation
         * @param ts when it was stored
         * @param id the sender's request id
         * @param kind what it is
         * @param author who wrote or caused it
         * @param text its text
         * @param bot the bot's turn, on {@code bot} events
         * @param reason the kind's detail (see the type's description)
         * @param agent the agent, on {@code assigned} and {@code transferred} events
         * @param score the rating, on {@code rated} events
         * @param comment the rating's comment, on {@code rated} events
         */
        public Event(
                String conversationId,
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
            this(conversationId, seq, ts, id, kind, author, text, bot, reason, agent, score, comment, null);
        }

        /** The frame for {@code event} of {@code conversationId}. */
        public static Event of(String conversationId, TranscriptEvent event) {
            return new Event(
                    conversationId,
                    event.seq(),
                    event.ts(),
                    event.id(),
                    event.kind(),
                    event.author(),
                    event.text(),
                    event.bot(),
                    event.reason(),
                    event.agent(),
                    event.score(),
                    event.comment(),
                    event.via(),
                    event.attachment());
        }

        /** This frame as a transcript entry. */
        public TranscriptEvent toTranscriptEvent() {
            return new TranscriptEvent(
                    seq, ts, id, kind, author, text, bot, reason, agent, score, comment, via, attachment);
        }
    }

    /**
     * Events of a conversation after some seq, in order, and its current state. A frame holds at
     * most one page of events; {@code more} is true when later ones exist (ask with
     * {@code history} after the last {@code seq} here), null when these are the last.
     */
    record Transcript(
            String ref, String conversationId, ConversationState state, List<TranscriptEvent> events, Boolean more)
            implements ServerMessage {
        public Transcript {
            events = events == null ? List.of() : List.copyOf(events);
            more = Boolean.TRUE.equals(more) ? Boolean.TRUE : null;
        }

        /** A transcript with no later page. */
        public Transcript(String ref, String conversationId, ConversationState state, List<TranscriptEvent> events) {
            this(ref, conversationId, state, events, null);
        }

        /** Whether later events exist: ask again after the last {@code seq} here. */
        public boolean hasMore() {
            return Boolean.TRUE.equals(more);
        }
    }

    /** A queued visitor's position and estimated wait (null when no agent is online). */
    record QueueStatus(String conversationId, int position, Long etaSeconds, int agentsOnline)
            implements ServerMessage {}

    /**
     * The queue as agents see it: one page of at most {@link #PAGE_SIZE} entries from
     * {@code offset}, live visitors first, then follow-ups. {@code total} counts every entry,
     * {@code waiting} the live ones (the rest are follow-ups). {@code ref} names the
     * {@code queue} request a frame answers, null on a push.
     */
    record Queue(String ref, List<QueueEntry> entries, int offset, int total, int waiting) implements ServerMessage {
        /** Entries per page. */
        public static final int PAGE_SIZE = 50;

        public Queue {
            entries = entries == null ? List.of() : List.copyOf(entries);
        }

        /** The whole queue in one frame (no paging). */
        public Queue(List<QueueEntry> entries) {
            this(
                    null,
                    entries,
                    0,
                    entries == null ? 0 : entries.size(),
                    entries == null
                            ? 0
                            : (int) entries.stream()
                                    .filter(e -> !Boolean.TRUE.equals(e.followUp()))
                                    .count());
        }
    }

    /**
     * To the agent who now owns a conversation: the handoff package. Its transcript holds the last
     * events; when {@link HandoffPackage#complete()} is false, the client fetches the earlier ones
     * with {@code history} before showing the chat.
     */
    record Assigned(String conversationId, HandoffPackage handoff) implements ServerMessage {}

    /** The other side is typing. */
    record Typing(String conversationId, Role role, boolean typing) implements ServerMessage {}

    /**
     * A request failed; {@code ref} names it when it had an id. {@code code} is an {@link
     * ErrorCode}'s wire string, kept as a string so codes added by a newer server still read.
     * {@code retryAfter}, in seconds, says when a request refused as {@code rate_limited} over a
     * mail limit would be accepted; null otherwise.
     */
    record Error(String code, String message, String ref, Long retryAfter) implements ServerMessage {
        /** An error frame without a retry time. */
        public Error(String code, String message, String ref) {
            this(code, message, ref, null);
        }

        /** An error frame carrying {@code code}'s wire string. */
        public static Error of(ErrorCode code, String message, String ref) {
            return new Error(code.wire(), message, ref);
        }
    }

    /**
     * To visitors: whether a person can answer now. {@code agentsAvailable} is false when no
     * agent is online, {@code withinHours} false outside business hours; either way the widget
     * offers to leave a message.
     */
    record Availability(boolean agentsAvailable, boolean withinHours, String message) implements ServerMessage {}

    /** The other side ({@code role}) has received or read the events up to {@code seq}. */
    record Receipt(String conversationId, Role role, long seq, ReceiptStatus status) implements ServerMessage {}

    /** To agents: every agent with presence, departments and load, whenever one changes. */
    record Agents(List<AgentStatus> agents) implements ServerMessage {
        public Agents {
            agents = agents == null ? List.of() : List.copyOf(agents);
        }
    }

    /** To an agent after {@code welcome}: departments, canned replies, the queue alert time, the chat cap. */
    record Settings(List<String> departments, List<CannedReply> cannedReplies, long queueAlertSeconds, int maxChats)
            implements ServerMessage {
        public Settings {
            departments = departments == null ? List.of() : List.copyOf(departments);
            cannedReplies = cannedReplies == null ? List.of() : List.copyOf(cannedReplies);
        }
    }

    /** To agents: something needs attention, e.g. {@code queue_wait} (a visitor waited too long). */
    record Alert(String code, String conversationId, long waitedSeconds, String message) implements ServerMessage {}

    /** To an agent: a conversation is no longer theirs ({@code reason} {@code transferred}). */
    record Released(String conversationId, String reason, AgentInfo to, String department) implements ServerMessage {}

    /** To the owning agent: the visitor's identity or context changed. */
    record VisitorUpdate(String conversationId, VisitorInfo visitor, VisitorContext context) implements ServerMessage {}
}
