package dev.concierge.client;

import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * The role-specific half of a client: what differs between a visitor and an agent (the endpoint,
 * the {@code hello}, what a frame means, how to get a new token). The {@link Connection} does the
 * rest (sockets, outbox, reconnects) and calls these methods; those marked "under the lock" run
 * holding {@link Connection#lock()} and must not call user code but hand it to
 * {@link Connection#emit(Runnable)}.
 */
interface ConnectionSession {
    /** The socket URI on the server with base URI {@code server}. */
    URI endpoint(URI server);

    /**
     * Work before each attempt to {@code server} (an agent logs in when it has no token).
     * Completes with the server to open the socket to: {@code server}, or another one of the
     * settings' that the work reached instead. Not under the lock.
     */
    CompletableFuture<URI> prepare(URI server);

    /** The first frame of a socket. Under the lock. */
    ClientMessage.Hello hello(String id);

    /**
     * Every frame but an {@code error} that names a request or the hello. Calls
     * {@link Connection#markReady()} once the handshake is complete. Under the lock.
     */
    void onFrame(ServerMessage frame);

    /** The socket is open and the outbox was resent; {@code resumed} after a reconnect. Under the lock. */
    void onReady(boolean resumed);

    /** The server refused the session token: true when the client can get a new one. Under the lock. */
    boolean reauthenticate();

    /**
     * The server refused {@code request} with {@code error}: returns the frame to send in its
     * place (same id, same future), or null to fail the request's future. Under the lock.
     */
    ClientMessage retryAs(ClientMessage request, ServerMessage.Error error);

    /** The phase changed. Under the lock. */
    void onPhase(Connection.Phase phase);

    /** An {@code error} frame no request claims. Under the lock. */
    void onError(ServerMessage.Error error);
}
