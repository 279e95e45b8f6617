package dev.concierge.server.routing;

import dev.concierge.protocol.Author;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ClientMessage;
import java.util.concurrent.CompletableFuture;

/** Closing a conversation, the same for whoever closes it. Router thread only. */
final class Closing {
    private Closing() {}

    static void close(Router router, Session session, Conversation c, Author by, ClientMessage.Close close) {
        if (Idempotency.resent(session, c, close.id())) {
            return;
        }
        if (c.state == ConversationState.CLOSED) {
            Router.error(session, ErrorCode.BAD_STATE, "This conversation is already closed.", close.id());
            return;
        }
        Acks.whenStored(session, close.id(), c, close(router, c, by, close.id(), close.reason()));
    }

    /**
     * Closes {@code c}, which is not closed, with a {@code closed} event by {@code by} stored once
     * per {@code clientId}; {@code reason} null for "closed". Completes with the event's seq.
     */
    static CompletableFuture<Long> close(Router router, Conversation c, Author by, String clientId, String reason) {
        c.state = ConversationState.CLOSED;
        if (c.visitor.open == c) {
            c.visitor.open = null;
        }
        router.saveRecord(c);
        CompletableFuture<Long> seq = router.appendOnce(
                c, clientId, TranscriptEvent.closed(clientId, by, reason != null ? reason : "closed"));
        router.dispatcher.closed(c);
        router.live.retire(c);
        return seq;
    }
}
