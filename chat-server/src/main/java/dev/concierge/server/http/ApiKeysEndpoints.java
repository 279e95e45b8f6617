package dev.concierge.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.auth.ApiKeys;
import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.server.auth.ApiScope;
import dev.concierge.store.IntegrationStore.ApiKeyRecord;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET/POST /api/v1/api-keys} and {@code DELETE /api/v1/api-keys/{id}} (docs/integrations.md,
 * "Keys"), scope {@code api_keys:write}. A key is shown once, in the answer that creates it; lists
 * show the records without the hash. A caller can never make a key worth more than itself: every
 * admin scope asked for must be its own (site scopes are what {@code api_keys:write} hands out),
 * and a caller limited to one site makes, lists and revokes keys of that site only.
 */
final class ApiKeysEndpoints {
    private static final Logger log = LoggerFactory.getLogger(ApiKeysEndpoints.class);
    private static final Set<ApiScope> AUTHORED = EnumSet.of(ApiScope.MESSAGES_WRITE, ApiScope.NOTES_WRITE);

    private final ApiAccess access;
    private final RestCalls rest;
    private final Optional<ApiKeys> keys;
    private final Predicate<String> site;
    private final Predicate<String> agent;
    private final Clock clock;

    /**
     * @param site whether a site key names a configured site
     * @param agent whether an agent id names a known agent
     */
    ApiKeysEndpoints(
            ApiAccess access,
            RestCalls rest,
            Optional<ApiKeys> keys,
            Predicate<String> site,
            Predicate<String> agent,
            Clock clock) {
        this.access = access;
        this.rest = rest;
        this.keys = keys;
        this.site = site;
        this.agent = agent;
        this.clock = clock;
    }

    /** {@code GET /api/v1/api-keys}: every key the caller may manage, newest first. */
    void list(Exchange ex) {
        access.require(ex, ApiScope.API_KEYS_WRITE)
                .ifPresent(p -> rest.run(ex, store -> {
                    List<Map<String, Object>> items = store.apiKeys().stream()
                            .filter(k -> manages(p, k))
                            .map(ApiKeysEndpoints::view)
                            .toList();
                    return done(HttpResponseStatus.OK, page(items));
                }));
    }

    /** {@code POST /api/v1/api-keys}: 201 with the key, shown this once. */
    void create(Exchange ex) {
        access.require(ex, ApiScope.API_KEYS_WRITE)
                .ifPresent(p -> rest.run(ex, store -> {
                    ApiKeys.Minted minted = keys.orElseThrow().mint(request(p, rest.object(ex, false)));
                    return store.insertApiKey(minted.record()).thenApply(v -> {
                        log.info(
                                "API key {} ({}) created by {}",
                                minted.record().id(),
                                minted.record().kind(),
                                p.keyId());
                        Map<String, Object> out = new LinkedHashMap<>();
                        out.put("key", minted.key());
                        out.putAll(view(minted.record()));
                        return new RestCalls.Reply(HttpResponseStatus.CREATED, out);
                    });
                }));
    }

    /** {@code DELETE /api/v1/api-keys/{id}}: revokes at once on this node (within 5 s on others); 204. */
    void revoke(Exchange ex) {
        String id = ex.variable();
        access.require(ex, ApiScope.API_KEYS_WRITE)
                .ifPresent(p -> rest.run(ex, store -> {
                    ApiKeyRecord key = store.apiKey(id)
                            .filter(k -> manages(p, k))
                            .orElseThrow(() -> RestCalls.notFound("no API key with this id"));
                    return store.revokeApiKey(key.id(), clock.instant()).thenApply(revoked -> {
                        keys.ifPresent(k -> k.forget(key.id()));
                        if (revoked) {
                            log.info("API key {} revoked by {}", key.id(), p.keyId());
                        }
                        return new RestCalls.Reply(HttpResponseStatus.NO_CONTENT, null);
                    });
                }));
    }

    /** Whether {@code p} may see and revoke {@code key}: a caller limited to a site, its site's keys only. */
    private static boolean manages(ApiPrincipal p, ApiKeyRecord key) {
        return p.site().isEmpty() || p.site().get().equals(key.site());
    }

