package dev.concierge.server.webhook;

import dev.concierge.store.IntegrationStore.Endpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the router's webhook subscriptions in step with the endpoints the sender reads each
 * round: when their ids and versions differ from those of the last reload that completed, the
 * router reloads them, at most once per {@link #EVERY}. So a change whose own reload was lost (a
 * forward to the deciding node that timed out, a change written by another node's store) takes
 * effect within seconds, not at the next change. Called on the sender's thread only.
 */
final class SubscriptionRefresh {
    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionRefresh.class);

    /** The least time between two reloads. */
    static final Duration EVERY = Duration.ofSeconds(5);

    private final Supplier<CompletableFuture<Void>> reload;
    /** The ids and versions read before the last reload that completed; none before the first. */
    private final AtomicReference<Map<String, Long>> reloaded = new AtomicReference<>();

    private Instant next = Instant.MIN;

    /** @param reload reloads the router's subscriptions from the store; completes once they are in use */
    SubscriptionRefresh(Supplier<CompletableFuture<Void>> reload) {
        this.reload = Objects.requireNonNull(reload, "reload");
    }

    /** Reloads if {@code endpoints}, read at {@code now}, differ from the last reload's and none ran lately. */
    void check(Collection<Endpoint> endpoints, Instant now) {
        if (now.isBefore(next)) {
            return;
        }
        Map<String, Long> versions = endpoints.stream().collect(Collectors.toMap(Endpoint::id, Endpoint::version));
        if (versions.equals(reloaded.get())) {
            return;
        }
        next = now.plus(EVERY);
        reload.get().whenComplete((v, error) -> {
            if (error == null) {
                reloaded.set(versions); // the reload read the store after these: at least as new
            } else {
                LOG.warn("reloading the webhook subscriptions failed; tried again in {} s", EVERY.toSeconds(), error);
            }
        });
    }
}
