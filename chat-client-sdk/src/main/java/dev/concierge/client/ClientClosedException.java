package dev.concierge.client;

/**
 * {@code close()} was called before the request was answered, or the request was made after it.
 * A request that was written before the close may have been stored.
 */
public final class ClientClosedException extends ConciergeClientException {
    private static final long serialVersionUID = 1L;

    ClientClosedException(String message) {
        super(message, null);
    }
}
