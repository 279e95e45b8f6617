package dev.concierge.server.http;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.server.auth.ApiScope;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The REST API's access by the admin token alone ({@code CONCIERGE_ADMIN_TOKEN}): it holds every
 * scope of every site; anything else is {@code 401 unauthorized}. Compared in constant time.
 */
final class AdminTokenAccess implements ApiAccess {
    private final Optional<byte[]> token;

    AdminTokenAccess(Optional<String> token) {
        this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Optional<ApiPrincipal> require(Exchange exchange, ApiScope scope) {
        Optional<byte[]> given = exchange.bearer().map(t -> t.getBytes(StandardCharsets.UTF_8));
        if (token.isPresent() && given.isPresent() && MessageDigest.isEqual(token.get(), given.get())) {
            return Optional.of(ApiPrincipal.adminToken());
        }
        exchange.error(
                HttpResponseStatus.UNAUTHORIZED,
                ErrorCode.UNAUTHORIZED,
                "a valid API key or the admin token is required");
        return Optional.empty();
    }
}
