package dev.concierge.store;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The figures of one conversation, computed from its stored transcript alone (so the router
 * needs no hooks and old conversations count too). Durations are null when they do not apply
 * (no bot reply, never queued, never assigned, not closed, no offline message).
 *
 * @param conversationId the conversation
 * @param startedAt when it started: the bucket it counts in
 * @param state its state now
 * @param department the team it was routed to, or null
 * @param agentId the agent who owns or last owned it, or null
 * @param outcome how it ended up: bot-resolved, handed off, unanswered or empty
 * @param timeToFirstBotReply the visitor's first message to the bot's first reply
 * @param queueWait the handoff (or queue entry) to the first assignment; not for offline messages
 * @param timeToFirstAgentResponse the first assignment to the first agent message after it
 * @param handlingTime the first assignment to the close
 * @param transfers how many times it was transferred
 * @param offlineMessage whether the visitor left a message while nobody was available
 * @param followUpTime the offline message to the first agent message after it
 * @param score the visitor's rating (1 to 5), or null
 * @param comment the visitor's verbatim comment with the rating, or null
 * @param visitorMessages messages the visitor wrote (offline message included)
 * @param botAnswers bot turns that answered with an FAQ entry
 * @param botMisses bot turns that could not answer (requests for a person excluded)
 */
public record ConversationMetrics(
        String conversationId,
        Instant startedAt,
        ConversationState state,
        String department,
        String agentId,
        Outcome outcome,
        Duration timeToFirstBotReply,
        Duration queueWait,
        Duration timeToFirstAgentResponse,
        Duration handlingTime,
        int transfers,
        boolean offlineMessage,
        Duration followUpTime,
        Integer score,
        String comment,
        int visitorMessages,
        int botAnswers,
        int botMisses) {

    /** How a conversation ended up, for the deflection rate. */
    public enum Outcome {
        /** The bot answered and nobody else was needed. */
        BOT_RESOLVED,
        /** It went to a person: queued, assigned, or a message left for later. */
        HANDED_OFF,
        /** The visitor asked, the bot never answered, and nobody was asked for. */
        UNANSWERED,
        /** The visitor never asked anything. */
        EMPTY
    }

    /**
     * These figures without what could lead back to the visitor, for a conversation about to be
     * deleted: a fresh random id instead of the conversation's, and no verbatim comment.
     */
    ConversationMetrics anonymous() {
        return new ConversationMetrics(
                "f_" + UUID.randomUUID(),
                startedAt,
                state,
                department,
                agentId,
                outcome,
                timeToFirstBotReply,
                queueWait,
                timeToFirstAgentResponse,
                handlingTime,
                transfers,
                offlineMessage,
                followUpTime,
                score,
                null,
                visitorMessages,
                botAnswers,
                botMisses);
    }

    /** Computes the figures of a stored conversation. */
    public static ConversationMetrics of(ConversationTranscript t) {
        List<TranscriptEvent> events = t.events();
        ConversationRecord r = t.conversation();
        Instant firstVisitor = null;
        Instant firstBotReply = null;
        Instant queueStart = null;
        Instant firstAssigned = null;
        Instant firstAgentAfterAssign = null;
        Instant closed = null;
        Instant offline = null;
        Instant firstAgentAfterOffline = null;
        boolean offlineBeforeAssign = false;
        boolean handedOff = false;
        int transfers = 0;
        int visitorMessages = 0;
        int botAnswers = 0;
        int botMisses = 0;
        Integer score = null;
        String comment = null;
        String lastAssignedAgent = null;
        for (int i = 0; i < events.size(); i++) {
            TranscriptEvent e = events.get(i);
            Role role = e.author() == null ? null : e.author().role();
            switch (e.kind()) {
                case MESSAGE -> {
                    if (role == Role.VISITOR) {
                        visitorMessages++;
                        firstVisitor = firstVisitor == null ? e.ts() : firstVisitor;
                    } else if (role == Role.AGENT) {
                        if (firstAssigned != null && firstAgentAfterAssign == null) {
                            firstAgentAfterAssign = e.ts();
                        }
                        if (offline != null && firstAgentAfterOffline == null) {
                            firstAgentAfterOffline = e.ts();
                        }
                    }
                }
                case BOT -> {
                    if (firstVisitor != null && firstBotReply == null) {
                        firstBotReply = e.ts();
                    }
                    if (e.bot() != null && e.bot().answered() && e.bot().entryId() != null) {
                        botAnswers++;
                    } else if (isMiss(events, i)) {
                        botMisses++;
                    }
                }
                case HANDOFF, QUEUED -> {
                    handedOff = true;
                    queueStart = queueStart == null ? e.ts() : queueStart;
                }
                case OFFLINE_MESSAGE -> {
                    handedOff = true;
                    visitorMessages++;
                    firstVisitor = firstVisitor == null ? e.ts() : firstVisitor;
                    if (offline == null) {
                        offline = e.ts();
                        offlineBeforeAssign = firstAssigned == null;
                    }
                }
                case ASSIGNED -> {
                    handedOff = true;
                    firstAssigned = firstAssigned == null ? e.ts() : firstAssigned;
                    lastAssignedAgent = e.agent() != null ? e.agent().id() : lastAssignedAgent;
                }
                case TRANSFERRED -> transfers++;
                case CLOSED -> closed = closed == null ? e.ts() : closed;
                case RATED -> {
                    score = e.score();
                    comment = e.comment() == null || e.comment().isBlank() ? null : e.comment();
                }
                case NOTE -> {
                    // internal; no figure
                }
            }
        }
        Outcome outcome = handedOff
                ? Outcome.HANDED_OFF
                : botAnswers > 0 ? Outcome.BOT_RESOLVED : visitorMessages > 0 ? Outcome.UNANSWERED : Outcome.EMPTY;
        Duration queueWait = queueStart != null && firstAssigned != null && !offlineBeforeAssign
                ? between(queueStart, firstAssigned)
                : null;
        Duration handling = firstAssigned != null && closed != null && !closed.isBefore(firstAssigned)
                ? between(firstAssigned, closed)
                : null;
        return new ConversationMetrics(
                r.id(),
                r.startedAt(),
                r.state(),
                r.department(),
                r.agentId() != null ? r.agentId() : lastAssignedAgent,
                outcome,
                between(firstVisitor, firstBotReply),
                queueWait,
                between(firstAssigned, firstAgentAfterAssign),
                handling,
                transfers,
                offline != null,
                between(offline, firstAgentAfterOffline),
                score != null ? score : r.score(),
                comment,
                visitorMessages,
                botAnswers,
                botMisses);
    }

    /**
     * Whether the bot turn at {@code i} is a miss: it did not answer, and it is not the bot's
     * reply to a request for a person (which is followed by a handoff for that reason).
     */
    public static boolean isMiss(List<TranscriptEvent> events, int i) {
        TranscriptEvent e = events.get(i);
        if (e.kind() != Kind.BOT || e.bot() == null || e.bot().answered()) {
            return false;
        }
        for (int j = i + 1; j < events.size(); j++) {
            TranscriptEvent next = events.get(j);
            if (next.kind() == Kind.HANDOFF) {
                return !HandoffReason.VISITOR_ASKED.wire().equals(next.reason());
            }
            if (next.kind() != Kind.NOTE) {
                return true;
            }
        }
        return true;
    }

    private static Duration between(Instant from, Instant to) {
        return from == null || to == null ? null : Duration.between(from, to);
    }
}
