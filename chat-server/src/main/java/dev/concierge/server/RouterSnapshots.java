package dev.concierge.server;

import dev.concierge.server.insights.InsightsApi;
import dev.concierge.server.insights.ServerMetrics;
import dev.concierge.server.routing.Agent;
import dev.concierge.server.routing.Router;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Read-only snapshots of the router's live state for the metrics and the dashboard, each taken
 * in one task on the router thread (the only thread that may read that state).
 */
final class RouterSnapshots {
    private RouterSnapshots() {}

    /** Queue length, follow-ups and agents for the Prometheus gauges. */
    static ServerMetrics.Live metrics(Router router) {
        return router.call(() -> {
            var page = router.dispatcher().queuePage(0);
            int queued = page.waiting();
            int followUps = page.total() - page.waiting();
            int online = 0;
            int connected = 0;
            int assigned = 0;
            for (Agent a : router.agents()) {
                online += a.available() ? 1 : 0;
                connected += a.sessions.isEmpty() ? 0 : 1;
                assigned += a.assigned.size();
            }
            return new ServerMetrics.Live(queued, followUps, online, connected, assigned, router.liveConversations());
        });
    }

    /** The queue's first page as agents see it, its counts, and every known agent's presence and load. */
    static InsightsApi.Live dashboard(Router router) {
        return router.call(() -> {
            List<Map<String, Object>> agents = new ArrayList<>();
            for (Agent a : router.agents()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", a.info.id());
                m.put("name", a.info.name());
                m.put("presence", a.shownPresence().name().toLowerCase(Locale.ROOT));
                m.put("assigned", a.assigned.size());
                m.put("departments", new TreeSet<>(a.departments));
                agents.add(m);
            }
            var page = router.dispatcher().queuePage(0);
            return new InsightsApi.Live(
                    page.entries(),
                    page.waiting(),
                    page.total() - page.waiting(),
                    agents,
                    router.dispatcher().config.maxChatsPerAgent());
        });
    }
}
