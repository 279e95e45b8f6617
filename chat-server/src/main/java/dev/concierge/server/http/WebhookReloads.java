package dev.concierge.server.http;

import dev.concierge.server.routing.Router;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Tells the router that the webhook endpoints changed, so the events appended after a change get
 * the rows of the endpoints as they are now (docs/integrations.md, "Managing webhooks"). The
 * router of this node reloads them itself; a cluster node that does not decide asks the deciding
 * node ({@link #forwardTo}). The REST API answers a change once the reload completed.
 */
public final class WebhookReloads {
    private final Supplier<Optional<Router>> router;
    private final Function<Router, CompletableFuture<Void>> reload;

    /** Reloads elsewhere while this node holds no router: none, until a cluster sets one. */
    private volatile Elsewhere elsewhere = () -> CompletableFuture.completedFuture(false);

    /** A reload carried out by the node holding the router. */
    @FunctionalInterface
    public interface Elsewhere {
        /** Completes with whether the deciding node reloaded; never exceptionally. */
        CompletableFuture<Boolean> reload();
    }

    /**
     * @param router the router, where this node holds it
     * @param reload how a router reloads its webhook endpoints from the store
     */
    public WebhookReloads(Supplier<Optional<Router>> router, Function<Router, CompletableFuture<Void>> reload) {
        this.router = router;
        this.reload = reload;
    }

    /** Where the reload runs while this node holds no router (a cluster node that does not decide). */
    public void forwardTo(Elsewhere elsewhere) {
        this.elsewhere = Objects.requireNonNull(elsewhere, "elsewhere");
    }

    /** Reloads here or on the deciding node; completes with whether a router reloaded. */
    CompletableFuture<Boolean> reload() {
        return router.get().map(this::reloadOn).orElseGet(() -> elsewhere.reload());
    }

    /** Reloads for another node's call; false if this node holds no router (never passed on again). */
    public CompletableFuture<Boolean> reloadHere() {
        return router.get().map(this::reloadOn).orElseGet(() -> CompletableFuture.completedFuture(false));
    }

    private CompletableFuture<Boolean> reloadOn(Router r) {
        return reload.apply(r).thenApply(v -> true);
    }
}
