package dev.concierge.server.routing;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.store.ConversationRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A conversation's live state. Confined to the router thread: only {@link Router} reads or
 * writes it, so it needs no locks.
 */
final class Conversation {
    final String id;
    /** Its visitor; changes only when an anonymous visitor signs in as a known user (their chat goes along). */
    Visitor visitor;

    final Instant startedAt;
    /**
     * The key of the site it was started from (its visitor's site then, else the default site),
     * fixed at its start and stored with it; null for one stored before sites were kept.
     */
    final String site;

    ConversationState state = ConversationState.BOT;
    String agentId;
    Instant queuedAt;
    Instant assignedAt;
    HandoffReason handoffReason;
    /** The last visitor question the bot could not answer, for the handoff package. */
    String unansweredQuestion;
    /** The last visitor message, the question behind a handoff when the bot never failed. */
    String lastVisitorText;

    int unsureInRow;
    /** The team it is routed to (hello, handoff, the last answered FAQ entry's tag, a transfer), or null. */
    String department;
    /** Queue priority: higher goes first (transfers); FIFO within a priority. */
    int priority;
    /** Arrival order in the queue, for FIFO within a priority. */
    long queueOrder;
    /** A department transfer: only agents of this department may take it. */
    String requiredDepartment;
    /** The last transfer's sender and note, part of the receiving agent's package. */
    dev.concierge.protocol.AgentInfo transferredFrom;

    String transferNote;
    /** The agent a department transfer must not come back to. */
    String excludedAgentId;
    /** When its latest event was appended (its start before any): what {@link Expiry} measures idleness by. */
    Instant lastActivity;
    /** The queue-wait alert was raised for the current wait. */
    boolean alerted;
    /** The agents who asked for it were alerted by email of this conversation's long wait (once). */
    boolean longWaitMailed;
    /**
     * The email addresses the visitor gave while this conversation was theirs and open (a left
     * message, the pre-chat form, the page's context), by lower-cased address, latest last: where
     * its mail may go ({@link MailPolicy}).
     */
    final java.util.LinkedHashMap<String, String> givenEmails = new java.util.LinkedHashMap<>();
    /** Highest seq each side reported as delivered and read (index 0 visitor, 1 agent). */
    private final long[] delivered = new long[2];

    private final long[] read = new long[2];
    String firstLine;
    Integer score;
    long nextSeq = 1;
    /** Seq of the latest {@code assigned} event: the agent's package holds everything up to it. */
    long assignedSeq;

    long committedSeq;
    /** Events in seq order; those with seq above {@link #committedSeq} are still being written. */
    final LiveTranscript transcript = new LiveTranscript();
    /** Client request id to the seq of the event it produced, for idempotent resends. */
    final ClientIds byClientId = new ClientIds(transcript);
    /** Ids of the files messages of this conversation carry, stored or being stored. */
    final java.util.Set<String> carriedFiles = new java.util.HashSet<>();
    /**
     * A visitor's question not yet handed to the store because the bot is answering it, so that
     * the answer is stored in the same commit ({@link Appends#append(Conversation, TranscriptEvent,
     * boolean)}); null when none is. Router thread only.
     */
    Appends.Held held;
    /**
     * Its entry into {@code FOLLOW_UP} was announced with a {@code followup.created} webhook;
     * false again once it leaves that state ({@link WebhookPolicy}).
     */
    boolean followUpAnnounced;

    Conversation(String id, Visitor visitor, Instant startedAt, String site) {
        this.id = id;
        this.visitor = visitor;
        this.startedAt = startedAt;
        this.site = site;
        this.lastActivity = startedAt;
    }

    /**
     * Records that {@code side} received or read the events up to {@code seq} (capped at what is
     * committed); the frame to relay to the other side, or empty when the mark did not move.
     */
    Optional<ServerMessage.Receipt> receipt(Role side, ReceiptStatus status, long seq) {
        long[] marks = status == ReceiptStatus.READ ? read : delivered;
        int i = side == Role.VISITOR ? 0 : 1;
        long capped = Math.min(seq, committedSeq);
        if (capped <= marks[i]) {
            return Optional.empty();
        }
        marks[i] = capped;
        return Optional.of(new ServerMessage.Receipt(id, side, capped, status));
    }

    /** The marks {@code side} reported so far, as frames for a socket of the other side that just connected. */
    List<dev.concierge.protocol.wire.ServerMessage.Receipt> receipts(dev.concierge.protocol.Role side) {
        int i = side == Role.VISITOR ? 0 : 1;
        List<dev.concierge.protocol.wire.ServerMessage.Receipt> out = new ArrayList<>();
        if (delivered[i] > 0) {
            out.add(new dev.concierge.protocol.wire.ServerMessage.Receipt(
                    id, side, delivered[i], dev.concierge.protocol.ReceiptStatus.DELIVERED));
        }
        if (read[i] > 0) {
            out.add(new dev.concierge.protocol.wire.ServerMessage.Receipt(
                    id, side, read[i], dev.concierge.protocol.ReceiptStatus.READ));
        }
        return out;
    }

    /** Committed events after {@code afterSeq} that the visitor may see (no internal notes). */
    List<TranscriptEvent> visibleToVisitor(long afterSeq) {
        return transcript.after(
                afterSeq, committedSeq, e -> e.kind() != dev.concierge.protocol.TranscriptEvent.Kind.NOTE);
    }

    /** Committed events after {@code afterSeq}. */
    List<TranscriptEvent> committedAfter(long afterSeq) {
        return transcript.after(afterSeq, committedSeq, e -> true);
    }

    /** It leaves memory (the router forgets it): gives back what its transcript holds outside the heap's objects. */
    void release() {
        transcript.release();
        byClientId.release();
    }

    ConversationRecord record() {
        return new ConversationRecord(
                id,
                visitor.id,
                state,
                agentId,
                startedAt,
                firstLine,
                score,
                queuedAt,
                assignedAt,
                handoffReason,
                department,
                List.copyOf(givenEmails.values()),
                site);
    }
}
