package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.AgentClient;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.Page;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.WireSocket;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One real conversation over real sockets: the visitor asks the bot, the bot answers and then
 * is unsure, the visitor asks for a human, the least busy agent gets the whole transcript and
 * the visitor's context, they chat, the agent closes, the visitor rates.
 */
final class ConversationEndToEndTest {
    private ChatServer server;
    private URI base;

    @BeforeEach
    void start() {
        server = ChatServer.builder()
                .port(0)
                .agents(List.of(
                        AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000),
                        AgentAccount.withPassword("a2", "Agent Two", "two", "pw-two", 1000)))
                .start();
        base = server.baseUri();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private VisitorClient visitor(String name) throws Exception {
        VisitorContext context = new VisitorContext(
                name,
                name.toLowerCase() + "@example.com",
                "en",
                "Europe/London",
                "JUnit",
                new Page("https://shop.example.com/orders/1234", "Order 1234", "https://shop.example.com/"),
                Map.of("plan", "gold"));
        return VisitorClient.builder()
                .serverUri(base)
                .context(context)
                .connect()
                .get(10, TimeUnit.SECONDS);
    }

    private AgentClient agent(String user, String password) throws Exception {
        return AgentClient.builder()
                .serverUri(base)
                .credentials(user, password)
                .connect()
                .get(10, TimeUnit.SECONDS);
    }

    private static TranscriptEvent awaitEvent(
            VisitorClient v, String what, java.util.function.Predicate<TranscriptEvent> p) {
        return Await.value(what, () -> v.transcript().stream().filter(p).findFirst());
    }

