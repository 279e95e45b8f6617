package dev.concierge.client;

import java.net.URI;
import java.util.Objects;

/**
 * The client could not reach, greet or log in to the server within the connect timeout: unknown
 * host, connection refused, TLS failure, no {@code welcome} in time, or the agent login answered
 * an HTTP status other than 200, 401 and 429. {@link #target()} is the URI of the last attempt
 * (the socket URI, or the login URI); {@link #getCause()} is that attempt's root cause (a
 * {@link java.net.ConnectException}, ...), null when the failure is an HTTP status, which
 * {@link #getMessage()} then names with the URI. A file's upload or download that could not reach
 * the server, or was answered without an error code, fails with one too; its target is the
 * upload's URL, or the download's without its token.
 */
public final class ConnectFailedException extends ConciergeClientException {
    private static final long serialVersionUID = 1L;

    /** The URI of the attempt that failed. */
    private final URI target;
    /** Whether another attempt may succeed: false for an HTTP answer that is not a server error. */
    private final boolean retryable;

    /** An attempt to {@code target} that failed with {@code cause} (its root cause). */
    ConnectFailedException(URI target, Throwable cause) {
        super("Cannot connect to " + target + ": " + describe(cause), Objects.requireNonNull(cause, "cause"));
        this.target = Objects.requireNonNull(target, "target");
        this.retryable = true;
    }

    /** An attempt to {@code target} that failed for the reason {@code message}, which names it. */
    ConnectFailedException(URI target, String message, boolean retryable) {
        super(message, null);
        this.target = Objects.requireNonNull(target, "target");
        this.retryable = retryable;
    }

    /**
     * {@code cause} as text; when it has no message (the JDK's {@code ConnectException} often
     * has none), with the first cause below it that says more, in parentheses.
     */
    private static String describe(Throwable cause) {
        Throwable telling = cause;
        while (telling.getMessage() == null && telling.getCause() != null) {
            telling = telling.getCause();
        }
        return telling == cause ? cause.toString() : cause + " (" + telling + ")";
    }

    /** Whether another attempt may succeed (a server error, an unreachable server). */
    boolean retryable() {
        return retryable;
    }

    /**
     * Where the last attempt went.
     *
     * @return the socket URI ({@code ws(s)://.../ws/visitor}, {@code .../ws/agent}) or the agent
     *     login's URI ({@code http(s)://.../api/agent/login})
     */
    public URI target() {
        return target;
    }
}
