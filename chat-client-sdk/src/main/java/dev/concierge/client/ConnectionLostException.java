package dev.concierge.client;

/**
 * The socket was lost and the client does not open another: reconnecting is off
 * ({@code reconnect(false)}), or it gave up after {@code giveUpAfter} without a {@code welcome}.
 * The client is {@code CLOSED}; requests that were waiting fail with this, and so do requests
 * made afterwards. A request that was written may have been stored: send it again (same request
 * id, {@link RequestOptions#withRequestId(String)}) with a new client to be sure.
 * {@link #getCause()} is the root cause of the loss, when there is one.
 */
public final class ConnectionLostException extends ConciergeClientException {
    private static final long serialVersionUID = 1L;

    ConnectionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
