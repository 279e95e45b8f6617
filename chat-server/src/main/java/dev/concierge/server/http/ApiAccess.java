package dev.concierge.server.http;

import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.server.auth.ApiScope;
import java.util.Optional;

/**
 * The check every REST API handler makes first (docs/integrations.md, "Keys"): the bearer
 * credential of the exchange is an API key or the admin token, valid, and holds {@code scope}.
 * When it is not, the exchange has been answered ({@code 401 unauthorized}, {@code 403
 * forbidden} or {@code 429 rate_limited}) and the result is empty.
 */
interface ApiAccess {
    /** The caller, if it may use {@code scope}; otherwise empty, the exchange answered. */
    Optional<ApiPrincipal> require(Exchange exchange, ApiScope scope);
}
