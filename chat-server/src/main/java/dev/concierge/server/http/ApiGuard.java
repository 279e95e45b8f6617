package dev.concierge.server.http;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.auth.ApiKeys;
import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.server.auth.ApiScope;
import dev.concierge.server.auth.LoginThrottle;
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
 * again. A check that needs the store is first admitted by the failed-check throttle of the
 * client's address ({@link ApiKeys#admitCheck}): an address with too many failed checks is 429 {@code rate_limited} with
 * {@code Retry-After}, before any store read. Anything else is 401 {@code unauthorized}; a key over
 * its budget is 429 {@code rate_limited} with {@code Retry-After}. Log lines name a key by its
 * public id only, never the key; a refused credential is logged at most once a minute per address
 * ({@link AddressWarnings}), with how many were refused in between. {@code GET
 * /api/v1/openapi.json} needs no credential.
 */
final class ApiGuard implements ApiAccess {
    private static final Logger log = LoggerFactory.getLogger(ApiGuard.class);
    static final String OPENAPI = HttpRoutes.API_V1 + "openapi.json";

    private final Optional<byte[]> adminToken;
    private final Optional<ApiKeys> keys;
    private final Executor lane;
    private final Consumer<Exchange> route;
    private final AddressWarnings warnings;

    /**
     * @param adminToken the admin token, if one is configured
     * @param keys the API keys, when the store keeps them
     * @param lane where a key not cached is checked
     * @param route routes an exchange again once its key is checked
     * @param ticker the time of the held-back warnings
     */
    ApiGuard(
            Optional<String> adminToken,
            Optional<ApiKeys> keys,
            Executor lane,
            Consumer<Exchange> route,
            Ticker ticker) {
        this.adminToken = adminToken.map(t -> t.getBytes(StandardCharsets.UTF_8));
        this.keys = keys;
        this.lane = lane;
        this.route = route;
        this.warnings = new AddressWarnings(ticker);
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
            warn(ex, "refused: the credential is no API key nor the admin token");
            unauthorized(ex, "the bearer credential is no API key nor the admin token");
            return true;
        }
        ApiKeys k = keys.get();
        Optional<Optional<ApiPrincipal>> cached = k.authenticateCached(given);
        if (cached.isPresent()) {
            // Answered from memory, costing no store read: never held back.
            return !admitted(ex, parsed.get(), cached.get());
        }
        LoginThrottle.Result admission = k.admitCheck(ex.address());
        if (admission.attempt().isEmpty()) {
            tooManyFailures(ex, admission.retryAfterSeconds());
            return true;
        }
        LoginThrottle.Attempt check = admission.attempt().get();
        try {
            lane.execute(() -> {
                Optional<ApiPrincipal> principal;
                try {
                    principal = k.authenticate(given);
                } catch (RuntimeException e) {
                    check.cancelled();
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
                principal.ifPresent(p -> k.checkPassed(check));
                ex.onLoop(() -> {
                    if (admitted(ex, parsed.get(), principal)) {
                        route.accept(ex);
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            check.cancelled();
            ex.busy();
        }
        return true;
    }

    /** The client's address failed too many key checks lately: 429 until it may try again. */
    private void tooManyFailures(Exchange ex, long retryAfterSeconds) {
        warn(ex, "held back: too many failed key checks from this address");
        rateLimited(
                ex,
                "too many failed API key checks from this address; retry in " + retryAfterSeconds + " s",
                retryAfterSeconds);
    }

    /** A 429 {@code rate_limited} saying {@code message}, with {@code Retry-After}. */
    private static void rateLimited(Exchange ex, String message, long retryAfterSeconds) {
        ex.json(
                HttpResponseStatus.TOO_MANY_REQUESTS,
                Map.of("error", ErrorCode.RATE_LIMITED.wire(), "message", message),
                retryAfterSeconds);
    }

    /** Warns that a call from the client's address was refused, unless one was a moment ago. */
    private void warn(Exchange ex, String what) {
        warnings.admit(ex.address())
                .ifPresent(held -> log.warn(
                        "{}: REST API call from {} {} ({} more refused from there since the last such line)",
                        ex.channelId(),
                        ex.address(),
                        what,
                        held));
    }

    /** Keeps the principal on the exchange if there is one and its budget allows; answers if not. */
    private boolean admitted(Exchange ex, ApiKeys.Parsed key, Optional<ApiPrincipal> principal) {
        if (principal.isEmpty()) {
            warn(ex, "refused: key " + key.id() + " is unknown, wrong, revoked or expired");
            unauthorized(ex, "the API key is unknown, revoked or expired");
            return false;
        }
        OptionalLong wait = keys.orElseThrow().admit(key.id());
        if (wait.isPresent()) {
            log.debug("{}: key {} is over its rate", ex.channelId(), key.id());
            rateLimited(
                    ex,
                    "this key made more than " + ApiKeys.PER_SECOND + " requests a second; retry in " + wait.getAsLong()
                            + " s",
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
