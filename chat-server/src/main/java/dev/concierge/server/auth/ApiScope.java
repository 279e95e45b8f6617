package dev.concierge.server.auth;

import java.util.Locale;
import java.util.Optional;

/**
 * What a REST API key may do (docs/integrations.md, "Keys"). Site keys hold the scopes of one
 * site's conversations; admin keys the rest. The admin token holds every scope.
 */
public enum ApiScope {
    /** List and read conversations with their transcripts, and the follow-ups. */
    CONVERSATIONS_READ(true),
    /** Post a message as the key's agent or integration. */
    MESSAGES_WRITE(true),
    /** Post an internal note as the key's agent or integration. */
    NOTES_WRITE(true),
    /** Close a conversation. */
    CONVERSATIONS_CLOSE(true),
    /** List agents with their presence. */
    AGENTS_READ(true),
    /** Create, disable and enable agents. */
    AGENTS_WRITE(false),
    /** List departments. */
    DEPARTMENTS_READ(false),
    /** List sites. */
    SITES_READ(false),
    /** Read webhook endpoints and their delivery log. */
    WEBHOOKS_READ(false),
    /** Create, change, pause, resume and delete webhook endpoints; redeliver and cancel deliveries. */
    WEBHOOKS_WRITE(false),
    /** Create, list and revoke API keys. */
    API_KEYS_WRITE(false);

    private final boolean forSiteKeys;

    ApiScope(boolean forSiteKeys) {
        this.forSiteKeys = forSiteKeys;
    }

    /** Whether a site key may hold it ({@code agents:read} is for both kinds). */
    public boolean forSiteKeys() {
        return forSiteKeys;
    }

    /** Whether an admin key may hold it. */
    public boolean forAdminKeys() {
        return !forSiteKeys || this == AGENTS_READ;
    }

    /** The written form: {@code conversations:read}, {@code api_keys:write}… */
    public String wire() {
        String name = name().toLowerCase(Locale.ROOT);
        int last = name.lastIndexOf('_');
        return name.substring(0, last) + ":" + name.substring(last + 1);
    }

    /** The scope of a written form; empty when it names none. */
    public static Optional<ApiScope> of(String wire) {
        for (ApiScope s : values()) {
            if (s.wire().equals(wire)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
