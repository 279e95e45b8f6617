package dev.concierge.client;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import java.util.List;
import java.util.Optional;

/**
 * A conversation's events, read with {@code history}: every page of them, in {@code seq} order.
 *
 * @param conversationId the conversation
 * @param state its state when read, when the server said
 * @param events the events after the {@code seq} asked for, in {@code seq} order
 */
public record History(String conversationId, Optional<ConversationState> state, List<TranscriptEvent> events) {
    /**
     * Copies the events.
     *
     * @param conversationId the conversation
     * @param state its state when read, when the server said
     * @param events the events, in {@code seq} order
     * @throws NullPointerException when {@code events} or one of them is null
     */
    public History {
        events = List.copyOf(events);
    }
}
