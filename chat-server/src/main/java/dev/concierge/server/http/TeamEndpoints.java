package dev.concierge.server.http;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.server.auth.ApiScope;
import dev.concierge.server.auth.Site;
import dev.concierge.server.insights.InsightsApi;
import dev.concierge.server.support.Patterns;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API's team and configuration (docs/integrations.md, "Agents, departments and sites"):
 * {@code POST /api/v1/agents}, {@code POST /api/v1/agents/{id}/disable} and {@code …/enable}
 * ({@code agents:write}), {@code GET /api/v1/departments} ({@code departments:read}) and {@code
 * GET /api/v1/sites} ({@code sites:read}). Creating an agent is the admin API's ({@link
 * AgentApi#createAgent}, the password hashed on the sign-in lane), and so are disabling and
 * enabling ({@link #disable(String)}, {@link #enable(String)}, which {@link AdminEndpoints} calls
 * too). The departments' figures come from the live view the dashboard shows ({@link
 * InsightsApi#live}); a site is listed without its identity-verification secrets.
 */
final class TeamEndpoints {
    private static final Logger log = LoggerFactory.getLogger(TeamEndpoints.class);

    private final AgentAuth auth;
    private final SignedInSockets sockets;
    private final AgentApi agentApi;
    private final Map<String, Site> sites;
    private final InsightsApi insights;
    private final BlockingWork blocking;

    TeamEndpoints(
            AgentAuth auth,
            SignedInSockets sockets,
            AgentApi agentApi,
            Map<String, Site> sites,
            InsightsApi insights,
            BlockingWork blocking) {
        this.auth = auth;
        this.sockets = sockets;
        this.agentApi = agentApi;
        this.sites = sites;
        this.insights = insights;
        this.blocking = blocking;
    }

    /** Adds the routes to {@code routes}, each checking the key with {@code access} first. */
    void register(HttpRoutes routes, ApiAccess access) {
        routes.post("/api/v1/agents", ex -> teamWide(ex, access).ifPresent(p -> create(ex, p)))
                .post("/api/v1/agents/{id}/disable", ex -> teamWide(ex, access).ifPresent(p -> disable(ex, p)))
                .post("/api/v1/agents/{id}/enable", ex -> teamWide(ex, access).ifPresent(p -> enable(ex, p)))
                .get("/api/v1/departments", ex -> access.require(ex, ApiScope.DEPARTMENTS_READ)
                        .ifPresent(p -> departments(ex)))
                .get("/api/v1/sites", ex -> access.require(ex, ApiScope.SITES_READ)
                        .ifPresent(p -> sites(ex, p)));
    }

    /**
     * The caller of an {@code agents:write} call: an agent works for every site, so a key limited
     * to one site may not make or change one (403, the exchange answered).
     */
    private static Optional<ApiPrincipal> teamWide(Exchange ex, ApiAccess access) {
        Optional<ApiPrincipal> p = access.require(ex, ApiScope.AGENTS_WRITE);
        if (p.isPresent() && p.get().site().isPresent()) {
            log.info(
                    "{}: key {} is limited to a site: it may not change the team",
                    ex.channelId(),
                    p.get().keyId());
            ex.error(
                    HttpResponseStatus.FORBIDDEN,
                    ErrorCode.FORBIDDEN,
                    "agents work for every site: this key is limited to the site "
                            + p.get().site().get());
            return Optional.empty();
        }
        return p;
    }

    /**
     * Disables an agent: they can no longer sign in, their sessions end and the sockets signed in
     * with them close, here and (through {@link AgentAuth}'s session events) on every node of a
     * cluster. Returns how many sockets closed here; empty for an unknown agent.
     */
    Optional<Integer> disable(String agentId) {
        return auth.disable(agentId).map(sockets::closeAll);
    }

    /** Lets a disabled agent sign in again (their earlier sessions stay ended); false for an unknown agent. */
    boolean enable(String agentId) {
        return auth.enable(agentId);
    }

    /** {@code POST /api/v1/agents}: 201 with the agent as {@code GET /api/v1/agents} shows one. */
    private void create(Exchange ex, ApiPrincipal p) {
        String body = ex.body();
        int capacity = agentApi.routing().maxChatsPerAgent();
        ex.offloadJson(
                blocking.logins(),
                () -> agentApi.createAgent(body, account -> {
                    log.info("agent {} created by {}", account.id(), p.keyId());
                    return view(account, Map.of(), capacity);
                }));
    }

    /** {@code POST /api/v1/agents/{id}/disable}: 200 with how many of their sockets closed on this node. */
    private void disable(Exchange ex, ApiPrincipal p) {
        String id = ex.variable();
        Optional<Integer> closed = known(id) ? disable(id) : Optional.empty();
        if (closed.isEmpty()) {
            unknownAgent(ex);
            return;
        }
        log.info("agent {} disabled by {}", id, p.keyId());
        ex.json(HttpResponseStatus.OK, Map.of("id", id, "status", "disabled", "socketsClosed", closed.get()));
    }

    /** {@code POST /api/v1/agents/{id}/enable}. */
    private void enable(Exchange ex, ApiPrincipal p) {
        String id = ex.variable();
        if (!known(id) || !enable(id)) {
            unknownAgent(ex);
            return;
        }
        log.info("agent {} enabled by {}", id, p.keyId());
        ex.json(HttpResponseStatus.OK, Map.of("id", id, "status", "enabled"));
    }

    private static boolean known(String agentId) {
        return Patterns.NAME.matcher(agentId).matches();
    }

    private static void unknownAgent(Exchange ex) {
        ex.error(HttpResponseStatus.NOT_FOUND, ErrorCode.NOT_FOUND, "no agent with this id");
    }

    /**
     * {@code GET /api/v1/departments}: each department with its agents, how many of them are
     * online and how many could take a chat now, and its conversations in the live queue when
     * the queue's first page holds the whole live queue (else null: the total is {@code waiting}).
     */
    private void departments(Exchange ex) {
        ex.offload(blocking.insights(), () -> {
            InsightsApi.Reply live = insights.live();
            if (!HttpResponseStatus.OK.equals(live.status()) || !(live.json() instanceof Map<?, ?> m)) {
                return live; // 503 unavailable: no deciding node answered
            }
            List<Map<String, Object>> team = agents(auth.accounts(), m);
            List<QueueEntry> queued = new ArrayList<>();
            for (Object o : (List<?>) m.get("queue")) {
                if (o instanceof QueueEntry e && !Boolean.TRUE.equals(e.followUp())) {
                    queued.add(e);
                }
            }
            int waiting = ((Number) m.get("waiting")).intValue();
            boolean wholeQueue = queued.size() == waiting;
            List<Map<String, Object>> items = new ArrayList<>();
            for (String department : agentApi.routing().departments()) {
                List<Map<String, Object>> members = new ArrayList<>();
                int online = 0;
                int available = 0;
                for (Map<String, Object> a : team) {
                    if (((List<?>) a.get("departments")).contains(department)) {
                        boolean on = "online".equals(a.get("presence"));
                        online += on ? 1 : 0;
                        available +=
                                on && ((Number) a.get("openChats")).intValue() < ((Number) a.get("capacity")).intValue()
                                        ? 1
                                        : 0;
                        Map<String, Object> member = new LinkedHashMap<>();
                        member.put("id", a.get("id"));
                        member.put("name", a.get("name"));
                        member.put("presence", a.get("presence"));
                        members.add(member);
                    }
                }
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("name", department);
                item.put("agents", members);
                item.put("online", online);
                item.put("available", available);
                item.put(
                        "waiting",
                        wholeQueue
                                ? queued.stream()
                                        .filter(e -> department.equals(e.department()))
                                        .count()
                                : null);
                items.add(item);
            }
            Map<String, Object> out = ApiKeysEndpoints.page(items);
            out.put("waiting", waiting);
            out.put("followUps", m.get("followUps"));
            return InsightsApi.Reply.json(HttpResponseStatus.OK, out);
        });
    }

    /** {@code GET /api/v1/sites}: the configured sites the caller sees, by key; never a secret. */
    private void sites(Exchange ex, ApiPrincipal p) {
        List<Map<String, Object>> items = new ArrayList<>();
        new TreeMap<>(sites).values().stream().filter(s -> p.sees(s.key())).forEach(s -> {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("key", s.key());
            item.put("name", s.title().orElse(null));
            item.put("allowedOrigins", s.allowedOrigins());
            item.put("department", s.department().orElse(null));
            item.put("identityVerification", s.identitySecret().isPresent());
            item.put("emailSettings", s.email().isPresent());
            items.add(item);
        });
        ex.json(HttpResponseStatus.OK, ApiKeysEndpoints.page(items));
    }

    /**
     * The {@code team}'s agents as the REST API shows them, with presence and load from the
     * router's {@code live} view ({@link InsightsApi#live}); an agent it does not know of, never
     * signed in since the start, is offline.
     */
    static List<Map<String, Object>> agents(List<AgentAccount> team, Map<?, ?> live) {
        Map<Object, Map<?, ?>> known = new HashMap<>();
        for (Object o : (List<?>) live.get("agents")) {
            Map<?, ?> a = (Map<?, ?>) o;
            known.put(a.get("id"), a);
        }
        List<Map<String, Object>> items = new ArrayList<>();
        for (AgentAccount account : team) {
            items.add(view(account, known.getOrDefault(account.id(), Map.of()), live.get("maxChatsPerAgent")));
        }
        return items;
    }

    /** One agent: {@code id, name, departments, presence, openChats, capacity}. */
    private static Map<String, Object> view(AgentAccount account, Map<?, ?> live, Object capacity) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", account.id());
        item.put("name", account.name());
        item.put("departments", account.departments());
        item.put("presence", live.containsKey("presence") ? live.get("presence") : "offline");
        item.put("openChats", live.containsKey("assigned") ? live.get("assigned") : 0);
        item.put("capacity", capacity);
        return item;
    }
}
