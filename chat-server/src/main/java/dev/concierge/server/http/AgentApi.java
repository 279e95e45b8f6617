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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
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

    /** The departments, canned replies and chat limit new agents are checked and shown against. */
    RoutingConfig routing() {
        return routing;
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
     * is rewritten with the new agent (in a cluster, on every node: {@link FileEdits}). Answers
     * 201 with {@code view} of the new account; a refused field is 400 naming it ({@code field}
     * and the message), a taken id or username 409.
     */
    Reply createAgent(String body, Function<AgentAccount, Object> view) {
        JsonNode n;
        try {
            n = json.readTree(body);
        } catch (Exception e) {
            n = null;
        }
        if (n == null || !n.isObject()) {
            return new Reply(
                    HttpResponseStatus.BAD_REQUEST,
                    Map.of("error", ErrorCode.BAD_JSON.wire(), "message", "the body must be a JSON object"));
        }
        String id = n.path("id").asText("");
        String name = n.path("name").asText("");
        String username = n.path("username").asText("");
        String password = n.path("password").asText("");
        JsonNode given = n.path("departments");
        List<String> departments = new ArrayList<>();
        given.forEach(d -> departments.add(d.isTextual() ? d.asText() : ""));
        Optional<String> field = !Patterns.NAME.matcher(id).matches()
                ? Optional.of("id")
                : name.isBlank() || name.length() > 100
                        ? Optional.of("name")
                        : !username.matches("[A-Za-z0-9._@-]{1,100}")
                                ? Optional.of("username")
                                : password.length() < 10 || password.length() > 200
                                        ? Optional.of("password")
                                        : !given.isMissingNode() && !given.isArray()
                                                        || !routing.departments()
                                                                .containsAll(departments)
                                                ? Optional.of("departments")
                                                : Optional.empty();
        if (field.isPresent()) {
            return new Reply(
                    HttpResponseStatus.BAD_REQUEST,
                    Map.of("error", ErrorCode.BAD_REQUEST.wire(), "field", field.get(), "message", rule(field.get())));
        }
        AgentAccount account = AgentAccount.withPassword(id, name, username, password)
                .inDepartments(List.copyOf(new LinkedHashSet<>(departments)));
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
        return new Reply(HttpResponseStatus.CREATED, view.apply(account));
    }

    /** What a new agent's {@code field} must be, as a refusal says it. */
    private String rule(String field) {
        return switch (field) {
            case "id" -> "id must be 1-64 lower-case letters, digits, - or _";
            case "name" -> "name must be 1 to 100 characters";
            case "username" -> "username must be 1 to 100 letters, digits, . _ @ or -";
            case "password" -> "password must be 10 to 200 characters";
            default -> "departments must be a list of known departments: " + routing.departments();
        };
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
