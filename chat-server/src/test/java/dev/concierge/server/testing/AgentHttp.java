package dev.concierge.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.ChatServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

/** An agent's HTTP calls (login, any POST with a bearer token) and their socket, for tests. */
public final class AgentHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private AgentHttp() {}

    /** POSTs {@code body} to {@code path}, with {@code bearer} as the token when not null. */
    public static HttpResponse<String> post(ChatServer on, String path, String bearer, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Signs in and returns the session token; fails the test unless the login succeeds. */
    public static String login(ChatServer on, String user, String password) throws Exception {
        HttpResponse<String> response =
                post(on, "/api/agent/login", null, "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}");
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).path("token").asText();
    }

    /** An agent socket that said hello with {@code token} and got its welcome. */
    public static RawSocket agentSocket(ChatServer on, String token) throws Exception {
        RawSocket s = RawSocket.connect(on, "/ws/agent");
        s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"token\":\"" + token + "\"}");
        s.awaitType("welcome");
        return s;
    }
    /** Fails unless {@code token} is refused on an agent socket (unauthorized, 1008) and on the REST API (401). */
    public static void assertTokenRefused(ChatServer on, String token) throws Exception {
        try (RawSocket socket = RawSocket.connect(on, "/ws/agent")) {
            socket.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"token\":\"" + token + "\"}");
            assertThat(socket.awaitType("error").path("code").asText()).isEqualTo("unauthorized");
            assertThat(socket.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        }
        assertThat(search(on, token).statusCode()).isEqualTo(401);
    }

    /** A conversation search with {@code token} as the bearer. */
    public static HttpResponse<String> search(ChatServer on, String token) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.port() + "/api/conversations?q=x"))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
