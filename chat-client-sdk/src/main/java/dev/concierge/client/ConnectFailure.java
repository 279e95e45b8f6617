package dev.concierge.client;

import java.net.URI;
import java.util.concurrent.CompletionException;

/**
 * The exception a failed connection attempt reports: the client's own failure as it is (a login
 * refused with {@code unauthorized} stays that, so the connection can tell it is final), anything
 * else as {@code connect_failed} naming the socket URI, unwrapped from the future's
 * {@link CompletionException}.
 */
final class ConnectFailure {
    private ConnectFailure() {}

    /** The failure of an attempt of {@code session} to {@code target} with {@code error}. */
    static ConciergeClientException of(Throwable error, ConnectionSession session, URI target) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ConciergeClientException known) {
            return known;
        }
        return new ConciergeClientException(
                "connect_failed", "Cannot connect to " + session.endpoint(target) + ": " + cause, cause);
    }
}
