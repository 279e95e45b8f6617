package dev.concierge.store;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffReason;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A conversation's stored metadata; nullable fields are null until they apply.
 *
 * @param id the conversation id
 * @param visitorId the visitor who started it
 * @param state its state in the router's state machine
 * @param agentId the owning agent, or null
 * @param startedAt when it started
 * @param firstLine the visitor's first message, for lists of earlier conversations, or null
 * @param score the visitor's rating, or null
 * @param queuedAt when it entered the queue, or null
 * @param assignedAt when an agent got it, or null
 * @param handoffReason why it went to a human, or null
 * @param department the team it is routed to, or null for anyone
 * @param givenEmails the email addresses the visitor gave in this conversation, oldest first (at
 *     most {@link #MAX_GIVEN_EMAILS}); mail to the visitor goes only to one of these or to an
 *     address the site vouched for
 * @param site the key of the site the conversation was started from, fixed at its start; null
 *     for a conversation stored before sites were kept with conversations
 */
public record ConversationRecord(
        String id,
        String visitorId,
        ConversationState state,
        String agentId,
        Instant startedAt,
        String firstLine,
        Integer score,
        Instant queuedAt,
        Instant assignedAt,
        HandoffReason handoffReason,
        String department,
        List<String> givenEmails,
        String site) {
    /** How many given addresses a conversation keeps; an older one is forgotten past this. */
    public static final int MAX_GIVEN_EMAILS = 8;

    public ConversationRecord {
        Objects.requireNonNull(id, "id");
        givenEmails = givenEmails == null ? List.of() : List.copyOf(givenEmails);
        if (givenEmails.size() > MAX_GIVEN_EMAILS) {
            throw new IllegalArgumentException("givenEmails: at most " + MAX_GIVEN_EMAILS + " addresses");
        }
        Objects.requireNonNull(visitorId, "visitorId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(startedAt, "startedAt");
    }

    /** A record whose site is not known. */
    public ConversationRecord(
            String id,
            String visitorId,
            ConversationState state,
            String agentId,
            Instant startedAt,
            String firstLine,
            Integer score,
            Instant queuedAt,
            Instant assignedAt,
            HandoffReason handoffReason,
            String department,
            List<String> givenEmails) {
        this(
                id,
                visitorId,
                state,
                agentId,
                startedAt,
                firstLine,
                score,
                queuedAt,
                assignedAt,
                handoffReason,
                department,
                givenEmails,
                null);
    }

    /** A record with no department. */
    public ConversationRecord(
            String id,
            String visitorId,
            ConversationState state,
            String agentId,
            Instant startedAt,
            String firstLine,
            Integer score,
            Instant queuedAt,
            Instant assignedAt,
            HandoffReason handoffReason) {
        this(id, visitorId, state, agentId, startedAt, firstLine, score, queuedAt, assignedAt, handoffReason, null);
    }

    /** A record with no given email addresses. */
    public ConversationRecord(
            String id,
            String visitorId,
            ConversationState state,
            String agentId,
            Instant startedAt,
            String firstLine,
            Integer score,
            Instant queuedAt,
            Instant assignedAt,
            HandoffReason handoffReason,
            String department) {
        this(
                id,
                visitorId,
                state,
                agentId,
                startedAt,
                firstLine,
                score,
                queuedAt,
                assignedAt,
                handoffReason,
                department,
                List.of());
    }
}
