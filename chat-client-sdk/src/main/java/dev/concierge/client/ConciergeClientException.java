package dev.concierge.client;

import java.util.Objects;

/**
 * Why a request of a {@link VisitorClient} or {@link AgentClient} failed: the module's one
 * unchecked exception. Futures fail with it; {@link #code()} says why.
 *
 * <p>Codes from the server are those of its {@code error} frame ({@code not_found},
 * {@code bad_state}, {@code unauthorized}, ...; see {@code docs/protocol.md}). Codes from the
 * client itself:
 * <ul>
 *   <li>{@code closed}: the client was closed before the request was answered;</li>
 *   <li>{@code disconnected}: the socket was lost and reconnecting is disabled (or gave up);</li>
 *   <li>{@code connect_failed}: the server (with several, none of them) could not be reached on the first connect;</li>
 *   <li>{@code timeout}: the handshake did not finish within the connect timeout;</li>
 *   <li>{@code login_failed}: the agent login answered something other than a token or 401;</li>
 *   <li>{@code no_conversation}: the request needs a conversation and the visitor has none.</li>
 * </ul>
 */
public final class ConciergeClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The error code. */
    private final String code;

    ConciergeClientException(String code, String message) {
        this(code, message, null);
    }

    ConciergeClientException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The error code: the server's {@code error.code}, or one of the client's own codes above. */
    public String code() {
        return code;
    }

    @Override
    public String toString() {
        return "ConciergeClientException[" + code + "]: " + getMessage();
    }
}
