package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

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
