package dev.concierge.server.routing;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.store.ConversationStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Idempotent client requests: a request sent again with the id it had (a client retrying after a
 * reconnect) is recognised here, and only here, and gets the answer the first one got while its
 * event is stored once. Ids are kept per conversation ({@link ClientIds}); one that could not be
 * stored is forgotten, so that a retry with it is taken as new. A {@code message} is acknowledged
 * by its event where that reached the sender (docs/architecture.md#protocol-2-acknowledged-by-the-event).
 * Router thread only.
 */
final class Idempotency {
    private final Router router;

    Idempotency(Router router) {
        this.router = router;
    }

    /** Whether the request {@code clientId} was seen in {@code c}. */
    static boolean seen(Conversation c, String clientId) {
        return c.byClientId.containsKey(clientId);
    }

    /**
     * Whether the request was seen in {@code c} before; if so it is acknowledged again (once
     * stored, with the seq its event got) and the caller is done with it.
     */
    static boolean resent(Session session, Conversation c, String clientId) {
        CompletableFuture<Long> existing = c.byClientId.get(clientId);
        if (existing == null) {
            return false;
        }
        Acks.whenStored(session, clientId, c, existing);
        return true;
    }

    /** Remembers a request whose event is stored by its caller (a handoff): a resend gets its seq. */
    static void remember(Conversation c, String clientId, CompletableFuture<Long> seq) {
        c.byClientId.put(clientId, seq);
    }

    /** A stored event read back after a restart: a resend of its request gets its seq. */
    static void recovered(Conversation c, TranscriptEvent event) {
        c.byClientId.stored(event.id(), event);
    }

    /** Appends a client-originated event once per client id; resends get the same seq. */
    CompletableFuture<Long> appendOnce(Conversation c, String clientId, TranscriptEvent draft, boolean hold) {
        return appendOnce(c, clientId, draft, hold, e -> List.of());
    }

    /** {@link #appendOnce}, with the mails {@code mailsOf} makes of the event in the same transaction. */
    CompletableFuture<Long> appendOnce(
            Conversation c,
            String clientId,
            TranscriptEvent draft,
            boolean hold,
            Function<TranscriptEvent, List<ConversationStore.OutboundMail>> mailsOf) {
        CompletableFuture<Long> existing = c.byClientId.get(clientId);
        if (existing != null) {
            return existing;
        }
        CompletableFuture<TranscriptEvent> stored = router.appendAndBroadcast(c, draft, hold, mailsOf);
        CompletableFuture<Long> seq = stored.thenApply(TranscriptEvent::seq);
        c.byClientId.put(clientId, seq);
        stored.whenComplete((e, error) -> { // on the router thread, like every completion here
            if (error != null) {
                c.byClientId.remove(clientId); // not stored: a retry with the same id is a new request
                if (draft.attachment() != null) {
                    c.carriedFiles.remove(draft.attachment().id()); // and may carry its file again
                }
            } else {
                c.byClientId.stored(clientId, e);
            }
        });
        return seq;
    }

    /**
     * Stores a {@code message} request's event once per client id, sends it to the conversation's
     * sockets after commit, and acknowledges the sender ({@link Acks#message}). Held as
     * {@link Appends#append(Conversation, TranscriptEvent, boolean)} says. The caller has checked
     * with {@link #resent} that the id is new in the conversation.
     */
    void message(Session session, Conversation c, String clientId, TranscriptEvent draft, boolean hold) {
        message(session, c, clientId, draft, hold, e -> List.of());
    }

    /** {@link #message(Session, Conversation, String, TranscriptEvent, boolean)} with the event's mails. */
    void message(
            Session session,
            Conversation c,
            String clientId,
            TranscriptEvent draft,
            boolean hold,
            Function<TranscriptEvent, List<ConversationStore.OutboundMail>> mailsOf) {
        CompletableFuture<TranscriptEvent> stored = router.appendAndBroadcast(c, draft, hold, mailsOf);
        c.byClientId.putPending(clientId, stored);
        // Runs on the router thread right after the broadcast, so reached() sees what it saw.
        stored.whenComplete((event, error) -> {
            if (error != null) {
                c.byClientId.remove(clientId); // not stored: a retry with the same id is a new request
                if (draft.attachment() != null) {
                    c.carriedFiles.remove(draft.attachment().id()); // and may carry its file again
                }
                Acks.notStored(session, clientId, c, error);
                return;
            }
            c.byClientId.stored(clientId, event);
            Acks.message(session, clientId, c, event, router.reached(c, event, session));
        });
    }
}
