package dev.concierge.client;

import dev.concierge.protocol.ErrorCode;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * How a failed attempt or a lost socket is reported: the root cause unwrapped from the futures'
 * wrappers, whether it ends the connection, and the exception the client closes with.
 */
final class ConnectFailure {
    private ConnectFailure() {}

    /** {@code error} without the {@link CompletionException}/{@link ExecutionException} wrappers. */
    static Throwable root(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * The root cause of a failed attempt to reach {@code target}: as {@link #root(Throwable)}, but
     * the JDK's {@link ConnectException} without a message over an
     * {@link UnresolvedAddressException} becomes the {@link UnknownHostException} naming the host
     * that it means (with the JDK's exception as its cause).
     */
    static Throwable root(Throwable error, URI target) {
        Throwable cause = root(error);
        if (cause instanceof ConnectException && cause.getCause() instanceof UnresolvedAddressException) {
            UnknownHostException unknown = new UnknownHostException(target.getHost());
            unknown.initCause(cause);
            return unknown;
        }
        return cause;
    }

    /**
     * Whether an attempt that failed with {@code cause} ends the connection: a refused login
     * always; on the {@code first} connect also any refusal and an HTTP answer other than a server
     * error (another try would get the same).
     */
    static boolean isFinal(Throwable cause, boolean first) {
        if (cause instanceof ServerRefusedException refused) {
            return first || refused.code() == ErrorCode.UNAUTHORIZED;
        }
        if (cause instanceof ConnectFailedException failed) {
            return first && !failed.retryable();
        }
        return false;
    }

    /**
     * What the client closes with after {@code why} on the socket to {@code target}: the server's
     * refusal or the login's failure as they are; on the first connect a
     * {@link ConnectFailedException}; later a {@link ConnectionLostException} saying why the
     * client stops ({@code end}).
     */
    static ConciergeClientException closing(Throwable why, URI target, boolean connecting, String end) {
        if (why instanceof ConciergeClientException known) {
            return known;
        }
        if (connecting) {
            return new ConnectFailedException(target, why);
        }
        return new ConnectionLostException("The connection to " + target + " was lost (" + end + "): " + why, why);
    }

    /** What a request made on a client closed by {@code closedBy} fails with. */
    static ConciergeClientException afterClose(ConciergeClientException closedBy) {
        if (closedBy == null || closedBy instanceof ClientClosedException) {
            return new ClientClosedException("The client is closed.");
        }
        return new ConnectionLostException("The client is closed: " + closedBy.getMessage(), closedBy.getCause());
    }
}
