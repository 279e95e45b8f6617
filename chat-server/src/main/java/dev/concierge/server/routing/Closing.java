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
        String reason = close.reason() != null ? close.reason() : "closed";
        c.state = ConversationState.CLOSED;
        if (c.visitor.open == c) {
            c.visitor.open = null;
        }
        router.saveRecord(c);
        CompletableFuture<Long> seq = router.appendOnce(c, close.id(), TranscriptEvent.closed(close.id(), by, reason));
        Acks.whenStored(session, close.id(), c, seq);
        router.dispatcher.closed(c);
        router.live.retire(c);
    }
}
