package dev.concierge.bench;

/** The bench module's one unchecked exception: a phase or a process could not run. */
public final class BenchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message saying what failed. */
    public BenchException(String message) {
        super(message);
    }

    /** An exception with a message and its cause. */
    public BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
