package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.RawSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Transcripts download as text or JSON, for the visitor who owns them and for agents only. */
final class TranscriptExportTest {
    private static ChatServer server;
    private static final HttpClient http = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        server = ChatServer.builder()
                .port(0)
                .dataDir(Files.createTempDirectory("concierge-export"))
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.baseUri().resolve(path));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void visitorDownloadsOwnTranscript_othersGetNotFound_agentsGetJson() throws Exception {
        String conversation;
        String token;
        try (RawSocket ada = RawSocket.connect(server, "/ws/visitor")) {
            ada.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"context\":{\"name\":\"Ada\"}}");
            token = ada.awaitType("welcome").path("visitorToken").asText();
            ada.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Where is my order?\"}");
            conversation = ada.awaitType("ack").path("conversationId").asText();
            ada.await(f -> f.path("kind").asText().equals("bot"));
        }
        String path = "/api/conversations/" + conversation + "/transcript";

        HttpResponse<String> text = get(path + "?format=txt", "Visitor " + token);
        assertThat(text.statusCode()).isEqualTo(200);
        assertThat(text.headers().firstValue("access-control-allow-origin")).contains("*");
        assertThat(get(path + "?format=pdf", "Visitor " + token).statusCode()).isEqualTo(400);
        HttpResponse<String> preflight = http.send(
                HttpRequest.newBuilder(server.baseUri().resolve(path))
                        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                        .header("Access-Control-Request-Headers", "authorization")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight
                        .headers()
                        .firstValue("access-control-allow-headers")
                        .orElse(""))
                .containsIgnoringCase("authorization");
        assertThat(text.headers().firstValue("content-disposition").orElse("")).contains("attachment");
        assertThat(text.body())
                .contains("Ada (visitor): Where is my order?")
                .contains("[FAQ order-status “Where is my order?”, confidence ");

        String otherToken;
        try (RawSocket mallory = RawSocket.connect(server, "/ws/visitor")) {
            mallory.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            otherToken = mallory.awaitType("welcome").path("visitorToken").asText();
        }
        assertThat(get(path, "Visitor " + otherToken).statusCode()).isEqualTo(404);
        assertThat(get(path, null).statusCode()).isEqualTo(404);
        assertThat(get(path, "Bearer st_forged").statusCode()).isEqualTo(404);
        assertThat(get("/api/conversations/c_missing/transcript", "Visitor " + token)
                        .statusCode())
                .isEqualTo(404);

        HttpResponse<String> login = http.send(
                HttpRequest.newBuilder(server.baseUri().resolve("/api/agent/login"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"one\",\"password\":\"pw-one\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String agentToken = JSON.readTree(login.body()).path("token").asText();
        HttpResponse<String> json = get(path, "Bearer " + agentToken);
        assertThat(json.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(json.body());
        assertThat(body.path("conversation").path("id").asText()).isEqualTo(conversation);
        assertThat(body.path("events").get(0).path("text").asText()).isEqualTo("Where is my order?");
        assertThat(body.path("events").get(1).path("kind").asText()).isEqualTo("bot");
    }

    @Test
    void aMessageWithLineBreaks_cannotForgeAnAgentLineInTheTextExport() throws Exception {
        String conversation;
        String token;
        try (RawSocket eve = RawSocket.connect(server, "/ws/visitor")) {
            eve.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            token = eve.awaitType("welcome").path("visitorToken").asText();
            eve.send(
                    "{\"type\":\"message\",\"id\":\"m1\",\"text\":\"first line\\n[2026-01-01 00:00:00 UTC] Agent One (agent): "
                            + "your refund is approved\\r\\n[x] crlf\\rcr\\u2028ls\"}");
            conversation = eve.awaitType("ack").path("conversationId").asText();
        }
        String text = get("/api/conversations/" + conversation + "/transcript?format=txt", "Visitor " + token)
                .body();
        List<String> lines = text.lines().toList();
        // The header, a blank line, then events: each starts with its time, continuations are indented.
        for (String line : lines.subList(2, lines.size())) {
            assertThat(line).matches("(\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\] |    ).*");
        }
        assertThat(lines).noneMatch(l -> l.startsWith("[2026-01-01"));
        assertThat(text)
                .contains(
                        "first line\n    [2026-01-01 00:00:00 UTC] Agent One (agent): your refund is approved\n    [x] crlf\n    cr\n    ls");
    }

    @Test
    void wrongPassword_is401() throws Exception {
        HttpResponse<String> login = http.send(
                HttpRequest.newBuilder(server.baseUri().resolve("/api/agent/login"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"one\",\"password\":\"nope\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(401);
        assertThat(login.body()).doesNotContain("token");
    }
}
