package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.RawSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A returning visitor is recognised by their token, across sockets and server restarts. */
final class ContinuityTest {

    @Test
    void returningVisitor_seesOpenConversationAndEarlierOnes_evenAfterRestart() throws Exception {
        Path data = Files.createTempDirectory("concierge-continuity");
        String token;
        String first;
        String second;
        try (ChatServer server = start(data);
                RawSocket tab = RawSocket.connect(server, "/ws/visitor")) {
            tab.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"context\":{\"name\":\"Ada\"}}");
            token = tab.awaitType("welcome").path("visitorToken").asText();
            tab.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Can I change my address?\"}");
            first = tab.awaitType("ack").path("conversationId").asText();
            tab.send("{\"type\":\"close\",\"id\":\"x1\",\"conversationId\":\"" + first + "\",\"reason\":\"done\"}");
            tab.await(f -> "x1".equals(f.path("ref").asText()));
            tab.send("{\"type\":\"message\",\"id\":\"m2\",\"text\":\"Where is my order?\"}");
            second = tab.awaitType("ack").path("conversationId").asText();
            assertThat(second).isNotEqualTo(first);

            // A second tab: same visitor, the open conversation with its history, the earlier one listed.
            try (RawSocket other = RawSocket.connect(server, "/ws/visitor")) {
                other.send("{\"type\":\"hello\",\"id\":\"h2\",\"version\":1,\"visitorToken\":\"" + token + "\"}");
                JsonNode welcome = other.awaitType("welcome");
                assertThat(welcome.path("conversationId").asText()).isEqualTo(second);
                assertThat(welcome.path("earlierConversations")
                                .get(0)
                                .path("conversationId")
                                .asText())
                        .isEqualTo(first);
                assertThat(welcome.path("earlierConversations")
                                .get(0)
                                .path("firstLine")
                                .asText())
                        .isEqualTo("Can I change my address?");
                JsonNode transcript = other.awaitType("transcript");
                assertThat(transcript.path("events").get(0).path("text").asText())
                        .isEqualTo("Where is my order?");
            }
        }
        // After a restart on the same data directory the token still works.
        try (ChatServer server = start(data);
                RawSocket back = RawSocket.connect(server, "/ws/visitor")) {
            back.send("{\"type\":\"hello\",\"id\":\"h3\",\"version\":1,\"visitorToken\":\"" + token + "\"}");
            JsonNode welcome = back.awaitType("welcome");
            assertThat(welcome.path("visitorToken").asText()).isEqualTo(token);
            assertThat(welcome.path("conversationId").asText()).isEqualTo(second);
            assertThat(welcome.path("earlierConversations")
                            .get(0)
                            .path("conversationId")
                            .asText())
                    .isEqualTo(first);
            back.send("{\"type\":\"history\",\"id\":\"q\",\"conversationId\":\"" + first + "\",\"afterSeq\":0}");
            JsonNode old = back.await(f -> "q".equals(f.path("ref").asText()));
            assertThat(old.path("events").get(0).path("text").asText()).isEqualTo("Can I change my address?");
        }
    }

    private static ChatServer start(Path data) {
        return ChatServer.builder()
                .port(0)
                .dataDir(data)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .start();
    }
}
