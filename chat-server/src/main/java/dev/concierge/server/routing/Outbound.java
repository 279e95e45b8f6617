package dev.concierge.server.routing;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.IntegrationStore;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the router's events cause outside the chat: the email of the {@link MailPolicy} (when the
 * server sends email) and the webhook rows of the {@link WebhookPolicy}, with the sites they are
 * made for. Router thread unless said.
 */
final class Outbound {
    private static final Logger log = LoggerFactory.getLogger(Outbound.class);

    /** The site of a conversation whose visitor named none, when more than one site is configured. */
    static final String DEFAULT_SITE = "demo";

    private final Router router;
    /** Store reads (the endpoints), off the router thread. */
    private final Executor readers;
    /** The configured sites' keys. */
    private final Set<String> sites;
    /** Set when the server sends email; read on the router thread. */
    private volatile MailPolicy mailPolicy;
    /** The webhook rows of every event; router thread only. */
    final WebhookPolicy webhooks;
    /** Numbers the reloads, so that a slow read of an older one never replaces a newer snapshot. */
    private final AtomicLong reloads = new AtomicLong();
    /** The number of the reload whose snapshot is in use; router thread only. */
    private long reloaded;

    Outbound(Router router, Executor readers, Set<String> sites) {
        this.router = router;
        this.readers = readers;
        this.sites = Set.copyOf(sites);
        this.webhooks = new WebhookPolicy(router.ids);
    }

    /**
     * The site a new conversation of {@code visitor} belongs to: the one they said hello from,
     * else the only configured site, else {@link #DEFAULT_SITE}.
     */
    String siteOf(Visitor visitor) {
        if (visitor.site != null) {
            return visitor.site;
        }
        return sites.size() == 1 ? sites.iterator().next() : DEFAULT_SITE;
    }

    /** {@link Router#sendMail}: reads the outbox's last day, then installs the policy on the router thread. */
    void sendMail(
            String messageIdDomain, Runnable wakeSender, MailPolicyConfig config, Supplier<List<AgentAccount>> agents) {
        MailPolicy policy = new MailPolicy(
                router,
                Objects.requireNonNull(messageIdDomain, "messageIdDomain"),
                Objects.requireNonNull(wakeSender, "wakeSender"),
                Objects.requireNonNull(config, "config"),
                Objects.requireNonNull(agents, "agents"));
        ConversationStore store = router.store();
        List<ConversationStore.QueuedMail> recent =
                store.mailCreatedSince(router.clock.instant().minus(MailLimits.DAY));
        Map<String, Optional<String>> visitors = MailPolicy.visitorsOfTranscripts(store, recent);
        router.call(() -> {
            policy.restore(recent, id -> visitors.getOrDefault(id, Optional.empty()));
            mailPolicy = policy;
            return null;
        });
    }

    /** The mail policy, when the server sends email; router thread. */
    Optional<MailPolicy> mail() {
        return Optional.ofNullable(mailPolicy);
    }

    /**
     * The mails of the left message {@code event} (to {@code email}): its confirmation and the
     * agents' follow-up alerts; none when the server sends no email.
     */
    List<ConversationStore.OutboundMail> confirmationOf(Conversation c, TranscriptEvent event, String email) {
        MailPolicy policy = mailPolicy;
        return policy == null ? List.of() : policy.leftMessage(c, event, email);
    }

    /** Wakes the mail sender, if the server sends email. */
    void wakeMailSender() {
        MailPolicy policy = mailPolicy;
        if (policy != null) {
            policy.wakeSender();
        }
    }

    /**
     * Reads the webhook endpoints now, blocking, and uses them from the next event on: for the
     * router's start, before any event. Nothing when the store keeps no endpoints.
     */
    void loadWebhooks() {
        router.store().integrations().ifPresent(store -> webhooks.subscriptions(read(store)));
    }

    /** {@link Router#reloadWebhooks()}: the endpoints read off the router thread, swapped on it. */
    CompletableFuture<Void> reloadWebhooks(Executor routerThread) {
        Optional<IntegrationStore> store = router.store().integrations();
        if (store.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        long reload = reloads.incrementAndGet();
        return CompletableFuture.supplyAsync(() -> read(store.get()), readers)
                .thenAcceptAsync(
                        snapshot -> {
                            if (reload > reloaded) {
                                reloaded = reload;
                                webhooks.subscriptions(snapshot);
                            }
                        },
                        routerThread)
                .whenComplete((v, error) -> {
                    if (error != null) {
                        log.error("reloading the webhook endpoints failed", error);
                    }
                });
    }

    private static WebhookSubscriptions read(IntegrationStore store) {
        return WebhookSubscriptions.of(store.endpoints(Optional.empty()));
    }
}
