package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.testing.WireSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bot turn names the visitor message it answers ({@code bot.replyTo}), on the wire, in the
 * transcript a returning visitor gets, and after a restart (read back from the store).
 */
final class AskEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Questions from the sample FAQ, by the entry that answers them. */
    private static final Map<String, String> QUESTIONS = Map.of(
            "order-status", "Where is my order?",
            "returns-how", "How do I return an item?",
            "password-reset", "I forgot my password");

    @Test
    void aBotTurnNamesTheSeqOfTheQuestionItAnswers_live_onResume_andAfterARestart(@TempDir Path data) throws Exception {
        String token;
        String conversation;
        Map<Long, String> questionBySeq = new HashMap<>();
        try (ChatServer server = ChatServer.builder().port(0).dataDir(data).start();
                WireSocket ws = WireSocket.open(server, "/ws/visitor")) {
            ws.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":2,\"site\":\"demo\"}");
            token = JSON.readTree(ws.awaitTextContaining("\"welcome\""))
                    .path("visitorToken")
                    .asText();
            // All three at once: the answers are paired with their questions by seq, not by order.
            for (Map.Entry<String, String> q : QUESTIONS.entrySet()) {
                ws.text("{\"type\":\"message\",\"id\":\"" + q.getKey() + "\",\"text\":\"" + q.getValue() + "\"}");
            }
            Map<Long, String> answeredBy = new HashMap<>();
            while (answeredBy.size() < QUESTIONS.size()) {
                JsonNode frame = JSON.readTree(ws.awaitText());
                if (!frame.path("type").asText().equals("event")) {
                    continue;
                }
                if (frame.path("kind").asText().equals("message")) {
                    questionBySeq.put(
                            frame.path("seq").asLong(), frame.path("id").asText());
                } else if (frame.path("kind").asText().equals("bot")) {
                    assertThat(frame.path("bot").has("replyTo")).as("%s", frame).isTrue();
                    answeredBy.put(
                            frame.path("bot").path("replyTo").asLong(),
                            frame.path("bot").path("entryId").asText());
                }
            }
            assertThat(answeredBy).isEqualTo(questionBySeq); // each question's entry is its id here
            // A returning visitor's transcript (the live one, in memory) keeps the field.
            try (WireSocket again = WireSocket.open(server, "/ws/visitor")) {
                again.text("{\"type\":\"hello\",\"id\":\"h2\",\"version\":2,\"site\":\"demo\",\"visitorToken\":\""
                        + token + "\"}");
                JsonNode transcript = JSON.readTree(again.awaitTextContaining("\"transcript\""));
                conversation = transcript.path("conversationId").asText();
                assertThat(replies(transcript)).isEqualTo(questionBySeq);
            }
        }
        // After a restart the transcript is read back from the store.
        try (ChatServer server = ChatServer.builder().port(0).dataDir(data).start();
                WireSocket ws = WireSocket.open(server, "/ws/visitor")) {
            ws.text("{\"type\":\"hello\",\"id\":\"h3\",\"version\":2,\"site\":\"demo\",\"visitorToken\":\"" + token
                    + "\"}");
            ws.awaitTextContaining("\"welcome\"");
            ws.text("{\"type\":\"history\",\"id\":\"r\",\"conversationId\":\"" + conversation + "\",\"afterSeq\":0}");
            JsonNode transcript = JSON.readTree(ws.awaitTextContaining("\"ref\":\"r\""));
            assertThat(replies(transcript)).isEqualTo(questionBySeq);
        }
    }

    /** The entry each bot turn of a transcript frame answered, by the seq it replies to. */
    private static Map<Long, String> replies(JsonNode transcript) {
        Map<Long, String> ids = new HashMap<>();
        Map<Long, String> replies = new HashMap<>();
        for (JsonNode e : transcript.path("events")) {
            if (e.path("kind").asText().equals("message")) {
                ids.put(e.path("seq").asLong(), e.path("id").asText());
            } else if (e.path("kind").asText().equals("bot")) {
                replies.put(
                        e.path("bot").path("replyTo").asLong(),
                        e.path("bot").path("entryId").asText());
            }
        }
        assertThat(ids.keySet()).isEqualTo(replies.keySet());
        return replies;
    }
}
