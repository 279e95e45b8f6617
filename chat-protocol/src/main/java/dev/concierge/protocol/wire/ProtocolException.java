package dev.concierge.protocol.wire;

import dev.concierge.protocol.ErrorCode;
import java.util.Objects;
import java.util.Optional;

/**
 * A frame that cannot be accepted. {@link #code()} is the {@code error} frame's code
 * ({@link ErrorCode#BAD_JSON}, {@link ErrorCode#BAD_REQUEST}, {@link ErrorCode#UNKNOWN_TYPE}, ...); {@link #ref()} the id of
 * the offending request when it could be read. The module's one unchecked exception.
 */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String ref;

    /** A failure with an error code, a human message, and the request id if known. */
    public ProtocolException(ErrorCode code, String message, String ref) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
        this.ref = ref;
    }

    /** The error code for the {@code error} frame. */
    public ErrorCode code() {
        return code;
    }

    /** The request id, when the frame had a readable one. */
    public Optional<String> ref() {
        return Optional.ofNullable(ref);
    }
}
