package dev.concierge.client;

import java.util.Objects;

/**
 * What a request that stores an event completes with: the conversation it was stored in and its
 * {@code seq} there. A request sent again (after a reconnect) is stored once and completes with
 * the same {@code seq}.
 *
 * @param conversationId the conversation the event belongs to (the server may have started it)
 * @param seq the event's position in the conversation, from 1
 */
public record Stored(String conversationId, long seq) {
    /**
     * Checks the fields.
     *
     * @param conversationId the conversation the event belongs to
     * @param seq the event's position in the conversation, from 1
     * @throws NullPointerException when {@code conversationId} is null
     */
    public Stored {
        Objects.requireNonNull(conversationId, "conversationId");
    }
}
