package dev.concierge.client;

/** The request needs a conversation (closing, rating, ...) and the visitor has none. Nothing was sent. */
public final class NoConversationException extends ConciergeClientException {
    private static final long serialVersionUID = 1L;

    NoConversationException(String message) {
        super(message, null);
    }
}