    @Test
    void aBotAnswerLeavesAfterTheQuestionsAckAndEvent_onTheWire_withSqlite(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path data) throws Exception {
        // The question and the answer commit together (one fsync, on SQLite's sync thread); the
        // frames must still leave in seq order: the question's ack and event, then the answer.
        try (ChatServer sqlite = ChatServer.builder().port(0).dataDir(data).start();
                WireSocket ws = WireSocket.open(sqlite, "/ws/visitor")) {
            ws.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\"}");
            ws.awaitTextContaining("\"welcome\"");
            for (int i = 1; i <= 5; i++) {
                ws.text("{\"type\":\"message\",\"id\":\"q" + i + "\",\"text\":\"Where is my order?\"}");
                List<String> kinds = new java.util.ArrayList<>();
                while (kinds.isEmpty() || !kinds.get(kinds.size() - 1).equals("bot")) {
                    String frame = ws.awaitText();
                    if (frame.contains("\"ref\":\"q" + i + "\"") && frame.contains("\"type\":\"ack\"")) {
                        kinds.add("ack");
                    } else if (frame.contains("\"type\":\"event\"") && frame.contains("\"kind\":\"message\"")) {
                        kinds.add("message");
                    } else if (frame.contains("\"type\":\"event\"") && frame.contains("\"kind\":\"bot\"")) {
                        kinds.add("bot");
                    }
                }
                assertThat(kinds)
                        .as("question %d", i)
                        .containsExactlyInAnyOrder("ack", "message", "bot")
                        .endsWith("bot");
            }
        }
    }

    @Test
    void protocol2_aMessagesOwnEventIsItsAck_onTheWire_andAResendGetsAnAckWithTheSameSeq(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path data) throws Exception {
        try (ChatServer sqlite = ChatServer.builder().port(0).dataDir(data).start();
                WireSocket ws = WireSocket.open(sqlite, "/ws/visitor")) {
            ws.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":2,\"site\":\"demo\"}");
            assertThat(ws.awaitTextContaining("\"welcome\"")).contains("\"version\":2");
            for (int i = 1; i <= 3; i++) {
                ws.text("{\"type\":\"message\",\"id\":\"q" + i + "\",\"text\":\"Where is my order?\"}");
                List<String> frames = new java.util.ArrayList<>();
                while (frames.isEmpty() || !frames.get(frames.size() - 1).contains("\"kind\":\"bot\"")) {
                    String frame = ws.awaitText();
                    if (frame.contains("\"type\":\"event\"") || frame.contains("\"type\":\"ack\"")) {
                        frames.add(frame); // not availability and the like
                    }
                }
                assertThat(frames)
                        .as("question %d: its event and the answer, no ack", i)
                        .hasSize(2);
                assertThat(frames.get(0))
                        .contains(
                                "\"type\":\"event\"",
                                "\"kind\":\"message\"",
                                "\"id\":\"q" + i + "\"",
                                "\"seq\":" + (2 * i - 1));
            }
            ws.text("{\"type\":\"message\",\"id\":\"q1\",\"text\":\"Where is my order?\"}");
            String again = ws.awaitTextContaining("\"ref\":\"q1\"");
            assertThat(again).contains("\"type\":\"ack\"", "\"ref\":\"q1\"", "\"seq\":1");
        }
    }

    @Test
    void handoff_carriesEveryVisitorMessageAndBotTurn_inOrder_exactlyOnce() throws Exception {
        AgentClient one = agent("one", "pw-one");
        AgentClient two = agent("two", "pw-two");
        VisitorClient ada = visitor("Ada");

        ada.send("Where is my order?").get(5, TimeUnit.SECONDS);
        TranscriptEvent answer = awaitEvent(ada, "bot answer", e -> e.kind() == Kind.BOT);
        assertThat(answer.bot().answered()).isTrue();
        assertThat(answer.bot().entryId()).isEqualTo("order-status");
        assertThat(answer.bot().confidence()).isBetween(0.0, 1.0);

        ada.send("What is the airspeed velocity of an unladen swallow?").get(5, TimeUnit.SECONDS);
        TranscriptEvent unsure = Await.value("unsure bot turn", () -> ada.transcript().stream()
                .filter(e -> e.kind() == Kind.BOT && !e.bot().answered())
                .findFirst());
        assertThat(unsure.bot().humanOffered()).isTrue();
        assertThat(unsure.bot().suggestions()).hasSizeLessThanOrEqualTo(3);

        ada.send("I want to talk to a human please").get(5, TimeUnit.SECONDS);
        String conversation = ada.conversationId().orElseThrow();

        // Exactly one of the two idle agents gets it, with the whole package.
        HandoffPackage pkg = Await.value(
                "handoff package",
                () -> Optional.ofNullable(one.assignedConversations()
                        .getOrDefault(conversation, two.assignedConversations().get(conversation))));
        AgentClient owner = one.assignedConversations().containsKey(conversation) ? one : two;
        AgentClient other = owner == one ? two : one;
        assertThat(other.assignedConversations()).doesNotContainKey(conversation);

        assertThat(pkg.reason()).isEqualTo(HandoffReason.VISITOR_ASKED);
        assertThat(pkg.visitor().name()).isEqualTo("Ada");
        assertThat(pkg.visitor().email()).isEqualTo("ada@example.com");
        assertThat(pkg.visitor().attributes()).containsEntry("plan", "gold");
        assertThat(pkg.context().page().url()).isEqualTo("https://shop.example.com/orders/1234");
        assertThat(pkg.context().timeZone()).isEqualTo("Europe/London");
        assertThat(pkg.question()).isEqualTo("What is the airspeed velocity of an unladen swallow?");

        List<TranscriptEvent> t = pkg.transcript();
        assertThat(t)
                .extracting(TranscriptEvent::seq)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, t.size())
                        .boxed()
                        .toList());
        assertThat(t.stream()
                        .filter(e -> e.kind() == Kind.MESSAGE && e.author().role() == Role.VISITOR)
                        .map(TranscriptEvent::text))
                .containsExactly(
                        "Where is my order?",
                        "What is the airspeed velocity of an unladen swallow?",
                        "I want to talk to a human please");
        List<TranscriptEvent> botTurns =
                t.stream().filter(e -> e.kind() == Kind.BOT).toList();
        assertThat(botTurns).hasSize(3);
        assertThat(botTurns.get(0).bot().entryId()).isEqualTo("order-status");
        assertThat(botTurns.get(1).bot().answered()).isFalse();
        // Each bot turn follows the visitor message it answers.
        assertThat(t)
                .extracting(TranscriptEvent::kind)
                .startsWith(
                        Kind.MESSAGE,
                        Kind.BOT,
                        Kind.MESSAGE,
                        Kind.BOT,
                        Kind.MESSAGE,
                        Kind.BOT,
                        Kind.HANDOFF,
                        Kind.QUEUED,
                        Kind.ASSIGNED);

        // The visitor learns who joined; then replies flow both ways.
        TranscriptEvent joined = awaitEvent(ada, "agent joined", e -> e.kind() == Kind.ASSIGNED);
        assertThat(joined.agent().id()).isEqualTo(owner.agent().id());
        owner.send(conversation, "Hi Ada, I can help with that.").get(5, TimeUnit.SECONDS);
        awaitEvent(
                ada,
                "agent reply",
                e -> e.kind() == Kind.MESSAGE
                        && e.author().role() == Role.AGENT
                        && e.text().equals("Hi Ada, I can help with that."));
        ada.send("Thanks! Order 1234.").get(5, TimeUnit.SECONDS);
        Await.until("visitor reply at agent", () -> owner.transcript(conversation).stream()
                .anyMatch(e -> "Thanks! Order 1234.".equals(e.text())));

        // Close and rate.
        owner.closeConversation(conversation, "resolved").get(5, TimeUnit.SECONDS);
        TranscriptEvent closed = awaitEvent(ada, "closed", e -> e.kind() == Kind.CLOSED);
        assertThat(closed.reason()).isEqualTo("resolved");
        ada.rate(5, "Quick and friendly").get(5, TimeUnit.SECONDS);
        TranscriptEvent rated = Await.value("rating at agent", () -> owner.transcript(conversation).stream()
                .filter(e -> e.kind() == Kind.RATED)
                .findFirst());
        assertThat(rated.score()).isEqualTo(5);
        assertThat(rated.comment()).isEqualTo("Quick and friendly");

        // The visitor's transcript has every event exactly once, gap-free.
        List<TranscriptEvent> seen = ada.transcript();
        assertThat(seen)
                .extracting(TranscriptEvent::seq)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, seen.size())
                        .boxed()
                        .toList());
        ada.close();
        one.close();
        two.close();
    }

    @Test
    void leastBusyAgent_getsTheNextConversation() throws Exception {
        AgentClient one = agent("one", "pw-one");
        VisitorClient first = visitor("First");
        first.requestHuman().get(5, TimeUnit.SECONDS);
        String c1 = first.conversationId().orElseThrow();
        Await.until("first assigned to one", () -> one.assignedConversations().containsKey(c1));

        AgentClient two = agent("two", "pw-two");
        VisitorClient second = visitor("Second");
        second.requestHuman().get(5, TimeUnit.SECONDS);
        String c2 = second.conversationId().orElseThrow();
        Await.until("second assigned to the idle agent", () -> two.assignedConversations()
                .containsKey(c2));
        assertThat(one.assignedConversations()).doesNotContainKey(c2);
        first.close();
        second.close();
        one.close();
        two.close();
    }

    @Test
    void awayAgent_seesTheQueue_andAcceptsByHand() throws Exception {
        AgentClient one = agent("one", "pw-one");
        one.presence(PresenceStatus.AWAY).get(5, TimeUnit.SECONDS);
        VisitorClient ada = visitor("Ada");
        ada.send("Where is my order?").get(5, TimeUnit.SECONDS);
        ada.requestHuman().get(5, TimeUnit.SECONDS);
        String conversation = ada.conversationId().orElseThrow();

        var status = Await.value("queue status", ada::queueStatus);
        assertThat(status.position()).isEqualTo(1);
        Await.until("queue shows the conversation", () -> one.queue().stream()
                .anyMatch(q -> q.conversationId().equals(conversation) && "Where is my order?".equals(q.preview())));
        assertThat(one.assignedConversations()).isEmpty();

        var assigned = one.accept(conversation).get(5, TimeUnit.SECONDS);
        assertThat(assigned.handoff().transcript())
                .extracting(TranscriptEvent::text)
                .contains("Where is my order?");
        Await.until("queue empties", () -> one.queue().isEmpty());
        ada.close();
        one.close();
    }
}
