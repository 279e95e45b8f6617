package dev.concierge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code POST /api/agent/login} for each account, all at once (setup, not measured). */
final class AgentLogin {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentLogin() {}

    /** Session tokens, in the order of {@code accounts}. */
    static List<String> tokens(int port, List<Servers.Credentials> accounts) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/agent/login");
        List<CompletableFuture<String>> pending = new ArrayList<>();
        for (Servers.Credentials c : accounts) {
            String body;
            try {
                body = JSON.writeValueAsString(Map.of("username", c.username(), "password", c.password()));
            } catch (Exception e) {
                throw new BenchException("cannot write a login body", e);
            }
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            pending.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .thenApply(r -> token(c, r)));
        }
        List<String> tokens = new ArrayList<>();
        for (CompletableFuture<String> f : pending) {
            try {
                tokens.add(f.join());
            } catch (RuntimeException e) {
                throw new BenchException("agent login failed: " + e.getMessage(), e);
            }
        }
        return tokens;
    }

    private static String token(Servers.Credentials c, HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new BenchException(
                    "login of " + c.username() + " answered " + response.statusCode() + ": " + response.body());
        }
        try {
            JsonNode token = JSON.readTree(response.body()).get("token");
            if (token == null || !token.isTextual()) {
                throw new BenchException("login of " + c.username() + " gave no token: " + response.body());
            }
            return token.asText();
        } catch (java.io.IOException e) {
            throw new BenchException("login of " + c.username() + " answered " + response.body(), e);
        }
    }
}