    /** The checked fields of a new key. */
    private ApiKeys.Request request(ApiPrincipal p, JsonNode body) {
        String kind = RestCalls.text(body, "kind", 10)
                .filter(ApiKeys.KINDS::contains)
                .orElseThrow(() -> RestCalls.bad("kind must be site or admin"));
        boolean siteKey = kind.equals("site");
        Optional<String> keySite = RestCalls.text(body, "site", 100);
        if (siteKey && keySite.isEmpty()) {
            throw RestCalls.bad("site is needed for a site key");
        }
        // Checked before the site exists: another site's key learns nothing of which sites do.
        if (p.site().isPresent() && !p.site().equals(keySite)) {
            throw new RestCalls.Refused(
                    HttpResponseStatus.FORBIDDEN,
                    ErrorCode.FORBIDDEN,
                    "this key may only make keys of its site " + p.site().get());
        }
        if (keySite.isPresent() && !site.test(keySite.get())) {
            throw new RestCalls.Refused(
                    HttpResponseStatus.BAD_REQUEST, ErrorCode.UNKNOWN_SITE, "no site " + keySite.get());
        }
        Set<ApiScope> scopes = scopes(p, body, siteKey);
        Optional<String> actsAsAgent = RestCalls.text(body, "actsAsAgent", 100);
        Optional<String> integration = RestCalls.text(body, "integration", 40);
        boolean authors = scopes.stream().anyMatch(AUTHORED::contains);
        if (authors && actsAsAgent.isPresent() == integration.isPresent()) {
            throw RestCalls.bad(
                    "a key with messages:write or notes:write needs exactly one of actsAsAgent and integration");
        }
        if (!authors && (actsAsAgent.isPresent() || integration.isPresent())) {
            throw RestCalls.bad("actsAsAgent and integration are only for keys with messages:write or notes:write");
        }
        if (actsAsAgent.isPresent() && !agent.test(actsAsAgent.get())) {
            throw RestCalls.bad("actsAsAgent names no known agent");
        }
        String name = RestCalls.text(body, "name", 100)
                .orElseThrow(() -> RestCalls.bad("name must be a text of 1 to 100 characters"));
        Optional<Instant> expiresAt = RestCalls.instant(body, "expiresAt");
        if (expiresAt.isPresent() && !expiresAt.get().isAfter(clock.instant())) {
            throw RestCalls.bad("expiresAt must be in the future");
        }
        return new ApiKeys.Request(kind, keySite, scopes, actsAsAgent, integration, name, expiresAt, p.keyId());
    }

    private static Set<ApiScope> scopes(ApiPrincipal p, JsonNode body, boolean siteKey) {
        JsonNode list = body.get("scopes");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > ApiScope.values().length) {
            throw RestCalls.bad("scopes must be a list of 1 to " + ApiScope.values().length + " scope names");
        }
        Set<ApiScope> scopes = EnumSet.noneOf(ApiScope.class);
        for (JsonNode s : list) {
            ApiScope scope = ApiScope.of(s.asText()).orElseThrow(() -> RestCalls.bad("unknown scope " + s.asText()));
            if (siteKey ? !scope.forSiteKeys() : !scope.forAdminKeys()) {
                throw RestCalls.bad((siteKey ? "a site" : "an admin") + " key cannot hold " + scope.wire());
            }
            if (!siteKey && !p.may(scope)) {
                throw new RestCalls.Refused(
                        HttpResponseStatus.FORBIDDEN,
                        ErrorCode.FORBIDDEN,
                        "this key cannot grant " + scope.wire() + ", which it lacks");
            }
            scopes.add(scope);
        }
        return scopes;
    }

    /** A key as lists show it: never the key, nor its hash. */
    static Map<String, Object> view(ApiKeyRecord k) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", k.id());
        out.put("kind", k.kind());
        out.put("site", k.site());
        out.put("scopes", k.scopes());
        out.put("actsAsAgent", k.actsAsAgent());
        out.put("integration", k.integration());
        out.put("name", k.name());
        out.put("createdAt", RestCalls.iso(k.createdAt()));
        out.put("createdBy", k.createdBy());
        out.put("expiresAt", RestCalls.iso(k.expiresAt()));
        out.put("revokedAt", RestCalls.iso(k.revokedAt()));
        out.put("lastUsedAt", RestCalls.iso(k.lastUsedAt()));
        return out;
    }

    /** One page holding every item. */
    static Map<String, Object> page(List<?> items) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", items);
        out.put("next", null);
        return out;
    }

    static CompletableFuture<RestCalls.Reply> done(HttpResponseStatus status, Object body) {
        return CompletableFuture.completedFuture(new RestCalls.Reply(status, body));
    }
}
