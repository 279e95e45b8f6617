package dev.concierge.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.ApiKeys;
import dev.concierge.store.IntegrationStore;
import io.netty.handler.codec.http.HttpMethod;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The REST API under {@code /api/v1/} (docs/integrations.md): the guard that finds the caller from
 * an API key or the admin token, and the endpoints managing keys and webhooks. Its routes join
 * the server's one route table ({@link #register}).
 */
public final class RestApi {
    private final ApiGuard guard;
    private final ApiKeysEndpoints keys;
    private final WebhooksEndpoints webhooks;
    private volatile HttpRoutes table = new HttpRoutes();

    /**
     * @param adminToken the admin token, if one is configured: every scope, every site
     * @param store the store's integrations (keys, webhooks), if it keeps them
     * @param auth the agents a key may act as
     * @param site whether a site key names a configured site
     * @param blocking the lanes: store work runs on {@link BlockingWork#api()}
     * @param clock times and expiry
     * @param ticker the key cache's, the rate limit's, the failed-check throttle's and the held-back warnings' time
     * @param reloads tells the router of endpoint changes
     * @param targetPolicy why webhooks may not go to a URL ({@code TargetPolicy#refusalOfUrl}), or empty
     */
    public RestApi(
            Optional<String> adminToken,
            Optional<IntegrationStore> store,
            AgentAuth auth,
            Predicate<String> site,
            BlockingWork blocking,
            Clock clock,
            Ticker ticker,
            WebhookReloads reloads,
            Function<URI, Optional<String>> targetPolicy,
            ObjectMapper json) {
        Optional<ApiKeys> apiKeys = store.map(s -> new ApiKeys(s, clock, ticker));
        this.guard = new ApiGuard(adminToken, apiKeys, blocking.api(), ex -> table.dispatch(ex), ticker);
        RestCalls rest = new RestCalls(blocking.api(), store, json);
        this.keys = new ApiKeysEndpoints(
                guard, rest, apiKeys, site, id -> auth.agentInfo(id).isPresent(), clock);
        this.webhooks = new WebhooksEndpoints(guard, rest, site, reloads, targetPolicy, clock);
    }

    /** The check every REST handler makes first. */
    ApiAccess access() {
        return guard;
    }

    /** Adds the guard of {@code /api/v1/} and the key and webhook routes to {@code routes}. */
    void register(HttpRoutes routes) {
        this.table = routes;
        routes.guard(HttpRoutes.API_V1, guard::refused)
                .get("/api/v1/api-keys", keys::list)
                .post("/api/v1/api-keys", keys::create)
                .add(HttpMethod.DELETE, "/api/v1/api-keys/{id}", keys::revoke)
                .get("/api/v1/webhooks", webhooks::list)
                .post("/api/v1/webhooks", webhooks::create)
                .get("/api/v1/webhooks/{id}", webhooks::get)
                .add(HttpMethod.PATCH, "/api/v1/webhooks/{id}", webhooks::patch)
                .add(HttpMethod.DELETE, "/api/v1/webhooks/{id}", webhooks::delete)
                .post("/api/v1/webhooks/{id}/resume", webhooks::resume)
                .post("/api/v1/webhooks/{id}/rotate-secret", webhooks::rotate)
                .get("/api/v1/webhooks/{id}/deliveries", webhooks::deliveries)
                .get("/api/v1/webhook-deliveries/{id}", webhooks::delivery)
                .post("/api/v1/webhook-deliveries/{id}/redeliver", webhooks::redeliver)
                .post("/api/v1/webhook-deliveries/{id}/cancel", webhooks::cancel);
    }
}
