package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.JdbcConversationStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the disk fails under the embedded store (an fsync of its write-ahead log fails), the
 * server says so at once and for good: the message whose commit was not made durable gets an
 * error, every later write is refused with an error too (not silently stuck), and
 * {@code /api/health} answers 503 so that a supervisor restarts it. After the restart the
 * visitor resends what was not acknowledged, with the same ids, and every message is in the
 * transcript exactly once.
 */
final class DiskFailureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path data;

    @Test
    void aFailedFsync_failsTheMessage_refusesLaterWrites_turnsHealthTo503_andARestartLosesNothing() throws Exception {
        AtomicBoolean diskFails = new AtomicBoolean();
        String token;
        String conversation;
        ChatServer server = start(JdbcConversationStore.sqlite(data, () -> {
            if (diskFails.get()) {
                throw new IOException("injected EIO");
            }
        }));
        try (RawSocket tab = RawSocket.connect(server, "/ws/visitor")) {
            assertThat(health(server).statusCode()).isEqualTo(200);
            tab.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            token = tab.awaitType("welcome").path("visitorToken").asText();
            tab.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Hello there\"}");
            conversation = tab.await(f -> "ack".equals(f.path("type").asText())
                            && "m1".equals(f.path("ref").asText()))
                    .path("conversationId")
                    .asText();

            diskFails.set(true);
            tab.send(message(conversation, "m2", "Committed, but its fsync fails"));
            JsonNode notDurable = tab.await(f -> "m2".equals(f.path("ref").asText()));
            assertThat(notDurable.path("type").asText()).isEqualTo("error");
            assertThat(notDurable.path("code").asText()).isEqualTo("internal");

            // The disk answers again; the server still takes nothing, and says so.
            diskFails.set(false);
            tab.send(message(conversation, "m3", "Refused until a restart"));
            JsonNode refused = tab.await(f -> "m3".equals(f.path("ref").asText()));
            assertThat(refused.path("type").asText()).isEqualTo("error");
            assertThat(refused.path("code").asText()).isEqualTo("internal");

            HttpResponse<String> health = health(server);
            assertThat(health.statusCode()).isEqualTo(503);
            JsonNode body = JSON.readTree(health.body());
            assertThat(body.path("status").asText()).isEqualTo("failing");
            assertThat(body.path("reason").asText()).contains("fsync").contains("restart");
        } finally {
            server.close();
        }

        // The supervisor restarts the server on the same data directory; the widget's outbox
        // resends m2 and m3 with their ids.
        ChatServer restarted = start(JdbcConversationStore.sqlite(data));
        try (RawSocket back = RawSocket.connect(restarted, "/ws/visitor")) {
            assertThat(health(restarted).statusCode()).isEqualTo(200);
            back.send("{\"type\":\"hello\",\"id\":\"h2\",\"version\":1,\"visitorToken\":\"" + token + "\"}");
            assertThat(back.awaitType("welcome").path("conversationId").asText())
                    .isEqualTo(conversation);
            for (String id : List.of("m2", "m3")) {
                String text = id.equals("m2") ? "Committed, but its fsync fails" : "Refused until a restart";
                back.send(message(conversation, id, text));
                JsonNode ack = back.await(f -> id.equals(f.path("ref").asText()));
                assertThat(ack.path("type").asText()).as("answer to " + id).isEqualTo("ack");
            }
            back.send("{\"type\":\"history\",\"id\":\"q\",\"conversationId\":\"" + conversation + "\",\"afterSeq\":0}");
            JsonNode history = back.await(f -> "q".equals(f.path("ref").asText()));
            List<String> visitorLines = new ArrayList<>();
            for (JsonNode e : history.path("events")) {
                if ("message".equals(e.path("kind").asText())
                        && "visitor".equals(e.path("author").path("role").asText())) {
                    visitorLines.add(e.path("text").asText());
                }
            }
            assertThat(visitorLines)
                    .containsExactly("Hello there", "Committed, but its fsync fails", "Refused until a restart");
        } finally {
            restarted.close();
        }
    }

    private static String message(String conversation, String id, String text) {
        return "{\"type\":\"message\",\"id\":\"" + id + "\",\"conversationId\":\"" + conversation + "\",\"text\":\""
                + text + "\"}";
    }

    private HttpResponse<String> health(ChatServer server) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/health"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ChatServer start(ConversationStore store) {
        return ChatServer.builder()
                .port(0)
                .store(store)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .start();
    }
}
