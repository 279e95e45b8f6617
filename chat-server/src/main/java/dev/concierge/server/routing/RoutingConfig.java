package dev.concierge.server.routing;

import dev.concierge.protocol.CannedReply;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How conversations reach agents: the strategy, the per-agent cap, when a long wait raises an
 * alert, business hours, the departments and the console's canned replies.
 *
 * @param strategy {@code least-busy}, {@code round-robin} or {@code department}
 * @param maxChatsPerAgent concurrent conversations per agent before the queue holds new ones
 * @param queueAlertAfter a queued visitor waiting this long raises an alert in the console
 * @param businessHours when people answer; empty means always
 * @param departments the teams conversations can be routed or transferred to
 * @param cannedReplies the console's canned replies
 */
public record RoutingConfig(
        String strategy,
        int maxChatsPerAgent,
        Duration queueAlertAfter,
        Optional<BusinessHours> businessHours,
        List<String> departments,
        List<CannedReply> cannedReplies) {
    public RoutingConfig {
        Objects.requireNonNull(strategy, "strategy");
        RoutingStrategy.named(strategy); // fails on an unknown name
        if (maxChatsPerAgent < 1) {
            throw new IllegalArgumentException("maxChatsPerAgent must be at least 1, was " + maxChatsPerAgent);
        }
        Objects.requireNonNull(queueAlertAfter, "queueAlertAfter");
        businessHours = Objects.requireNonNull(businessHours, "businessHours");
        departments = List.copyOf(departments);
        cannedReplies = List.copyOf(cannedReplies);
    }
}
