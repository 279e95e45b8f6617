package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * One entry of a transcript: a message, a bot turn or a state change, with its seq.
 * {@code reason} is the handoff reason ({@link HandoffReason#wire()}) on {@code handoff}
 * events, the free-text close reason on {@code closed} events, the department on
 * {@code transferred} events to a department and the contact email on {@code offline_message}
 * events. {@code via} is how a {@code message} reached the server when not over the chat:
 * {@code "email"} for a visitor's reply to one of the server's mails, {@code "api"} for an agent's
 * message or note posted through the REST API; absent otherwise. {@code attachment} is the file a
 * {@code message} carries (docs/attachments.md); absent otherwise.
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
        String comment,
        String via,
        Attachment attachment) {
    /** The channel of a visitor's message that arrived as a reply by email. */
    public static final String VIA_EMAIL = "email";

    /** The channel of a message or note posted with a REST API key. */
    public static final String VIA_API = "api";

    /**
     * An event that came over the chat ({@code via} absent).
     *
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
    public TranscriptEvent(
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
        this(seq, ts, id, kind, author, text, bot, reason, agent, score, comment, null, null);
    }

    /**
     * An event without an attachment.
     *
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
    public TranscriptEvent(
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
        this(seq, ts, id, kind, author, text, bot, reason, agent, score, comment, via, null);
    }

    /** What a transcript event is. */
    public enum Kind {
        /** A chat message by the visitor or an agent. */
        @JsonProperty("message")
        MESSAGE,
        /** The bot's turn: an answer or suggestions. */
        @JsonProperty("bot")
        BOT,
        /** The conversation went from the bot to the team. */
        @JsonProperty("handoff")
        HANDOFF,
        /** The conversation waits in the queue. */
        @JsonProperty("queued")
        QUEUED,
        /** An agent took the conversation. */
        @JsonProperty("assigned")
        ASSIGNED,
        /** The conversation was closed. */
        @JsonProperty("closed")
        CLOSED,
        /** The visitor rated the conversation. */
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

    /**
     * A chat message by a visitor or an agent.
     *
     * @param id the sender's request id
     * @param author who wrote it
     * @param text the message
     * @return an event not yet numbered (see {@link #stamped(long, Instant)})
     */
    public static TranscriptEvent message(String id, Author author, String text) {
        return draft(id, Kind.MESSAGE, author, text, null, null, null, null, null);
    }

    /**
     * The bot's turn.
     *
     * @param text what the bot says
     * @param turn what it answered: the FAQ entry, how sure, suggestions
     * @return an event not yet numbered
     */
    public static TranscriptEvent bot(String text, BotTurn turn) {
        return draft(null, Kind.BOT, Author.BOT, text, turn, null, null, null, null);
    }

    /**
     * The conversation is handed from the bot to a person.
     *
     * @param id the request id of the visitor's {@code handoff}; null when the bot handed over
     * @param text what the visitor is told
     * @param reason why
     * @return an event not yet numbered
     */
    public static TranscriptEvent handoff(String id, String text, HandoffReason reason) {
        return draft(id, Kind.HANDOFF, Author.SYSTEM, text, null, reason.wire(), null, null, null);
    }

    /**
     * The conversation waits in the queue (or as a follow-up).
     *
     * @param text what the visitor is told
     * @return an event not yet numbered
     */
    public static TranscriptEvent queued(String text) {
        return queued(text, null);
    }

    /**
     * A {@link #queued(String)} event with a reason, such as the visitor having left.
     *
     * @param text what the visitor is told
     * @param reason why, such as the visitor having left; may be null
     * @return an event not yet numbered
     */
    public static TranscriptEvent queued(String text, String reason) {
        return draft(null, Kind.QUEUED, Author.SYSTEM, text, null, reason, null, null, null);
    }

    /**
     * An agent takes the conversation.
     *
     * @param text what the visitor is told
     * @param agent who took it
     * @return an event not yet numbered
     */
    public static TranscriptEvent assigned(String text, AgentInfo agent) {
        return draft(null, Kind.ASSIGNED, Author.SYSTEM, text, null, null, agent, null, null);
    }

    /**
     * The conversation moves to another agent.
     *
     * @param id the request id of the agent's {@code transfer}
     * @param text what the visitor is told
     * @param to the agent it moves to
     * @return an event not yet numbered
     */
    public static TranscriptEvent transferred(String id, String text, AgentInfo to) {
        return draft(id, Kind.TRANSFERRED, Author.SYSTEM, text, null, null, to, null, null);
    }

    /**
     * The conversation moves to the queue of a department.
     *
     * @param id the request id of the agent's {@code transfer}
     * @param text what the visitor is told
     * @param department the department whose queue it waits in
     * @return an event not yet numbered
     */
    public static TranscriptEvent transferredToDepartment(String id, String text, String department) {
        return draft(id, Kind.TRANSFERRED, Author.SYSTEM, text, null, department, null, null, null);
    }

    /**
     * The conversation is closed.
     *
     * @param id the request id of the {@code close}; null when the server closed it
     * @param by who closed it ({@link Author#SYSTEM} for the server)
     * @param reason why, in free text; may be null
     * @return an event not yet numbered
     */
    public static TranscriptEvent closed(String id, Author by, String reason) {
        return draft(id, Kind.CLOSED, by, null, null, reason, null, null, null);
    }

    /**
     * The visitor rates the conversation.
     *
     * @param id the request id of the {@code rate}
     * @param author the visitor
     * @param score the rating, from 1 to 5
     * @param comment the visitor's comment; may be null
     * @return an event not yet numbered
     */
    public static TranscriptEvent rated(String id, Author author, int score, String comment) {
        return draft(id, Kind.RATED, author, null, null, null, null, score, comment);
    }

    /**
     * An agent's internal note, which only agents see.
     *
     * @param id the request id of the {@code note}
     * @param author the agent
     * @param text the note
     * @return an event not yet numbered
     */
    public static TranscriptEvent note(String id, Author author, String text) {
        return draft(id, Kind.NOTE, author, text, null, null, null, null, null);
    }

    /**
     * A message the visitor left while nobody could answer.
     *
     * @param id the request id of the {@code leave_message}
     * @param author the visitor
     * @param text the message
     * @param email the address to reply to
     * @return an event not yet numbered
     */
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

    /**
     * This event as appended to a transcript.
     *
     * @param seq its number in the conversation
     * @param ts when it was stored
     * @return a copy with {@code seq} and {@code ts}
     */
    public TranscriptEvent stamped(long seq, Instant ts) {
        return new TranscriptEvent(
                seq, ts, id, kind, author, text, bot, reason, agent, score, comment, via, attachment);
    }

    /**
     * This event with another author (the same author with a name filled in, say).
     *
     * @param author the author to put in
     * @return a copy with {@code author}
     */
    public TranscriptEvent withAuthor(Author author) {
        return new TranscriptEvent(
                seq, ts, id, kind, author, text, bot, reason, agent, score, comment, via, attachment);
    }

    /**
     * This event marked as arrived by another channel than the chat.
     *
     * @param via the channel, such as {@link #VIA_EMAIL}; null for the chat
     * @return a copy with {@code via}
     */
    public TranscriptEvent withVia(String via) {
        return new TranscriptEvent(
                seq, ts, id, kind, author, text, bot, reason, agent, score, comment, via, attachment);
    }

    /**
     * This message with a file attached.
     *
     * @param attachment the file, as the server decided it; null for none
     * @return a copy with {@code attachment}
     */
    public TranscriptEvent withAttachment(Attachment attachment) {
        return new TranscriptEvent(
                seq, ts, id, kind, author, text, bot, reason, agent, score, comment, via, attachment);
    }
}
