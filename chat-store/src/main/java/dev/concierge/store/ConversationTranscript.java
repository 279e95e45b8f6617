package dev.concierge.store;

import dev.concierge.protocol.TranscriptEvent;
import java.util.List;
import java.util.Objects;

/**
 * A stored conversation with its whole transcript, as the insights read it.
 *
 * @param conversation the conversation's metadata
 * @param events its events in seq order
 */
public record ConversationTranscript(ConversationRecord conversation, List<TranscriptEvent> events) {
    public ConversationTranscript {
        Objects.requireNonNull(conversation, "conversation");
        events = List.copyOf(events);
    }
}
