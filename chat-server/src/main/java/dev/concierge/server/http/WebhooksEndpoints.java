package dev.concierge.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.server.auth.ApiScope;
import dev.concierge.server.webhook.WebhookTypes;
import dev.concierge.store.IntegrationStore;
import dev.concierge.store.IntegrationStore.Delivery;
import dev.concierge.store.IntegrationStore.DeliveryState;
import dev.concierge.store.IntegrationStore.Endpoint;
import dev.concierge.store.IntegrationStore.EndpointState;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook endpoints and their delivery log over the REST API (docs/integrations.md, "Managing
 * webhooks"): scopes {@code webhooks:read} and {@code webhooks:write}. A key limited to one site
 * sees only that site's endpoints and deliveries; any other is 404, as a missing one. Every change
 * to an endpoint is answered once the router has reloaded the endpoints ({@link WebhookReloads}),
 * so the next event appended gets rows exactly for the endpoints as changed.
 */
final class WebhooksEndpoints {
    private static final Logger log = LoggerFactory.getLogger(WebhooksEndpoints.class);
    /** How long a rotated-out secret still signs, beside the new one. */
    static final Duration OLD_SECRET_SIGNS = Duration.ofHours(24);

    static final int DEFAULT_MAX_IN_FLIGHT = 8;
    static final int MAX_IN_FLIGHT = 64;
    private static final Set<String> PATCHABLE = Set.of("url", "eventTypes", "description", "state", "maxInFlight");

    private final ApiAccess access;
    private final RestCalls rest;
    private final Predicate<String> site;
    private final WebhookReloads reloads;
    private final Function<URI, Optional<String>> targetPolicy;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param site whether a site key names a configured site
     * @param targetPolicy why the sender's target policy refuses a URL of the right shape, or empty
     */
    WebhooksEndpoints(
            ApiAccess access,
            RestCalls rest,
            Predicate<String> site,
            WebhookReloads reloads,
            Function<URI, Optional<String>> targetPolicy,
            Clock clock) {
        this.access = access;
        this.rest = rest;
        this.site = site;
        this.reloads = reloads;
        this.targetPolicy = targetPolicy;
        this.clock = clock;
    }

    /** {@code GET /api/v1/webhooks[?site=]}: the endpoints the caller sees, oldest first. */
    void list(Exchange ex) {
        Optional<String> asked = ex.param("site");
        access.require(ex, ApiScope.WEBHOOKS_READ)
                .ifPresent(p -> rest.run(ex, store -> {
                    if (asked.isPresent() && !p.sees(asked.get())) {
                        throw new RestCalls.Refused(
                                HttpResponseStatus.FORBIDDEN,
                                ErrorCode.FORBIDDEN,
                                "this key may not manage site " + asked.get());
                    }
                    Optional<String> only = p.site().isPresent() ? p.site() : asked;
                    List<Map<String, Object>> items = store.endpoints(only).stream()
                            .filter(e -> p.sees(e.site()))
                            .map(WebhookViews::endpoint)
                            .toList();
                    return ApiKeysEndpoints.done(HttpResponseStatus.OK, ApiKeysEndpoints.page(items));
                }));
    }

    /** {@code POST /api/v1/webhooks}: 201 with the endpoint and its signing secret, shown this once. */
    void create(Exchange ex) {
        access.require(ex, ApiScope.WEBHOOKS_WRITE)
                .ifPresent(p -> rest.run(ex, store -> {
                    JsonNode body = rest.object(ex, false);
                    String endpointSite =
                            RestCalls.text(body, "site", 100).orElseThrow(() -> RestCalls.bad("site is needed"));
                    // Another site's key learns nothing of which sites exist.
                    if (!p.sees(endpointSite)) {
                        throw new RestCalls.Refused(
                                HttpResponseStatus.FORBIDDEN,
                                ErrorCode.FORBIDDEN,
                                "this key may not manage site " + endpointSite);
                    }
                    if (!site.test(endpointSite)) {
                        throw new RestCalls.Refused(
                                HttpResponseStatus.BAD_REQUEST, ErrorCode.UNKNOWN_SITE, "no site " + endpointSite);
                    }
                    String url = url(RestCalls.text(body, "url", WebhookViews.MAX_URL)
                            .orElseThrow(() -> RestCalls.bad("url is needed")));
                    List<String> types = eventTypes(body.get("eventTypes"));
                    Instant now = clock.instant();
                    Endpoint endpoint = new Endpoint(
                            "whe_" + random(12),
                            endpointSite,
                            url,
                            RestCalls.text(body, "description", 500).orElse(null),
                            types,
                            newSecret(),
                            null,
                            null,
                            maxInFlight(body.get("maxInFlight")).orElse(DEFAULT_MAX_IN_FLIGHT),
                            EndpointState.ACTIVE,
                            null,
                            null,
                            null,
                            0,
                            null,
                            now,
                            now,
                            1);
                    return store.insertEndpoint(endpoint)
                            .thenCompose(v -> reloaded(endpoint.id()))
                            .thenApply(v -> {
                                log.info(
                                        "webhook endpoint {} of site {} created by {}",
                                        endpoint.id(),
                                        endpointSite,
                                        p.keyId());
                                return new RestCalls.Reply(
                                        HttpResponseStatus.CREATED, WebhookViews.withSecret(endpoint));
                            });
                }));
    }

    /** {@code GET /api/v1/webhooks/{id}}. */
    void get(Exchange ex) {
        String id = ex.variable();
        access.require(ex, ApiScope.WEBHOOKS_READ).ifPresent(p -> rest.run(ex, store -> ok(seen(store, p, id))));
    }

    /** {@code PATCH /api/v1/webhooks/{id}} with {@code If-Match: "<version>"}: 409 when it changed since. */
    void patch(Exchange ex) {
        String id = ex.variable();
        Optional<String> ifMatch = Optional.ofNullable(ex.headers().get(HttpHeaderNames.IF_MATCH));
        access.require(ex, ApiScope.WEBHOOKS_WRITE)
                .ifPresent(p -> rest.run(ex, store -> {
                    JsonNode body = rest.object(ex, false);
                    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
                        String name = names.next();
                        if (!PATCHABLE.contains(name)) {
                            throw RestCalls.bad(
                                    "unknown field " + name + "; a change may name " + String.join(", ", PATCHABLE));
                        }
                    }
                    Endpoint e = seen(store, p, id);
                    long expected = ifMatch.map(WebhooksEndpoints::version).orElse(e.version());
                    if (expected != e.version()) {
                        throw conflict(e);
                    }
                    Instant now = clock.instant();
                    String url = RestCalls.text(body, "url", WebhookViews.MAX_URL)
                            .map(this::url)
                            .orElse(e.url());
                    List<String> types = body.has("eventTypes") ? eventTypes(body.get("eventTypes")) : e.eventTypes();
                    String description = body.has("description")
                            ? RestCalls.text(body, "description", 500).orElse(null)
                            : e.description();
                    int maxInFlight = maxInFlight(body.get("maxInFlight")).orElse(e.maxInFlight());
                    EndpointState state = RestCalls.text(body, "state", 20)
                            .map(s -> EndpointState.of(s)
                                    .orElseThrow(() -> RestCalls.bad("state must be active, paused or disabled")))
                            .orElse(e.state());
                    boolean pausing = state == EndpointState.PAUSED && e.state() != EndpointState.PAUSED;
                    boolean leavingPause = state != EndpointState.PAUSED;
                    boolean reset = state == EndpointState.ACTIVE && e.state() != EndpointState.ACTIVE;
                    Endpoint changed = e.change()
                            .settings(url, description, types, maxInFlight)
                            .state(
                                    state,
                                    pausing ? now : leavingPause ? null : e.pausedAt(),
                                    pausing ? "paused by " + p.keyId() : leavingPause ? null : e.pausedReason())
                            .counters(
                                    reset ? null : e.failingSince(),
                                    reset ? 0 : e.consecutiveFailures(),
                                    e.lastSuccessAt())
                            .at(now);
                    return update(store, p, e, changed, false);
                }));
    }

    /** {@code DELETE /api/v1/webhooks/{id}}: its unfinished deliveries are cancelled; 204. */
    void delete(Exchange ex) {
        String id = ex.variable();
        access.require(ex, ApiScope.WEBHOOKS_WRITE)
                .ifPresent(p -> rest.run(ex, store -> {
                    Endpoint e = seen(store, p, id);
                    return store.deleteEndpoint(e.id())
                            .thenCompose(v -> reloaded(e.id()))
                            .thenApply(v -> {
                                log.info("webhook endpoint {} deleted by {}", e.id(), p.keyId());
                                return new RestCalls.Reply(HttpResponseStatus.NO_CONTENT, null);
                            });
                }));
    }

    /** {@code POST /api/v1/webhooks/{id}/resume} with {@code {"redeliverExpiredSince"?}}. */
    void resume(Exchange ex) {
        String id = ex.variable();
        access.require(ex, ApiScope.WEBHOOKS_WRITE)
                .ifPresent(p -> rest.run(ex, store -> {
                    Optional<Instant> since = RestCalls.instant(rest.object(ex, true), "redeliverExpiredSince");
                    Endpoint e = seen(store, p, id);
                    return store.resumeEndpoint(e.id(), clock.instant(), since)
                            .thenCompose(v -> reloaded(e.id()))
                            .thenApply(v -> {
                                log.info("webhook endpoint {} resumed by {}", e.id(), p.keyId());
                                return reply(store, e.id());
                            });
                }));
    }

    /** {@code POST /api/v1/webhooks/{id}/rotate-secret}: a new secret; the old one signs too for 24 h. */
    void rotate(Exchange ex) {
        String id = ex.variable();
        access.require(ex, ApiScope.WEBHOOKS_WRITE)
                .ifPresent(p -> rest.run(ex, store -> {
                    Endpoint e = seen(store, p, id);
                    Instant now = clock.instant();
                    Endpoint changed = e.change()
                            .secrets(newSecret(), e.secret(), now.plus(OLD_SECRET_SIGNS))
                            .at(now);
                    return update(store, p, e, changed, true);
                }));
    }

    /** {@code GET /api/v1/webhooks/{id}/deliveries[?state=&conversation=&limit=&cursor=]}, newest first. */
    void deliveries(Exchange ex) {
        String id = ex.variable();
        Optional<String> state = ex.param("state");
        Optional<String> conversation = ex.param("conversation");
        Optional<String> limitParam = ex.param("limit");
        Optional<String> cursor = ex.param("cursor");
        access.require(ex, ApiScope.WEBHOOKS_READ)
                .ifPresent(p -> rest.run(ex, store -> {
                    DeliveryState s = state.map(w -> DeliveryState.of(w)
                                    .orElseThrow(() -> RestCalls.bad(
                                            "state must be pending, sending, delivered, expired or cancelled")))
                            .orElse(null);
                    int limit = limit(limitParam);
                    Endpoint e = seen(store, p, id);
                    List<Delivery> found = store.deliveries(
                            e.id(),
                            s,
                            conversation.orElse(null),
                            cursor.map(WebhookViews::cursor).orElse(null),
                            limit + 1);
                    List<Delivery> page = found.subList(0, Math.min(limit, found.size()));
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put(
                            "items",
                            page.stream()
                                    .map(d -> WebhookViews.delivery(d, Optional.empty()))
                                    .toList());
                    out.put("next", found.size() > limit ? WebhookViews.cursor(page.get(limit - 1)) : null);
                    return ok(out);
                }));
    }

    /** {@code GET /api/v1/webhook-deliveries/{id}}: with every attempt and the body. */
    void delivery(Exchange ex) {
        String id = ex.variable();
        access.require(ex, ApiScope.WEBHOOKS_READ)
                .ifPresent(p -> rest.run(ex, store -> {
                    Delivery d = seenDelivery(store, p, id);
                    return ok(WebhookViews.delivery(d, Optional.of(store.attempts(d.id()))));
                }));
    }

    /** {@code POST /api/v1/webhook-deliveries/{id}/redeliver}: pending again, same event id, in its lane. */
    void redeliver(Exchange ex) {
        deliveryChange(ex, IntegrationStore::redeliver, "redelivered");
    }

    /** {@code POST /api/v1/webhook-deliveries/{id}/cancel}: a pending delivery is cancelled, its lane goes on. */
    void cancel(Exchange ex) {
        deliveryChange(ex, IntegrationStore::cancelDelivery, "cancelled");
    }

    /** The store's call on a delivery, then its view; 409 {@code bad_state} when the store refused. */
    private void deliveryChange(Exchange ex, DeliveryCall call, String done) {
        String id = ex.variable();
        access.require(ex, ApiScope.WEBHOOKS_WRITE)
                .ifPresent(p -> rest.run(ex, store -> {
                    Delivery d = seenDelivery(store, p, id);
                    return call.apply(store, d.id(), clock.instant()).thenApply(changed -> {
                        if (!changed) {
                            throw new RestCalls.Refused(
                                    HttpResponseStatus.CONFLICT,
                                    ErrorCode.BAD_STATE,
                                    "a " + d.state().wire() + " delivery cannot be " + done);
                        }
                        log.info("webhook delivery {} {} by {}", d.id(), done, p.keyId());
                        Delivery now = store.delivery(d.id()).orElse(d);
                        return new RestCalls.Reply(HttpResponseStatus.OK, WebhookViews.delivery(now, Optional.empty()));
                    });
                }));
    }

    @FunctionalInterface
    private interface DeliveryCall {
        CompletableFuture<Boolean> apply(IntegrationStore store, String id, Instant now);
    }

    private CompletableFuture<RestCalls.Reply> update(
            IntegrationStore store, ApiPrincipal p, Endpoint was, Endpoint changed, boolean showSecret) {
        return store.updateEndpoint(changed, was.version()).thenCompose(updated -> {
            if (!updated) {
                throw conflict(was);
            }
            log.info("webhook endpoint {} changed by {} (version {})", changed.id(), p.keyId(), changed.version());
            return reloaded(changed.id())
                    .thenApply(v -> new RestCalls.Reply(
                            HttpResponseStatus.OK,
                            showSecret ? WebhookViews.withSecret(changed) : WebhookViews.endpoint(changed)));
        });
    }

    /** Completes when the router has the endpoints as stored now (a failure is logged: a new decider reads them). */
    private CompletableFuture<Void> reloaded(String endpointId) {
        return reloads.reload().handle((ok, error) -> {
            if (error != null || !Boolean.TRUE.equals(ok)) {
                log.warn("webhook endpoint {} changed, but no router confirmed the reload", endpointId);
            }
            return null;
        });
    }

    private static RestCalls.Reply reply(IntegrationStore store, String id) {
        return new RestCalls.Reply(
                HttpResponseStatus.OK,
                store.endpoint(id)
                        .map(WebhookViews::endpoint)
                        .orElseThrow(() -> RestCalls.notFound("no webhook endpoint with this id")));
    }

    private static CompletableFuture<RestCalls.Reply> ok(Object body) {
        return ApiKeysEndpoints.done(
                HttpResponseStatus.OK, body instanceof Endpoint e ? WebhookViews.endpoint(e) : body);
    }

    /** The endpoint if the caller may see it; 404 otherwise, as for a missing one. */
    private static Endpoint seen(IntegrationStore store, ApiPrincipal p, String id) {
        return store.endpoint(id)
                .filter(e -> p.sees(e.site()))
                .orElseThrow(() -> RestCalls.notFound("no webhook endpoint with this id"));
    }

    private static Delivery seenDelivery(IntegrationStore store, ApiPrincipal p, String id) {
        return store.delivery(id)
                .filter(d -> store.endpoint(d.endpointId())
                        .filter(e -> p.sees(e.site()))
                        .isPresent())
                .orElseThrow(() -> RestCalls.notFound("no webhook delivery with this id"));
    }

    private static RestCalls.Refused conflict(Endpoint now) {
        return new RestCalls.Refused(
                HttpResponseStatus.CONFLICT,
                ErrorCode.CONFLICT,
                "the endpoint changed meanwhile; it is at version " + now.version() + ": read it and try again");
    }

    /** The version an {@code If-Match} names: {@code "3"}, {@code 3} or {@code W/"3"}. */
    private static long version(String ifMatch) {
        String v = ifMatch.trim();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        v = v.replace("\"", "");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw RestCalls.bad("If-Match must name a version, such as \"3\"");
        }
    }

    /** {@code url} if its shape and the target policy accept it; a 400 saying why otherwise. */
    private String url(String url) {
        WebhookViews.refusalOfUrl(url)
                .or(() -> targetPolicy.apply(URI.create(url)))
                .ifPresent(why -> {
                    throw RestCalls.bad(why);
                });
        return url;
    }

    private static List<String> eventTypes(JsonNode list) {
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw RestCalls.bad("eventTypes must be a list of event types: " + String.join(", ", WebhookTypes.ALL));
        }
        Set<String> types = new LinkedHashSet<>();
        for (JsonNode t : list) {
            if (!WebhookTypes.ALL.contains(t.asText())) {
                throw RestCalls.bad(
                        "unknown event type " + t.asText() + "; known: " + String.join(", ", WebhookTypes.ALL));
            }
            types.add(t.asText());
        }
        return new ArrayList<>(types);
    }

    private static Optional<Integer> maxInFlight(JsonNode value) {
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isInt() || value.asInt() < 1 || value.asInt() > MAX_IN_FLIGHT) {
            throw RestCalls.bad("maxInFlight must be a whole number from 1 to " + MAX_IN_FLIGHT);
        }
        return Optional.of(value.asInt());
    }

    /** A page size: 1 to 100, 25 when not given. */
    static int limit(Optional<String> limit) {
        try {
            int n = limit.map(Integer::parseInt).orElse(25);
            if (n >= 1 && n <= 100) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw RestCalls.bad("limit must be a whole number from 1 to 100");
    }

    private String newSecret() {
        return "whsec_" + Base64.getEncoder().encodeToString(randomBytes(32));
    }

    private String random(int bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(bytes));
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b); // SecureRandom is thread-safe
        return b;
    }
}
