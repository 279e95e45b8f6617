package dev.concierge.client;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ProtocolException;
import dev.concierge.protocol.wire.ServerMessage;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a frame from the server does to a {@link Connection}: an answer completes its request (in
 * protocol 2 a message's own event is its acknowledgement), every frame goes to the session, and
 * an {@code error} frame is handled here: a refused {@code hello} ends the
 * attempt (for good when retrying cannot help), a request the server could not store is sent
 * again later with its id, a request the session can retry differently is, and any other refusal
 * fails its request's future with a {@link ServerRefusedException}. An error that names no
 * waiting request goes to the session (the listener's {@code onError}).
 */
final class Inbound {
    private static final Logger log = LoggerFactory.getLogger(Inbound.class);

    private final ProtocolCodec codec;
    private final Connection connection;
    private final ConnectionSession session;
    private final Outbox outbox;
    private final Requests requests;
    private final boolean reconnect;

    Inbound(Connection connection, ConnectionSession session, Requests requests, boolean reconnect) {
        this.connection = connection;
        this.codec = connection.codec();
        this.session = session;
        this.requests = requests;
        this.outbox = requests.outbox();
        this.reconnect = reconnect;
    }

    /** A frame arrived on {@code from}; takes the lock. */
    void received(Socket from, String json) {
        ServerMessage frame;
        try {
            frame = codec.decodeServer(json);
        } catch (ProtocolException e) {
            log.warn(
                    "Ignoring a frame the client cannot read ({}: {})", e.code().wire(), e.getMessage());
            return;
        }
        synchronized (connection.lock()) {
            if (!connection.isSocket(from)) {
                return;
            }
            if (frame instanceof ServerMessage.Error error) {
                on(from, error);
                return;
            }
            if (frame instanceof ServerMessage.Welcome welcome) {
                connection.welcomedBy(welcome.node());
            }
            Optional<Outbox.Request<?>> answered = outbox.takeAnswered(frame);
            ServerMessage.Ack implied = null;
            if (answered.isEmpty() && frame instanceof ServerMessage.Event event && event.id() != null) {
                // Protocol 2: a message's own event, carrying the request's id, is its acknowledgement.
                ServerMessage.Ack ack = new ServerMessage.Ack(event.id(), event.conversationId(), event.seq());
                answered = outbox.takeAnswered(event.id(), ack);
                implied = answered.isPresent() ? ack : null;
            }
            session.onFrame(frame);
            if (implied != null) {
                session.onFrame(implied); // as the ack after the event in protocol 1
            }
            ServerMessage answer = implied != null ? implied : frame;
            answered.ifPresent(request -> requests.complete(request, answer));
        }
    }

    /** The frame {@code error} came on the socket {@code from}. Under the lock. */
    private void on(Socket from, ServerMessage.Error error) {
        ServerRefusedException cause = Results.error(error);
        if (!from.ready && error.ref() != null && error.ref().equals(from.helloId)) {
            session.onError(error);
            // Any other code (a resume the server cannot replay, a code this version does not
            // know): the server may still welcome us (the handshake timeout covers one that does not).
            ErrorCode.fromWire(error.code()).ifPresent(code -> {
                switch (code) {
                    case INTERNAL -> connection.lost(from, cause, false);
                    case UNAUTHORIZED -> connection.lost(from, cause, !session.reauthenticate());
                    case UNSUPPORTED_VERSION, BAD_REQUEST, FORBIDDEN -> connection.lost(from, cause, true);
                    default -> {}
                }
            });
            return;
        }
        if (ErrorCode.INTERNAL.wire().equals(error.code()) && reconnect) {
            Optional<Outbox.Request<?>> notStored = outbox.peek(error.ref());
            if (notStored.isPresent()) {
                // The server could not store it (docs/protocol.md): sent again, same id, later.
                requests.storeFailed(notStored.get(), this::resendNotStored);
                return;
            }
        }
        Optional<Outbox.Request<?>> failed = outbox.take(error.ref());
        if (failed.isEmpty()) {
            session.onError(error);
            return;
        }
        Outbox.Request<?> request = failed.get();
        ClientMessage replacement = session.retryAs(request.message, error);
        if (replacement == null) {
            requests.fail(request, cause);
            return;
        }
        outbox.requeue(request, replacement);
        if (from.ready) {
            connection.write(from, request);
        }
    }

    /**
     * Sends again, oldest first, the requests the server could not store, up to the first one
     * still waiting for its answer (the others in a later round); false when no socket is ready
     * (the next socket's welcome resends the whole outbox, in order). Under the lock.
     */
    private boolean resendNotStored() {
        Socket ready = connection.readySocket();
        if (ready == null) {
            return false;
        }
        outbox.takeStoreFailed().forEach(request -> connection.write(ready, request));
        return true;
    }
}
