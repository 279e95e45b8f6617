package dev.concierge.server.webhook;

import dev.concierge.server.support.LogSafe;
import dev.concierge.server.support.RoundThread;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.IntegrationStore;
import dev.concierge.store.IntegrationStore.Endpoint;
import dev.concierge.store.IntegrationStore.EndpointState;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the sender pauses a failing endpoint, and the email alerts written with the pause
 * ({@link PauseAlerts}). Used on the sender's round thread.
 */
final class EndpointPauses {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);

    private final IntegrationStore store;
    private final WebhookSettings settings;
    private volatile PauseAlerts alerts = PauseAlerts.NONE;

    EndpointPauses(IntegrationStore store, WebhookSettings settings) {
        this.store = store;
        this.settings = settings;
    }

    /** Writes the mails of {@code alerts} with each pause, in the same transaction. */
    void alerts(PauseAlerts alerts) {
        this.alerts = Objects.requireNonNull(alerts, "alerts");
    }

    /**
     * Pauses {@code endpoint}, as it is after an outcome, if it answered {@code 410 Gone}, or has
     * had no 2xx for {@link WebhookSettings#pauseAfter()} and at least {@link
     * WebhookSettings#pauseAfterFailures()} consecutive failed attempts.
     */
    void pauseIfDue(Endpoint endpoint, int status, Instant now) {
        if (endpoint.state() != EndpointState.ACTIVE) {
            return;
        }
        String reason;
        if (status == 410) {
            reason = "receiver answered 410 Gone";
        } else if (endpoint.failingSince() != null
                && !endpoint.failingSince().isAfter(now.minus(settings.pauseAfter()))
                && endpoint.consecutiveFailures() >= settings.pauseAfterFailures()) {
            reason = "no 2xx since " + endpoint.failingSince() + ", " + endpoint.consecutiveFailures()
                    + " consecutive failed attempts";
        } else {
            return;
        }
        List<OutboundMail> mails = alertsOf(endpoint, reason, now);
        if (await(store.pauseEndpoint(endpoint.id(), reason, now, mails))) {
            LOG.warn(
                    "webhook endpoint {} of site {} paused: {} ({}); {} email alert(s)",
                    endpoint.id(),
                    LogSafe.text(endpoint.site()),
                    reason,
                    LogSafe.text(WebhookSender.withoutQuery(endpoint.url())),
                    mails.size());
            if (!mails.isEmpty()) {
                alerts.enqueued(mails);
            }
        }
    }

    /** The alerts of a pause; none when they cannot be made (logged): the pause goes on. */
    private List<OutboundMail> alertsOf(Endpoint endpoint, String reason, Instant now) {
        PauseAlerts to = alerts;
        if (to == PauseAlerts.NONE) {
            return List.of();
        }
        try {
            return to.mails(endpoint, reason, now, store.waitingDeliveries(endpoint.id()));
        } catch (RuntimeException e) {
            LOG.warn(
                    "webhook endpoint {}: the email alerts of its pause cannot be made: {}",
                    endpoint.id(),
                    e.toString());
            return List.of();
        }
    }

    private static <T> T await(CompletableFuture<T> write) {
        return RoundThread.await(write, WebhookSender.STORE_TIMEOUT, "the webhook outbox");
    }
}
