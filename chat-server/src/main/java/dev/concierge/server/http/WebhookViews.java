package dev.concierge.server.http;

import dev.concierge.store.IntegrationStore.Attempt;
import dev.concierge.store.IntegrationStore.Cursor;
import dev.concierge.store.IntegrationStore.Delivery;
import dev.concierge.store.IntegrationStore.Endpoint;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON forms of webhook endpoints, deliveries and attempts in the REST API (docs/integrations.md,
 * "Managing webhooks"), the paging cursor of the delivery log, and the shape checks of a target
 * URL. A secret is never in a view: the create and rotate answers add it themselves.
 */
final class WebhookViews {
    /** The longest target URL accepted, in characters. */
    static final int MAX_URL = 2048;

    private WebhookViews() {}

    /** An endpoint as every answer shows it. */
    static Map<String, Object> endpoint(Endpoint e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", e.id());
        out.put("site", e.site());
        out.put("url", e.url());
        out.put("description", e.description());
        out.put("eventTypes", e.eventTypes());
        out.put("maxInFlight", e.maxInFlight());
        out.put("state", e.state().wire());
        out.put("pausedAt", RestCalls.iso(e.pausedAt()));
        out.put("pausedReason", e.pausedReason());
        out.put("failingSince", RestCalls.iso(e.failingSince()));
        out.put("consecutiveFailures", e.consecutiveFailures());
        out.put("lastSuccessAt", RestCalls.iso(e.lastSuccessAt()));
        out.put("createdAt", RestCalls.iso(e.createdAt()));
        out.put("updatedAt", RestCalls.iso(e.updatedAt()));
        out.put("version", e.version());
        return out;
    }

    /** An endpoint with its (new) secret: the create and rotate answers only. */
    static Map<String, Object> withSecret(Endpoint e) {
        Map<String, Object> out = endpoint(e);
        out.put("secret", e.secret());
        return out;
    }

    /** A delivery as the log lists it; with its body and attempts when {@code attempts} is given. */
    static Map<String, Object> delivery(Delivery d, Optional<List<Attempt>> attempts) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", d.id());
        out.put("endpointId", d.endpointId());
        out.put("eventId", d.eventId());
        out.put("conversationId", d.conversationId());
        out.put("seq", d.seq());
        out.put("type", d.type());
        out.put("state", d.state().wire());
        out.put("attempts", d.attempts());
        out.put("createdAt", RestCalls.iso(d.createdAt()));
        out.put("nextAttemptAt", RestCalls.iso(d.nextAttemptAt()));
        out.put("deadlineAt", RestCalls.iso(d.deadlineAt()));
        out.put("deliveredAt", RestCalls.iso(d.deliveredAt()));
        out.put("lastStatus", d.lastStatus());
        out.put("lastError", d.lastError());
        attempts.ifPresent(list -> {
            out.put("attemptLog", list.stream().map(WebhookViews::attempt).toList());
            out.put("body", d.body());
        });
        return out;
    }

    private static Map<String, Object> attempt(Attempt a) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("attempt", a.attempt());
        out.put("node", a.node());
        out.put("startedAt", RestCalls.iso(a.startedAt()));
        out.put("durationMillis", a.durationMillis());
        out.put("address", a.address());
        out.put("status", a.status());
        out.put("error", a.error());
        out.put("response", a.response());
        return out;
    }

    /** The opaque cursor after {@code d}: base64url of its creation time and id. */
    static String cursor(Delivery d) {
        String plain = d.createdAt().toString() + "|" + d.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** The position a cursor names; a {@link RestCalls.Refused} 400 if it is not one of ours. */
    static Cursor cursor(String cursor) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int bar = plain.indexOf('|');
            return new Cursor(Instant.parse(plain.substring(0, bar)), plain.substring(bar + 1));
        } catch (RuntimeException e) {
            throw RestCalls.bad("cursor is not one this API gave");
        }
    }

    /**
     * Why {@code url} cannot be a webhook target by its form, or empty: an absolute {@code https}
     * or {@code http} URL with a host, no user info, no fragment, at most {@link #MAX_URL}
     * characters. Which addresses it may reach, and whether plain {@code http} is allowed, the
     * sender's target policy decides when it connects.
     */
    static Optional<String> refusalOfUrl(String url) {
        if (url.length() > MAX_URL) {
            return Optional.of("url must be at most " + MAX_URL + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of("url is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return Optional.of("url must start with https://");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return Optional.of("url must name a host");
        }
        if (uri.getRawUserInfo() != null) {
            return Optional.of("url must not hold a user name or password");
        }
        if (uri.getRawFragment() != null) {
            return Optional.of("url must not have a fragment (#…)");
        }
        return Optional.empty();
    }
}
