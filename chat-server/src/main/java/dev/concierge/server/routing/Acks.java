package dev.concierge.server.routing;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.support.LogSafe;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acknowledgements of client requests (docs/protocol.md, {@code ack}), written here and
 * nowhere else: at once for a request that stores nothing, after commit for one that stores an
 * event, and for a {@code message} only when the event itself did not reach the sender
 * (docs/architecture.md#protocol-2-acknowledged-by-the-event).
 */
final class Acks {
    private static final Logger log = LoggerFactory.getLogger(Acks.class);

    private Acks() {}

    /** Acknowledges {@code ref} now: a request that stores no event (seq 0), or a stored one. */
    static void now(Session session, String ref, String conversationId, long seq) {
        session.send(new ServerMessage.Ack(ref, conversationId, seq));
    }

    /** Acknowledges a request after its event committed, or reports a storage failure. */
    static void whenStored(Session session, String ref, Conversation c, CompletableFuture<Long> seq) {
        // Called on the router thread, and every seq future completes on it: no extra hop.
        seq.whenComplete((s, error) -> {
            if (error != null) {
                notStored(session, ref, c, error);
            } else {
                now(session, ref, c.id, s);
            }
        });
    }

    /**
     * Acknowledges a stored {@code message} request. A socket that said hello with protocol 1
     * gets an {@code ack}; one with protocol 2 takes the event, which carries the request's id, as
     * its acknowledgement, and gets an {@code ack} only when the event did not reach it
     * ({@code reached} false: the conversation changed hands meanwhile).
     */
    static void message(Session session, String ref, Conversation c, TranscriptEvent event, boolean reached) {
        if (session.version() < 2 || !reached) {
            now(session, ref, c.id, event.seq());
        }
    }

    /** The request's event could not be stored: the sender may retry with the same id. */
    static void notStored(Session session, String ref, Conversation c, Throwable error) {
        log.error("storing request {} of {} failed", LogSafe.text(ref), c.id, error);
        Router.error(session, ErrorCode.INTERNAL, "The message could not be stored; retry with the same id.", ref);
    }
}
