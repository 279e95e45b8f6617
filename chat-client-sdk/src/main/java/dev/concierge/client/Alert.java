package dev.concierge.client;

import java.time.Duration;

/**
 * Something needs an agent's attention.
 *
 * @param code what, e.g. {@code queue_wait} (a visitor waited too long)
 * @param conversationId the conversation concerned
 * @param waited how long it has waited
 * @param message a sentence for people
 */
public record Alert(String code, String conversationId, Duration waited, String message) {}
