package dev.concierge.server.routing;

import dev.concierge.protocol.Author;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends conversations nobody will come back to, so that they leave memory (and a restarted
 * server's recovery): a conversation with the bot idle for {@link RetentionConfig#botIdleClose}
 * closes itself (reason {@code inactive}); a queued one whose visitor has had no socket open for
 * {@link RetentionConfig#queuedVisitorGoneAfter} becomes a follow-up when the visitor can be
 * reached (an email address or a verified identity; reason {@code visitor_left}), else closes
 * (reason {@code visitor_left}). Each is an event in the transcript, so the insights count it.
 * A conversation closed while its visitor has no socket open and no agent holds it is dropped
 * from the router's maps once its {@code closed} event is stored. Also erases a visitor's live
 * state for the admin API. Router thread only; driven by the router's clock.
 */
final class Expiry {
    private static final Logger log = LoggerFactory.getLogger(Expiry.class);
    /** The {@code closed} reason of a conversation with the bot that nobody wrote in for too long. */
    static final String INACTIVE = "inactive";
    /** The reason of a queued conversation whose visitor left (a {@code closed} or {@code queued} event). */
    static final String VISITOR_LEFT = "visitor_left";
    /** The {@code closed} reason of a conversation whose visitor an admin erased. */
    static final String ERASED = "erased";

    private final Router router;
    private final RetentionConfig config;

    Expiry(Router router, RetentionConfig config) {
        this.router = router;
        this.config = config;
    }

    RetentionConfig config() {
        return config;
    }

    /** Closes or turns into follow-ups what has waited too long; run every few seconds. */
    void sweep() {
        Instant now = router.clock.instant();
        Instant idleBefore = now.minus(config.botIdleClose());
        Instant goneBefore = now.minus(config.queuedVisitorGoneAfter());
        List<Conversation> idle = new ArrayList<>();
        List<Conversation> left = new ArrayList<>();
        for (Conversation c : router.live.conversations()) {
            if (c.state == ConversationState.BOT) {
                // A question the bot is answering holds the conversation (c.held): not idle.
                if (c.held == null && !c.lastActivity.isAfter(idleBefore)) {
                    idle.add(c);
                }
            } else if (c.state == ConversationState.QUEUED && c.visitor.sessions.isEmpty()) {
                if (c.visitor.goneSince == null) {
                    c.visitor.goneSince = now; // not seen leaving (should not happen): from now
                } else if (!c.visitor.goneSince.isAfter(goneBefore)) {
                    left.add(c);
                }
            }
        }
        for (Conversation c : idle) {
            close(c, INACTIVE);
        }
        for (Conversation c : left) {
            if (reachable(c.visitor)) {
                toFollowUp(c);
            } else {
                router.dispatcher.leaveQueue(c);
                close(c, VISITOR_LEFT);
            }
        }
        if (!left.isEmpty()) {
            router.dispatcher.publishQueue();
        }
        if (!idle.isEmpty() || !left.isEmpty()) {
            log.info(
                    "expiry: {} idle bot conversations closed, {} queued conversations of visitors who left ended",
                    idle.size(),
                    left.size());
        }
    }

    /** Whether someone can follow up with the visitor after they left: an email address, or a verified identity. */
    static boolean reachable(Visitor v) {
        return v.user != null
                || (v.context.email() != null && !v.context.email().isBlank());
    }

    private void toFollowUp(Conversation c) {
        router.dispatcher.toFollowUp(c);
        router.saveRecord(c);
        String email = c.visitor.context.email();
        router.appendAndBroadcast(
                c,
                TranscriptEvent.queued(
                        email != null && !email.isBlank()
                                ? "You left before an agent was free. We will reply to " + email + " and here."
                                : "You left before an agent was free. We will reply here when you are back.",
                        VISITOR_LEFT),
                false,
                e -> router.outbound.mail().map(m -> m.visitorLeft(c, e)).orElse(List.of()));
    }

    /**
     * Closes an open conversation that no queue or agent holds (the caller took it out of the
     * queue) with a system {@code closed} event; it leaves memory once that is stored if no
     * socket needs it. Completes when the event is stored (or failed).
     */
    CompletableFuture<TranscriptEvent> close(Conversation c, String reason) {
        c.state = ConversationState.CLOSED;
        if (c.visitor.open == c) {
            c.visitor.open = null;
        }
        router.saveRecord(c);
        CompletableFuture<TranscriptEvent> stored =
                router.appendAndBroadcast(c, TranscriptEvent.closed(null, Author.SYSTEM, reason));
        if (c.visitor.sessions.isEmpty() && c.agentId == null) {
            stored.whenComplete((e, error) -> forget(c)); // on the router thread, as every append completes
        } else {
            router.live.retire(c); // the visitor may still rate it
        }
        return stored;
    }

    /** Drops a closed conversation from memory, and its visitor too when nothing of theirs is live. */
    private void forget(Conversation c) {
        if (c.state != ConversationState.CLOSED || !c.visitor.sessions.isEmpty()) {
            return; // the visitor came back meanwhile: it stays for their rating, as any closed one
        }
        if (router.live.forgetConversation(c)) {
            c.visitor.stored.put(c.id, c.record());
            c.release();
        }
        Visitor v = c.visitor;
        if (v.sessions.isEmpty() && v.open == null) {
            router.live.forgetVisitor(v);
        }
    }
}
