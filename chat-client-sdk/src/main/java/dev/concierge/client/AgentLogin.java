package dev.concierge.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.Values.AgentInfo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code POST /api/agent/login}: credentials in, a session token out. */
final class AgentLogin {
    private AgentLogin() {}

    /** A successful login. */
    record Session(String token, AgentInfo agent) {}

    /**
     * Logs in. Fails with code {@code unauthorized} on HTTP 401, {@code login_failed} on any other
     * answer without a token, {@code connect_failed} when the server cannot be reached.
     */
    static CompletableFuture<Session> login(
            HttpClient http, ObjectMapper mapper, URI uri, String username, String password, Duration timeout) {
        String body;
        try {
            body = mapper.writeValueAsString(Map.of("username", username, "password", password));
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(
                    new ConciergeClientException("login_failed", "Cannot encode the login", e));
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, error) -> {
            if (error != null) {
                throw new ConciergeClientException("connect_failed", "Cannot log in at " + uri + ": " + error, error);
            }
            return session(mapper, uri, response);
        });
    }

    private static Session session(ObjectMapper mapper, URI uri, HttpResponse<String> response) {
        if (response.statusCode() == 401) {
            throw new ConciergeClientException(
                    ErrorCode.UNAUTHORIZED.wire(), "The server refused the agent's credentials.");
        }
        try {
            JsonNode json = mapper.readTree(response.body());
            if (response.statusCode() == 200 && json.path("token").isTextual()) {
                JsonNode agent = json.get("agent");
                AgentInfo info = agent == null || agent.isNull() ? null : mapper.treeToValue(agent, AgentInfo.class);
                return new Session(json.get("token").asText(), info);
            }
        } catch (JsonProcessingException e) {
            // Not JSON: reported below with the status.
        }
        throw new ConciergeClientException(
                "login_failed", "Login at " + uri + " answered HTTP " + response.statusCode() + " without a token.");
    }
}
