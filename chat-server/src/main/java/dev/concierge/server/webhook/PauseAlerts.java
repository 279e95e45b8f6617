package dev.concierge.server.webhook;

import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.IntegrationStore.Endpoint;
import java.time.Instant;
import java.util.List;

/**
 * The email alerts of a webhook endpoint the {@link WebhookSender} pauses (docs/integrations.md,
 * "Resume and rotate"). The sender writes the mails returned to the mail outbox in the same
 * transaction as the pause, and only if that write paused the endpoint: each pause is told once,
 * and its alerts survive any crash the pause survives. A pause an admin asks for is not told.
 */
public interface PauseAlerts {
    /** No alerts: the server sends no email. */
    PauseAlerts NONE = (endpoint, reason, at, waiting) -> List.of();

    /**
     * The mails telling of {@code endpoint}'s pause at {@code at} for {@code reason} (as {@code
     * pausedReason} will say), with {@code waiting} of its deliveries not made yet. Called on the
     * sender's thread before the pause is written; may block. A failure leaves the pause without
     * alerts.
     */
    List<OutboundMail> mails(Endpoint endpoint, String reason, Instant at, long waiting);

    /** The pause committed with {@code mails} (never empty): e.g. wakes the mail sender. */
    default void enqueued(List<OutboundMail> mails) {}
}
