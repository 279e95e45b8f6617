package dev.concierge.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.AgentsFile;
import dev.concierge.server.routing.RoutingConfig;
import dev.concierge.server.support.FileEdits;
import dev.concierge.server.support.Patterns;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents' REST calls that read the store or hash passwords, so they run on the blocking
 * pool, never on an event loop: search in earlier conversations ({@code GET
 * /api/conversations?q=}) and creating agents with the admin token ({@code POST
 * /api/admin/agents}).
 */
public final class AgentApi {
    private static final Logger log = LoggerFactory.getLogger(AgentApi.class);
    private static final int MAX_RESULTS = 100;

    /** An HTTP status and a JSON body. */
    record Reply(HttpResponseStatus status, Object body) {}

    private final ConversationStore store;
    private final AgentAuth auth;
    private final RoutingConfig routing;
    private final Path agentsFile;
    private final FileEdits teamEdits;
    private final ObjectMapper json;

    /**
     * The calls over {@code store} and {@code auth}; a created agent is written to {@code agentsFile}
     * (null: the team lives in memory only) through {@code teamEdits}, with the departments and
     * canned replies of {@code routing}.
     */
    public AgentApi(
            ConversationStore store,
            AgentAuth auth,
            RoutingConfig routing,
            Path agentsFile,
            FileEdits teamEdits,
            ObjectMapper json) {
        this.store = store;
        this.auth = auth;
        this.routing = routing;
        this.agentsFile = agentsFile;
        this.teamEdits = teamEdits;
        this.json = json;
    }

