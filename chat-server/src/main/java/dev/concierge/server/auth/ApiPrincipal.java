package dev.concierge.server.auth;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who a REST API call comes from: an API key, or the admin token ({@code keyId} {@code
 * "admin-token"}, every scope, every site).
 *
 * @param keyId the key's public id, or {@code "admin-token"}
 * @param admin whether it is an admin key or the admin token
 * @param site the one site the key is limited to, or empty for every site
 * @param scopes what it may do
 * @param actsAsAgent the agent its messages and notes are from, if any
 * @param integration the integration its messages and notes are from, if any
 */
public record ApiPrincipal(
        String keyId,
        boolean admin,
        Optional<String> site,
        Set<ApiScope> scopes,
        Optional<String> actsAsAgent,
        Optional<String> integration) {
    /** The {@code keyId} of the admin token. */
    public static final String ADMIN_TOKEN = "admin-token";

    public ApiPrincipal {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(site, "site");
        scopes = Set.copyOf(scopes);
        Objects.requireNonNull(actsAsAgent, "actsAsAgent");
        Objects.requireNonNull(integration, "integration");
    }

    /** The admin token: every scope, every site. */
    public static ApiPrincipal adminToken() {
        return new ApiPrincipal(
                ADMIN_TOKEN, true, Optional.empty(), Set.of(ApiScope.values()), Optional.empty(), Optional.empty());
    }

    /** Whether it holds {@code scope}. */
    public boolean may(ApiScope scope) {
        return scopes.contains(scope);
    }

    /** Whether it may see {@code site}'s data (a conversation with no site: admin only). */
    public boolean sees(String site) {
        return site == null
                ? admin && this.site.isEmpty()
                : this.site.map(site::equals).orElse(true);
    }
}
