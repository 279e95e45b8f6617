package dev.concierge.server;

import dev.concierge.protocol.Values.ConversationState;
import java.time.Instant;
import java.util.Objects;

/**
 * A conversation's stored metadata. {@code agentId} is null unless assigned; {@code score} is
 * null until rated.
 *
 * @param id the conversation id
 * @param visitorId the visitor who started it
 * @param state its state in the router's state machine
 * @param agentId the owning agent, or null
 * @param startedAt when it started
 * @param firstLine the visitor's first message, for lists of earlier conversations
 * @param score the visitor's rating, or null
 */
public record ConversationRecord(String id, String visitorId, ConversationState state, String agentId,
                                 Instant startedAt, String firstLine, Integer score) {
    public ConversationRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(visitorId, "visitorId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(startedAt, "startedAt");
    }
}
