package dev.concierge.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.ErrorCode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code POST /api/agent/login}: credentials in, a session token out. */
final class AgentLogin {
    private AgentLogin() {}

    /** A successful login at the server with base URI {@code server}. */
    record Session(String token, AgentInfo agent, URI server) {}

    /** One login request's outcome: a session, or a failure, which the next server may not have. */
    private record Outcome(Session session, RuntimeException failure, boolean tryNext) {}

    /**
     * Logs in at {@code servers.get(first)}; when that server cannot be reached or answers HTTP
     * 5xx, at the next one in the list (round robin), until each was asked once. A cluster's nodes
     * share their agents and sessions, so any node's token serves every node. Fails with a
     * {@link ServerRefusedException} on HTTP 401 ({@code unauthorized}: no other node is asked,
     * they would say the same) or 429 ({@code too_many_attempts}), a {@link ConnectFailedException}
     * naming the status and the URI on any other answer without a token, and one whose cause is
     * the root cause when no server can be reached; after several failures, with the last one.
     */
    static CompletableFuture<Session> login(
            HttpClient http,
            ObjectMapper mapper,
            List<URI> servers,
            int first,
            String username,
            String password,
            Duration timeout) {
        return login(http, mapper, servers, first, 0, username, password, timeout);
    }

    private static CompletableFuture<Session> login(
            HttpClient http,
            ObjectMapper mapper,
            List<URI> servers,
            int first,
            int tried,
            String username,
            String password,
            Duration timeout) {
        URI server = servers.get((first + tried) % servers.size());
        return loginAt(http, mapper, server, username, password, timeout).thenCompose(outcome -> {
            if (outcome.session() != null) {
                return CompletableFuture.completedFuture(outcome.session());
            }
            if (outcome.tryNext() && tried + 1 < servers.size()) {
                return login(http, mapper, servers, first, tried + 1, username, password, timeout);
            }
            return CompletableFuture.failedFuture(outcome.failure());
        });
    }

    private static CompletableFuture<Outcome> loginAt(
            HttpClient http, ObjectMapper mapper, URI server, String username, String password, Duration timeout) {
        URI uri = Settings.httpUri(server, "/api/agent/login");
        String body;
        try {
            body = mapper.writeValueAsString(Map.of("username", username, "password", password));
        } catch (JsonProcessingException e) {
            return CompletableFuture.completedFuture(
                    new Outcome(null, new IllegalArgumentException("Cannot encode the login", e), false));
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, error) -> {
            if (error != null) {
                return new Outcome(null, new ConnectFailedException(uri, ConnectFailure.root(error, uri)), true);
            }
            try {
                return new Outcome(session(mapper, server, uri, response), null, false);
            } catch (ServerRefusedException | ConnectFailedException e) {
                return new Outcome(null, e, response.statusCode() >= 500);
            }
        });
    }

    private static Session session(ObjectMapper mapper, URI server, URI uri, HttpResponse<String> response) {
        if (response.statusCode() == 401) {
            throw new ServerRefusedException(ErrorCode.UNAUTHORIZED, "The server refused the agent's credentials.");
        }
        try {
            JsonNode json = mapper.readTree(response.body());
            if (response.statusCode() == 200 && json.path("token").isTextual()) {
                JsonNode agent = json.get("agent");
                AgentInfo info = agent == null || agent.isNull() ? null : mapper.treeToValue(agent, AgentInfo.class);
                return new Session(json.get("token").asText(), info, server);
            }
        } catch (JsonProcessingException e) {
            // Not JSON: reported below with the status.
        }
        if (response.statusCode() == 429) {
            throw new ServerRefusedException(
                    ErrorCode.TOO_MANY_ATTEMPTS, "Too many sign-in attempts at " + uri + "; try again later.");
        }
        throw new ConnectFailedException(
                uri,
                "Cannot log in at " + uri + ": HTTP " + response.statusCode() + " without a token",
                response.statusCode() >= 500);
    }
}
