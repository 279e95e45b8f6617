package dev.concierge.client;

import dev.concierge.protocol.ErrorCode;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The server refused: an {@code error} frame answering a request or the {@code hello}, a socket
 * closed with 1008 (code {@link ErrorCode#UNAUTHORIZED}), the agent login's HTTP 401
 * ({@link ErrorCode#UNAUTHORIZED}) or 429 ({@link ErrorCode#TOO_MANY_ATTEMPTS}), or a file's
 * upload or download URL answered with an error code ({@link ErrorCode#TOO_LARGE},
 * {@link ErrorCode#RATE_LIMITED}, {@link ErrorCode#NOT_FOUND}...).
 * {@link #getMessage()} is the server's message.
 *
 * <p>A code this version of the client does not know (a newer server's) reads as
 * {@link ErrorCode#INTERNAL} from {@link #code()}; {@link #wireCode()} keeps the string the
 * server sent.
 */
public final class ServerRefusedException extends ConciergeClientException {
    private static final long serialVersionUID = 1L;

    /** The code as the server sent it. */
    private final String wireCode;

    /** Seconds until the request would be accepted, or null when the server did not say. */
    private final Long retryAfterSeconds;

    ServerRefusedException(String wireCode, String message) {
        this(wireCode, message, null);
    }

    ServerRefusedException(String wireCode, String message, Long retryAfterSeconds) {
        super(message, null);
        this.wireCode = Objects.requireNonNull(wireCode, "wireCode");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    ServerRefusedException(ErrorCode code, String message) {
        this(code.wire(), message);
    }

    /**
     * Why the server refused.
     *
     * @return the code; {@link ErrorCode#INTERNAL} for a code this version does not know
     */
    public ErrorCode code() {
        return ErrorCode.fromWire(wireCode).orElse(ErrorCode.INTERNAL);
    }

    /**
     * The code exactly as the server sent it.
     *
     * @return the wire code, e.g. {@code not_found}
     */
    public String wireCode() {
        return wireCode;
    }

    /**
     * When the server would accept the request, if it said: a {@code transcript_email} refused
     * as {@link ErrorCode#RATE_LIMITED} over a mail limit carries it, and so does an upload
     * refused {@link ErrorCode#RATE_LIMITED} or {@link ErrorCode#BUSY} (its {@code Retry-After}).
     *
     * @return the wait; empty when the server did not say
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfterSeconds).map(Duration::ofSeconds);
    }

    @Override
    public String toString() {
        return "ServerRefusedException[" + wireCode + "]: " + getMessage();
    }
}
