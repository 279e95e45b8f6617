package dev.concierge.server.http;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.auth.ApiKeys;
import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.server.auth.ApiScope;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard of {@code /api/v1/} (docs/integrations.md, "Keys"): finds who calls from the {@code
 * Authorization: Bearer} credential before any route runs, and keeps it on the {@link Exchange}
 * for {@link #require}. The admin token (compared in constant time) is {@link
 * ApiPrincipal#adminToken()}; a {@code ck_} key is checked by {@link ApiKeys}, on the event loop
 * when its record is cached and otherwise on the API lane, after which the request is routed
 * again. Anything else is 401 {@code unauthorized}; a key over its budget is 429 {@code
 * rate_limited} with {@code Retry-After}. Log lines name a key by its public id only, never the
 * key. {@code GET /api/v1/openapi.json} needs no credential.
 */
final class ApiGuard implements ApiAccess {
    private static final Logger log = LoggerFactory.getLogger(ApiGuard.class);
    static final String OPENAPI = HttpRoutes.API_V1 + "openapi.json";

    private final Optional<byte[]> adminToken;
    private final Optional<ApiKeys> keys;
    private final Executor lane;
    private final Consumer<Exchange> route;

    /**
     * @param adminToken the admin token, if one is configured
     * @param keys the API keys, when the store keeps them
     * @param lane where a key not cached is checked
     * @param route routes an exchange again once its key is checked
     */
    ApiGuard(Optional<String> adminToken, Optional<ApiKeys> keys, Executor lane, Consumer<Exchange> route) {
        this.adminToken = adminToken.map(t -> t.getBytes(StandardCharsets.UTF_8));
        this.keys = keys;
        this.lane = lane;
        this.route = route;
    }

    /** The guard: true when it answered (or will answer) instead of the route. */
    boolean refused(Exchange ex) {
        if (ex.path().equals(OPENAPI) || ex.apiPrincipal().isPresent()) {
            return false;
        }
        Optional<String> bearer = ex.bearer();
        if (bearer.isEmpty()) {
            unauthorized(ex, "an Authorization: Bearer header with an API key or the admin token is needed");
            return true;
        }
        String given = bearer.get();
        if (adminToken.isPresent() && MessageDigest.isEqual(adminToken.get(), given.getBytes(StandardCharsets.UTF_8))) {
            ex.apiPrincipal(ApiPrincipal.adminToken());
            return false;
        }
        Optional<ApiKeys.Parsed> parsed = ApiKeys.parse(given);
        if (parsed.isEmpty() || keys.isEmpty()) {
            log.warn("{}: REST API call with a credential that is no API key nor the admin token", ex.channelId());
            unauthorized(ex, "the bearer credential is no API key nor the admin token");
            return true;
        }
        ApiKeys k = keys.get();
        Optional<Optional<ApiPrincipal>> cached = k.authenticateCached(given);
        if (cached.isPresent()) {
            return !admitted(ex, parsed.get(), cached.get());
        }
        try {
            lane.execute(() -> {
                Optional<ApiPrincipal> principal;
                try {
                    principal = k.authenticate(given);
                } catch (RuntimeException e) {
                    log.error(
                            "{}: checking API key {} failed",
                            ex.channelId(),
                            parsed.get().id(),
                            e);
                    ex.onLoop(() -> ex.error(
                            HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            ErrorCode.INTERNAL,
                            "the key could not be checked"));
                    return;
                }
                ex.onLoop(() -> {
                    if (admitted(ex, parsed.get(), principal)) {
                        route.accept(ex);
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            ex.busy();
        }
        return true;
    }

    /** Keeps the principal on the exchange if there is one and its budget allows; answers if not. */
    private boolean admitted(Exchange ex, ApiKeys.Parsed key, Optional<ApiPrincipal> principal) {
        if (principal.isEmpty()) {
            log.warn(
                    "{}: REST API call refused: key {} is unknown, wrong, revoked or expired",
                    ex.channelId(),
                    key.id());
            unauthorized(ex, "the API key is unknown, revoked or expired");
            return false;
        }
        OptionalLong wait = keys.orElseThrow().admit(key.id());
        if (wait.isPresent()) {
            log.debug("{}: key {} is over its rate", ex.channelId(), key.id());
            ex.json(
                    HttpResponseStatus.TOO_MANY_REQUESTS,
                    Map.of(
                            "error",
                            ErrorCode.RATE_LIMITED.wire(),
                            "message",
                            "this key made more than " + ApiKeys.PER_SECOND + " requests a second; retry in "
                                    + wait.getAsLong() + " s"),
                    wait.getAsLong());
            return false;
        }
        ex.apiPrincipal(principal.get());
        return true;
    }

    @Override
    public Optional<ApiPrincipal> require(Exchange exchange, ApiScope scope) {
        Optional<ApiPrincipal> principal = exchange.apiPrincipal();
        if (principal.isEmpty()) {
            unauthorized(exchange, "an API key or the admin token is needed");
            return Optional.empty();
        }
        if (!principal.get().may(scope)) {
            log.info(
                    "{}: key {} lacks the scope {}",
                    exchange.channelId(),
                    principal.get().keyId(),
                    scope.wire());
            exchange.error(
                    HttpResponseStatus.FORBIDDEN, ErrorCode.FORBIDDEN, "this key lacks the scope " + scope.wire());
            return Optional.empty();
        }
        return principal;
    }

    private static void unauthorized(Exchange ex, String message) {
        ex.error(HttpResponseStatus.UNAUTHORIZED, ErrorCode.UNAUTHORIZED, message);
    }
}
