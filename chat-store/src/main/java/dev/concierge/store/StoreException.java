package dev.concierge.store;

/**
 * A store that cannot do what was asked: the database is unreachable or refuses a write, a
 * migration fails, a value cannot be encoded. Unchecked: callers either let it fail the request
 * (no acknowledgement is sent for a write that did not commit) or stop at start-up.
 */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure with only a message. */
    StoreException(String message) {
        super(message);
    }

    /** A failure caused by another exception. */
    StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
