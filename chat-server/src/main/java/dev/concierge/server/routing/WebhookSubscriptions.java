package dev.concierge.server.routing;

import dev.concierge.store.IntegrationStore.Endpoint;
import dev.concierge.store.IntegrationStore.EndpointState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which webhook endpoints get which events, by site and event type: an immutable snapshot of the
 * {@link EndpointState#ACTIVE} and {@link EndpointState#PAUSED} endpoints (a paused one gets rows,
 * delivered once it is resumed; a {@link EndpointState#DISABLED} one gets none). The router
 * replaces it whole after every endpoint change ({@link Router#reloadWebhooks()}).
 */
final class WebhookSubscriptions {
    /** No endpoint at all. */
    static final WebhookSubscriptions NONE = new WebhookSubscriptions(Map.of());

    /** Site → event type → endpoint ids, oldest endpoint first. */
    private final Map<String, Map<String, List<String>>> bySite;

    private WebhookSubscriptions(Map<String, Map<String, List<String>>> bySite) {
        this.bySite = bySite;
    }

    /** The subscriptions of {@code endpoints} (in the order given: the store's, oldest first). */
    static WebhookSubscriptions of(List<Endpoint> endpoints) {
        Map<String, Map<String, List<String>>> building = new HashMap<>();
        for (Endpoint e : endpoints) {
            if (e.state() == EndpointState.DISABLED) {
                continue;
            }
            Map<String, List<String>> types = building.computeIfAbsent(e.site(), s -> new LinkedHashMap<>());
            for (String type : e.eventTypes()) {
                List<String> ids = types.computeIfAbsent(type, t -> new ArrayList<>());
                if (!ids.contains(e.id())) {
                    ids.add(e.id());
                }
            }
        }
        Map<String, Map<String, List<String>>> frozen = new HashMap<>();
        building.forEach((site, types) -> {
            Map<String, List<String>> copy = new HashMap<>();
            types.forEach((type, ids) -> copy.put(type, List.copyOf(ids)));
            if (!copy.isEmpty()) {
                frozen.put(site, Map.copyOf(copy));
            }
        });
        return new WebhookSubscriptions(Map.copyOf(frozen));
    }

    /** The endpoint ids subscribed to each event type of {@code site}; empty when it has none. */
    Map<String, List<String>> of(String site) {
        return site == null ? Map.of() : bySite.getOrDefault(site, Map.of());
    }
}
