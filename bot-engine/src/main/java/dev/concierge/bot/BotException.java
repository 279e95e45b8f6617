package dev.concierge.bot;

/**
 * The one unchecked exception of the bot engine: a knowledge base that cannot be read or is
 * invalid (the message names the file, the entry and the field), a bad builder argument, or a
 * failure while indexing.
 */
public final class BotException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message that says what is wrong and where.
     *
     * @param message the human-readable description
     */
    public BotException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message the human-readable description
     * @param cause   what went wrong underneath
     */
    public BotException(String message, Throwable cause) {
        super(message, cause);
    }
}