    /**
     * Conversations whose text contains {@code query}, newest first, for a signed-in agent:
     * {@code {"results":[{"conversationId","visitorId","visitorName","startedAt","state",
     * "firstLine","snippet"}]}}.
     */
    Reply search(String authorization, String query, String limit) {
        if (authorization == null
                || !authorization.startsWith("Bearer ")
                || auth.agentFor(authorization.substring(7).trim()).isEmpty()) {
            return new Reply(HttpResponseStatus.UNAUTHORIZED, Map.of("error", ErrorCode.UNAUTHORIZED.wire()));
        }
        if (query == null || query.isBlank() || query.length() > 200) {
            return new Reply(
                    HttpResponseStatus.BAD_REQUEST,
                    Map.of("error", ErrorCode.BAD_REQUEST.wire(), "message", "q must be 1 to 200 characters"));
        }
        int max;
        try {
            max = limit == null ? 20 : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            max = -1;
        }
        if (max < 1 || max > MAX_RESULTS) {
            return new Reply(
                    HttpResponseStatus.BAD_REQUEST,
                    Map.of("error", ErrorCode.BAD_REQUEST.wire(), "message", "limit must be 1 to " + MAX_RESULTS));
        }
        String q = query.trim();
        List<Map<String, Object>> results = new ArrayList<>();
        for (ConversationRecord r : store.search(q, max)) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("conversationId", r.id());
            item.put("visitorId", r.visitorId());
            store.visitor(r.visitorId()).map(v -> v.context().name()).ifPresent(n -> item.put("visitorName", n));
            item.put("startedAt", r.startedAt());
            item.put("state", r.state());
            if (r.agentId() != null) {
                item.put("agentId", r.agentId());
            }
            if (r.firstLine() != null) {
                item.put("firstLine", r.firstLine());
            }
            snippet(store.events(r.id(), 0), q).ifPresent(s -> item.put("snippet", s));
            results.add(item);
        }
        return new Reply(HttpResponseStatus.OK, Map.of("results", results));
    }

    /** The matching text of the first event that contains the query, clipped around it. */
    static Optional<String> snippet(List<TranscriptEvent> events, String query) {
        String q = query.toLowerCase(Locale.ROOT);
        for (TranscriptEvent e : events) {
            if (e.text() == null) {
                continue;
            }
            int at = e.text().toLowerCase(Locale.ROOT).indexOf(q);
            if (at >= 0) {
                int from = Math.max(0, at - 60);
                int to = Math.min(e.text().length(), at + q.length() + 80);
                return Optional.of((from > 0 ? "…" : "")
                        + e.text().substring(from, to)
                        + (to < e.text().length() ? "…" : ""));
            }
        }
        return Optional.empty();
    }

    /**
     * Creates an agent from {@code {"id","name","username","password","departments":[…]}}: the
     * password is hashed (salted PBKDF2), never kept; the agents file, when the server has one,
     * is rewritten with the new agent (in a cluster, on every node: {@link FileEdits}).
     */
    Reply createAgent(String body) {
        JsonNode n;
        try {
            n = json.readTree(body);
        } catch (Exception e) {
            return new Reply(HttpResponseStatus.BAD_REQUEST, Map.of("error", ErrorCode.BAD_JSON.wire()));
        }
        if (n == null || !n.isObject()) {
            return new Reply(HttpResponseStatus.BAD_REQUEST, Map.of("error", ErrorCode.BAD_JSON.wire()));
        }
        String id = n.path("id").asText("");
        String name = n.path("name").asText("");
        String username = n.path("username").asText("");
        String password = n.path("password").asText("");
        List<String> departments = new ArrayList<>();
        n.path("departments").forEach(d -> departments.add(d.asText()));
        String problem = !Patterns.NAME.matcher(id).matches()
                ? "id must be 1-64 lower-case letters, digits, - or _"
                : name.isBlank() || name.length() > 100
                        ? "name must be 1 to 100 characters"
                        : !username.matches("[A-Za-z0-9._@-]{1,100}")
                                ? "username must be 1 to 100 letters, digits, . _ @ or -"
                                : password.length() < 10 || password.length() > 200
                                        ? "password must be 10 to 200 characters"
                                        : !routing.departments().containsAll(departments)
                                                ? "unknown department; known: " + routing.departments()
                                                : null;
        if (problem != null) {
            return new Reply(
                    HttpResponseStatus.BAD_REQUEST, Map.of("error", ErrorCode.BAD_REQUEST.wire(), "message", problem));
        }
        AgentAccount account =
                AgentAccount.withPassword(id, name, username, password).inDepartments(departments);
        boolean added;
        if (agentsFile == null) {
            added = auth.add(account);
        } else {
            try {
                added = teamEdits.edit(() -> writeWith(account));
            } catch (FileEdits.Refused e) {
                return new Reply(
                        e.tooLarge()
                                ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                                : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        Map.of(
                                "error",
                                (e.tooLarge() ? ErrorCode.BAD_REQUEST : ErrorCode.UNAVAILABLE).wire(),
                                "message",
                                e.getMessage()));
            }
            if (added) {
                // False only if another node's version of the file, taken meanwhile, has it already.
                auth.add(account);
            }
        }
        if (!added) {
            return new Reply(
                    HttpResponseStatus.CONFLICT,
                    Map.of("error", ErrorCode.CONFLICT.wire(), "message", "an agent with this id or username exists"));
        }
        return new Reply(
                HttpResponseStatus.CREATED,
                Map.of("agent", Map.of("id", id, "name", name, "departments", departments)));
    }

    /**
     * Rewrites the agents file with {@code account} added to the team (this node's and the file's
     * agents); false, leaving the file alone, if its id or username is taken.
     */
    private boolean writeWith(AgentAccount account) {
        Map<String, AgentAccount> team = new TreeMap<>();
        AgentsFile.read(agentsFile).forEach(a -> team.put(a.id(), a));
        auth.accounts().forEach(a -> team.putIfAbsent(a.id(), a));
        if (team.containsKey(account.id())
                || team.values().stream().anyMatch(a -> a.username().equals(account.username()))) {
            return false;
        }
        team.put(account.id(), account);
        AgentsFile.write(
                agentsFile,
                new AgentsFile.Team(List.copyOf(team.values()), routing.departments(), routing.cannedReplies()));
        log.info("agents file {} rewritten with agent {}", agentsFile, account.id());
        return true;
    }
}
