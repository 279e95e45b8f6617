package dev.concierge.client;

import java.time.Duration;
import java.util.Optional;

/**
 * Where a conversation waiting for a person stands in the queue.
 *
 * @param conversationId the waiting conversation
 * @param position 1 for next in line
 * @param estimatedWait the server's estimate of the wait, when it has one
 * @param agentsOnline how many agents are online
 */
public record QueueStatus(String conversationId, int position, Optional<Duration> estimatedWait, int agentsOnline) {}
