package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.client.AgentClient;
import dev.concierge.client.AgentListener;
import dev.concierge.client.Answer;
import dev.concierge.client.Assignment;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.WireSocket;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Asking and answering: a bot turn names the visitor message it answers ({@code bot.replyTo}), on
 * the wire, in the transcript a returning visitor gets and after a restart; the SDK's
 * {@link VisitorClient#ask} pairs each question with its own answer by that seq, also with many
 * questions outstanding, across a handoff, and while a person has the conversation.
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

    /**
     * Twenty entries of the sample FAQ that the bot finds by their first question: that question,
     * and the entry's answer. Each question is asked alone first (one outstanding question pairs
     * with the next answer whatever the client does), on a client of its own.
     */
    private static List<String[]> faq(ChatServer server) throws Exception {
        JsonNode entries;
        try (InputStream in = AskEndToEndTest.class.getResourceAsStream("/sample-faq/shop-faq.json")) {
            entries = JSON.readTree(in).path("entries");
        }
        List<String[]> pairs = new ArrayList<>();
        try (VisitorClient probe = visitor(server)) {
            for (JsonNode entry : entries) {
                String question = entry.path("questions").get(0).asText();
                Answer answer = probe.ask(question).get(10, TimeUnit.SECONDS);
                if (answer instanceof Answer.BotReply reply
                        && reply.answered()
                        && entry.path("id").asText().equals(reply.reply().bot().entryId())) {
                    pairs.add(new String[] {
                        entry.path("id").asText(),
                        question,
                        entry.path("answer").asText()
                    });
                }
                if (pairs.size() == 20) {
                    return pairs;
                }
            }
        }
        throw new AssertionError("the bot finds fewer than 20 entries by their first question: " + pairs.size());
    }

    private static VisitorClient visitor(ChatServer server) throws Exception {
        return VisitorClient.builder().serverUri(server.baseUri()).connect().get(10, TimeUnit.SECONDS);
    }

    @Test
    void twentyAsksAtOnce_onOneClient_eachCompleteWithTheFaqAnswerToTheirOwnQuestion() throws Exception {
        try (ChatServer server = ChatServer.builder().port(0).start();
                VisitorClient visitor = visitor(server)) {
            List<String[]> faq = faq(server);
            List<CompletableFuture<Answer>> asks = new ArrayList<>();
            for (String[] entry : faq) {
                asks.add(visitor.ask(entry[1]));
            }
            for (int i = 0; i < faq.size(); i++) {
                Answer answer = asks.get(i).get(10, TimeUnit.SECONDS);
                String[] entry = faq.get(i);
                assertThat(answer).as(entry[1]).isInstanceOf(Answer.BotReply.class);
                Answer.BotReply reply = (Answer.BotReply) answer;
                assertThat(reply.question().text()).isEqualTo(entry[1]);
                assertThat(reply.reply().bot().replyTo())
                        .isEqualTo(reply.question().seq());
                assertThat(reply.reply().bot().entryId()).as(entry[1]).isEqualTo(entry[0]);
                assertThat(reply.text()).as(entry[1]).isEqualTo(entry[2]);
                assertThat(reply.answered()).isTrue();
            }
        }
    }

    @Test
    void asksOutstandingWhenTheVisitorAsksForAPerson_eachCompleteWithTheBotsReplyOrTheHandoff() throws Exception {
        try (ChatServer server = ChatServer.builder().port(0).start();
                VisitorClient visitor = visitor(server)) {
            List<String[]> faq = faq(server);
            visitor.send("Hello").get(10, TimeUnit.SECONDS); // the conversation exists: all go to it
            List<CompletableFuture<Answer>> asks = new ArrayList<>();
            for (String[] entry : faq) {
                asks.add(visitor.ask(entry[1]));
            }
            visitor.requestHuman().get(10, TimeUnit.SECONDS);
            int handoffs = 0;
            for (int i = 0; i < faq.size(); i++) {
                Answer answer = asks.get(i).get(10, TimeUnit.SECONDS); // none hangs
                if (answer instanceof Answer.BotReply reply) {
                    assertThat(reply.reply().bot().replyTo())
                            .isEqualTo(answer.question().seq());
                    assertThat(reply.text()).isEqualTo(faq.get(i)[2]);
                } else {
                    assertThat(answer)
                            .as(
                                    "ask %d of %d; the visitor's log: %s",
                                    i,
                                    faq.size(),
                                    visitor.transcript().stream()
                                            .map(e -> e.seq() + ":" + e.kind())
                                            .toList())
                            .isInstanceOf(Answer.Handoff.class);
                    TranscriptEvent handoff = ((Answer.Handoff) answer).event();
                    assertThat(handoff.kind()).isIn(Kind.HANDOFF, Kind.QUEUED, Kind.ASSIGNED);
                    assertThat(handoff.seq()).isGreaterThan(answer.question().seq());
                    // The bot did not answer this one: no bot turn replies to it.
                    assertThat(visitor.transcript())
                            .filteredOn(e -> e.kind() == Kind.BOT)
                            .noneMatch(
                                    e -> e.bot().replyTo() == answer.question().seq());
                    handoffs++;
                }
            }
            // Asked after the handoff: a person answers, the client says so at once.
            Answer later = visitor.ask(faq.get(0)[1]).get(10, TimeUnit.SECONDS);
            assertThat(later).isInstanceOf(Answer.ForAgent.class);
            System.out.printf("ask: %d of %d outstanding asks were answered by the handoff%n", handoffs, faq.size());
        }
    }

    @Test
    void anAskWhileAnAgentOwnsTheConversation_completesWithForAgent_andTheAgentsListenerGetsTheClient()
            throws Exception {
        try (ChatServer server = ChatServer.builder()
                        .port(0)
                        .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                        .start();
                VisitorClient visitor = visitor(server)) {
            List<Assignment> assignments = new CopyOnWriteArrayList<>();
            AgentListener replyOnAssignment = new AgentListener() {
                @Override
                public void onAssigned(AgentClient client, Assignment assignment) {
                    assignments.add(assignment);
                    if (!assignment.resumed()) {
                        client.send(assignment.conversationId(), "Hi, I'm here.");
                    }
                }
            };
            try (AgentClient agent = AgentClient.builder()
                    .serverUri(server.baseUri())
                    .credentials("one", "pw-one")
                    .listener(replyOnAssignment)
                    .connect()
                    .get(10, TimeUnit.SECONDS)) {
                visitor.requestHuman().get(10, TimeUnit.SECONDS);
                String conversation = visitor.conversationId().orElseThrow();
                Await.until("the agent's reply", () -> visitor.transcript().stream()
                        .anyMatch(e -> "Hi, I'm here.".equals(e.text())));

                Answer answer = visitor.ask("Where is my order?").get(10, TimeUnit.SECONDS);
                assertThat(answer).isInstanceOf(Answer.ForAgent.class);
                assertThat(answer.question().text()).isEqualTo("Where is my order?");
                TranscriptEvent joined = visitor.transcript().stream()
                        .filter(e -> e.kind() == Kind.ASSIGNED)
                        .findFirst()
                        .orElseThrow();
                assertThat(answer.question().seq()).isGreaterThan(joined.seq());
                assertThat(assignments).singleElement().satisfies(a -> {
                    assertThat(a.conversationId()).isEqualTo(conversation);
                    assertThat(a.resumed()).isFalse();
                });
                assertThat(agent.assignedConversations()).containsOnlyKeys(conversation);
            }
            // Another client of the same agent: onAssigned on connect, for the conversation they own.
            List<Assignment> onConnect = new CopyOnWriteArrayList<>();
            try (AgentClient again = AgentClient.builder()
                    .serverUri(server.baseUri())
                    .credentials("one", "pw-one")
                    .listener(new AgentListener() {
                        @Override
                        public void onAssigned(AgentClient client, Assignment assignment) {
                            onConnect.add(assignment);
                        }
                    })
                    .connect()
                    .get(10, TimeUnit.SECONDS)) {
                Assignment resumed = Await.value(
                        "assignment on connect", () -> onConnect.stream().findFirst());
                assertThat(resumed.resumed()).isTrue();
                assertThat(resumed.conversationId())
                        .isEqualTo(visitor.conversationId().orElseThrow());
                assertThat(again.assignedConversations()).containsOnlyKeys(resumed.conversationId());
            }
        }
    }
}
