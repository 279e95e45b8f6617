package dev.concierge.client;

import java.util.Optional;

/**
 * Whether a person can answer now. When not ({@link #canAnswer()} false), offer
 * {@link VisitorClient#leaveMessage}.
 *
 * @param agentsAvailable false when no agent is online
 * @param withinHours false outside business hours
 * @param message the site's note for visitors (e.g. the opening hours), when it has one
 */
public record Availability(boolean agentsAvailable, boolean withinHours, Optional<String> message) {
    /**
     * Whether a person can answer now.
     *
     * @return true when an agent is online and it is within business hours
     */
    public boolean canAnswer() {
        return agentsAvailable && withinHours;
    }
}
