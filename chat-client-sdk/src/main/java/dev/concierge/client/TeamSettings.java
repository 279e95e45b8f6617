package dev.concierge.client;

import dev.concierge.protocol.CannedReply;
import java.time.Duration;
import java.util.List;

/**
 * The team's settings, sent to an agent after connecting.
 *
 * @param departments the departments conversations can be transferred to
 * @param cannedReplies ready-made answers
 * @param queueAlert how long a visitor may wait in the queue before agents are alerted
 * @param maxChats how many conversations an agent takes at most
 */
public record TeamSettings(
        List<String> departments, List<CannedReply> cannedReplies, Duration queueAlert, int maxChats) {
    /**
     * Copies the lists.
     *
     * @param departments the departments conversations can be transferred to
     * @param cannedReplies ready-made answers
     * @param queueAlert how long a visitor may wait in the queue before agents are alerted
     * @param maxChats how many conversations an agent takes at most
     * @throws NullPointerException when a list or one of its elements is null
     */
    public TeamSettings {
        departments = List.copyOf(departments);
        cannedReplies = List.copyOf(cannedReplies);
    }
}
