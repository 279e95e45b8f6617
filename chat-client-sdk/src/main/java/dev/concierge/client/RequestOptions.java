package dev.concierge.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-request options: the request id and the deadline. Immutable;
 * {@code RequestOptions.defaults().withRequestId("order-1234-msg-1").withDeadline(Duration.ofSeconds(5))}.
 *
 * <p><b>Request id.</b> By default each request gets a fresh UUID. Choose one to make a retry
 * safe: the server stores a message id once per conversation and answers a resend with what it
 * stored, so a request sent again with the same id after a {@link DeadlineExceededException}
 * (or from a new client after a crash) is stored once. An id follows the protocol's rules: 1 to
 * 64 characters, no control character. One id may be waiting for its answer only once at a
 * time in a client.
 *
 * <p><b>Deadline.</b> How long, from the call, the request may wait for its answer (through
 * reconnects and retries of a store the server could not make); default the builder's
 * {@code requestTimeout} (30 s). When it passes the request is withdrawn from the outbox (never
 * sent again) and its future fails with {@link DeadlineExceededException}. Cancelling the future,
 * or failing it ({@code orTimeout}, {@code completeExceptionally}), withdraws the request the same
 * way before then.
 */
public final class RequestOptions {
    /** The longest request id the protocol accepts. */
    static final int MAX_ID_LENGTH = 64;

    private static final RequestOptions DEFAULTS = new RequestOptions(null, null);

    private final String requestId;
    private final Duration deadline;

    private RequestOptions(String requestId, Duration deadline) {
        this.requestId = requestId;
        this.deadline = deadline;
    }

    /**
     * The options of a request made without them.
     *
     * @return options with no chosen id (a fresh UUID) and the client's request timeout
     */
    public static RequestOptions defaults() {
        return DEFAULTS;
    }

    /**
     * These options with the request id {@code id}.
     *
     * @param id the request id: 1 to 64 characters, no control character
     * @return new options with this id and the deadline of these
     * @throws NullPointerException when {@code id} is null
     * @throws IllegalArgumentException when {@code id} is empty, longer than 64 characters or
     *     holds a control character
     */
    public RequestOptions withRequestId(String id) {
        Objects.requireNonNull(id, "requestId");
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException(
                    "requestId must be 1 to " + MAX_ID_LENGTH + " characters, was " + id.length());
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                throw new IllegalArgumentException("requestId must not contain a control character");
            }
        }
        return new RequestOptions(id, deadline);
    }

    /**
     * These options with the deadline {@code deadline}, counted from the call.
     *
     * @param deadline how long the request may wait for its answer
     * @return new options with this deadline and the request id of these
     * @throws NullPointerException when {@code deadline} is null
     * @throws IllegalArgumentException when it is not positive
     */
    public RequestOptions withDeadline(Duration deadline) {
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, was " + deadline);
        }
        return new RequestOptions(requestId, deadline);
    }

    /**
     * The chosen request id.
     *
     * @return the id; empty for a fresh UUID per request
     */
    public Optional<String> requestId() {
        return Optional.ofNullable(requestId);
    }

    /**
     * The chosen deadline.
     *
     * @return the deadline; empty for the client's request timeout
     */
    public Optional<Duration> deadline() {
        return Optional.ofNullable(deadline);
    }

    @Override
    public String toString() {
        return "RequestOptions[requestId=" + requestId + ", deadline=" + deadline + "]";
    }
}
