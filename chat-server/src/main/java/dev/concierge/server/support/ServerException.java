package dev.concierge.server.support;

/** The chat server's one unchecked exception: bad configuration or a failure to start. */
public final class ServerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure with a message naming what went wrong. */
    public ServerException(String message) {
        super(message);
    }

    /** A failure caused by another exception. */
    public ServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
