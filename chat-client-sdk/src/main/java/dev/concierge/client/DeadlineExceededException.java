package dev.concierge.client;

import java.time.Duration;
import java.util.Objects;

/**
 * No answer came within the request's deadline ({@code requestTimeout} of the builder, or
 * {@link RequestOptions#withDeadline(Duration)}). The request left the client's outbox: it is
 * not sent again, not even after a reconnect. A file sent with {@code sendFile} has one deadline
 * for its upload and its message: {@link #withdrawn()} is true when the deadline passed before
 * the message was written (the file, if uploaded, is carried by no message and the server
 * deletes it after a day).
 *
 * <ul>
 *   <li>{@link #withdrawn()} true: the request was never written to a socket; the server never
 *       sees it and never stores it.</li>
 *   <li>{@link #withdrawn()} false: it was written; the server may have stored it. Send it again
 *       with the same request id ({@link RequestOptions#withRequestId(String)}): the server stores
 *       an id once and answers a resend with what it stored.</li>
 * </ul>
 */
public final class DeadlineExceededException extends ConciergeClientException {
    private static final long serialVersionUID = 1L;

    /** The request's deadline, counted from the call. */
    private final Duration deadline;
    /** Whether the request was never written to a socket. */
    private final boolean withdrawn;

    DeadlineExceededException(String requestId, Duration deadline, boolean withdrawn) {
        super(
                "No answer to request " + requestId + " within " + deadline.toMillis() + " ms"
                        + (withdrawn
                                ? "; it was never sent and never will be"
                                : "; it was sent and may be stored: retry with the same request id"),
                null);
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        this.withdrawn = withdrawn;
    }

    /**
     * A download ({@code download} of a file) that did not finish within {@code deadline}. It
     * stores nothing, so {@link #withdrawn()} is false only in the sense that it was sent:
     * downloading again is always safe.
     */
    DeadlineExceededException(String message, Duration deadline) {
        super(message, null);
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        this.withdrawn = false;
    }

    /**
     * The deadline the request had.
     *
     * @return the deadline, counted from the call that made the request
     */
    public Duration deadline() {
        return deadline;
    }

    /**
     * Whether the server cannot have the request.
     *
     * @return true when the request was never written to a socket (the server never sees it);
     *     false when it was written, and the server may have stored it
     */
    public boolean withdrawn() {
        return withdrawn;
    }
}
