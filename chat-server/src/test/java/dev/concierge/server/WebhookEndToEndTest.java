package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ChatTurns;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.server.testing.WebhookReceiver.Answer;
import dev.concierge.server.testing.WebhookReceiver.Request;
import dev.concierge.server.webhook.WebhookTypes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Signed webhooks from a real server (SQLite store) to a real receiver, over loopback HTTP: two
 * conversations driven over raw sockets, one of whose events the receiver fails, and what the
 * receiver and the delivery log see (docs/webhooks.md).
 */
final class WebhookEndToEndTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final WebhookFixture fx = new WebhookFixture();

    /**
     * Conversation A (bot, handoff, agent, close, rating) and conversation B (bot). The receiver
     * fails A's third webhook (its bot answer) three times, holding the third answer until B's
     * webhooks have arrived: the attempts carry the same id and body, A's later webhooks wait for
     * it, B's do not, and every webhook is signed, typed, in order per conversation and logged.
     */
    @Test
    void aWholeConversation_signedInOrder_aFailingEventHoldsOnlyItsConversation_andIsLogged() throws Exception {
        JsonNode endpoint = fx.api.create("demo", fx.receiver.url("/hooks"), WebhookTypes.ALL);
        assertThat(endpoint.path("id").asText()).startsWith("whe_");
        assertThat(endpoint.path("secret").asText()).startsWith("whsec_");
        assertThat(endpoint.path("state").asText()).isEqualTo("active");
        assertThat(endpoint.path("eventTypes"))
                .extracting(JsonNode::asText)
                .containsExactlyInAnyOrderElementsOf(WebhookTypes.ALL);
        String secret = endpoint.path("secret").asText();
        fx.receiver.script(1, 2, Answer.status(500), Answer.status(500), Answer.heldThen(500));

        String token = AgentHttp.login(fx.server, ChatServer.Builder.DEMO_USERNAME, ChatServer.Builder.DEMO_PASSWORD);
        ChatTurns a;
        ChatTurns b;
        String botType;
        try (RawSocket agent = AgentHttp.agentSocket(fx.server, token);
                ChatTurns chatA = ChatTurns.open(fx.server.baseUri());
                ChatTurns chatB = ChatTurns.open(fx.server.baseUri())) {
            a = chatA;
            b = chatB;
            JsonNode answer = a.ask("Where is my order?");
            assertThat(answer.path("seq").asLong()).isEqualTo(2);
            botType = answer.path("bot").path("answered").asBoolean()
                    ? WebhookTypes.BOT_ANSWERED
                    : WebhookTypes.BOT_MISSED;
            fx.receiver.await("A's bot answer, tried three times", WAIT, 3, r -> of(r, a) && r.seq() == 2);
            Await.until("the third answer held", () -> fx.receiver.held() == 1);

            a.handoff();
            agent.await(f -> f.path("type").asText().equals("assigned")
                    && f.path("conversationId").asText().equals(a.conversation()));
            agentRequest(
                    agent,
                    "\"type\":\"message\",\"conversationId\":\"" + a.conversation()
                            + "\",\"text\":\"It left the warehouse yesterday.\"");
            a.send("Thanks, that helps.");
            agentRequest(
                    agent,
                    "\"type\":\"close\",\"conversationId\":\"" + a.conversation() + "\",\"reason\":\"resolved\"");
            a.event(e -> e.path("kind").asText().equals("closed"));
            a.rate(5, "Quick and friendly");
            a.event(e -> e.path("kind").asText().equals("rated"));

            b.ask("How do I return an item?");
            fx.receiver.await("B's three webhooks", WAIT, 3, r -> of(r, b));
            assertThat(fx.receiver.requests(r -> of(r, a) && r.seq() > 2))
                    .as("A's later webhooks wait for its failing one, while B's went")
                    .isEmpty();
            fx.receiver.answerFreely();
            fx.receiver.await("A's rating", WAIT, 1, r -> of(r, a) && r.type().equals(WebhookTypes.RATING_SUBMITTED));
        }

        List<Request> all = fx.receiver.requests();
        assertThat(all).allSatisfy(r -> assertThat(r.verifies(secret))
                .as("signature of %s", r.id())
                .isTrue());
        assertThat(all).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/hooks");
            assertThat(r.header("content-type")).startsWith("application/json");
            assertThat(r.header("user-agent")).startsWith("Concierge-Webhooks/1");
        });

        List<Request> retried = fx.receiver.requests(r -> of(r, a) && r.seq() == 2);
        assertThat(retried).hasSize(4);
        assertThat(retried).extracting(Request::id).containsOnly(retried.get(0).id());
        assertThat(retried)
                .extracting(Request::bodyText)
                .containsOnly(retried.get(0).bodyText());
        assertThat(retried).extracting(r -> r.header("concierge-attempt")).containsExactly("1", "2", "3", "4");
        assertThat(retried).extracting(Request::answered).containsExactly(500, 500, -1, 200);
        int delivered = retried.get(3).index();
        assertThat(fx.receiver.requests(r -> of(r, a) && r.seq() > 2))
                .allSatisfy(r -> assertThat(r.index()).isGreaterThan(delivered));
        assertThat(fx.receiver.requests(r -> of(r, b)))
                .hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(r -> assertThat(r.index()).isLessThan(delivered));

        Map<String, Request> firstA = firstArrivals(fx.receiver.requests(r -> of(r, a)));
        assertThat(fx.receiver.requests(r -> of(r, a))).hasSize(firstA.size() + 3);
        assertThat(firstA.values())
                .extracting(Request::type)
                .containsExactly(
                        WebhookTypes.CONVERSATION_STARTED,
                        WebhookTypes.MESSAGE_CREATED,
                        botType,
                        WebhookTypes.HANDOFF_REQUESTED,
                        WebhookTypes.CONVERSATION_ASSIGNED,
                        WebhookTypes.MESSAGE_CREATED,
                        WebhookTypes.MESSAGE_CREATED,
                        WebhookTypes.CONVERSATION_CLOSED,
                        WebhookTypes.RATING_SUBMITTED);
        assertBodiesMatchTheTranscript(a, List.copyOf(firstA.values()));
        assertBodiesMatchTheTranscript(
                b,
                List.copyOf(firstArrivals(fx.receiver.requests(r -> of(r, b))).values()));

        int distinct = firstA.size()
                + firstArrivals(fx.receiver.requests(r -> of(r, b))).size();
        String endpointId = endpoint.path("id").asText();
        Await.until("every delivery logged as delivered", () -> fx.api.delivered(endpointId) == distinct);
        List<JsonNode> log = fx.api.deliveries(endpointId);
        assertThat(log).hasSize(distinct);
        assertThat(log).allSatisfy(d -> assertThat(d.path("state").asText()).isEqualTo("delivered"));
        assertThat(log)
                .filteredOn(d -> d.path("attempts").asInt() == 4)
                .singleElement()
                .satisfies(d -> assertThat(d.path("eventId").asText())
                        .isEqualTo(retried.get(0).id()));
        assertThat(log).filteredOn(d -> d.path("attempts").asInt() == 1).hasSize(distinct - 1);
        JsonNode retriedLog = fx.api.delivery(log.stream()
                .filter(d -> d.path("attempts").asInt() == 4)
                .findFirst()
                .orElseThrow()
                .path("id")
                .asText());
        assertThat(retriedLog.path("body").asText()).isEqualTo(retried.get(0).bodyText());
        assertThat(retriedLog.path("attemptLog"))
                .extracting(t -> t.path("status").asInt())
                .containsExactly(500, 500, 500, 200);
    }

    /** The webhooks of {@code chat}'s conversation match its transcript: one type per event, in order, same data. */
    static void assertBodiesMatchTheTranscript(ChatTurns chat, List<Request> firstArrivals) throws Exception {
        List<JsonNode> events = chat.events();
        assertThat(firstArrivals.get(0).type()).isEqualTo(WebhookTypes.CONVERSATION_STARTED);
        List<Request> perEvent = firstArrivals.subList(1, firstArrivals.size());
        assertThat(perEvent)
                .extracting(Request::seq)
                .containsExactlyElementsOf(events.stream()
                        .filter(e -> !e.path("kind").asText().equals("queued"))
                        .map(e -> e.path("seq").asLong())
                        .toList());
        for (Request r : firstArrivals) {
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("id").asText()).isEqualTo(r.id()).startsWith("evt_");
            assertThat(body.path("type").asText()).isEqualTo(r.type());
            assertThat(body.path("site").asText()).isEqualTo("demo");
            assertThat(body.path("version").asInt()).isEqualTo(1);
            assertThat(body.path("conversation").path("id").asText()).isEqualTo(chat.conversation());
            assertThat(body.path("conversation").path("seq").asLong()).isEqualTo(r.seq());
            JsonNode event = events.stream()
                    .filter(e -> e.path("seq").asLong() == r.seq())
                    .findFirst()
                    .orElseThrow();
            assertThat(Duration.between(
                                    Instant.parse(event.path("ts").asText()),
                                    Instant.parse(body.path("time").asText()))
                            .abs())
                    .as("time of %s", r.type())
                    .isLessThan(Duration.ofMillis(1));
            assertData(r.type(), body.path("data"), event);
        }
    }

    private static void assertData(String type, JsonNode data, JsonNode event) {
        switch (type) {
            case WebhookTypes.CONVERSATION_STARTED ->
                assertThat(data.path("visitor").path("id").asText())
                        .isEqualTo(event.path("author").path("id").asText());
            case WebhookTypes.MESSAGE_CREATED -> {
                assertThat(data.path("text").asText())
                        .isEqualTo(event.path("text").asText());
                assertThat(data.path("author")).isEqualTo(event.path("author"));
            }
            case WebhookTypes.BOT_ANSWERED -> {
                assertThat(data.path("text").asText())
                        .isEqualTo(event.path("text").asText());
                assertThat(data.path("replyTo").asLong())
                        .isEqualTo(event.path("bot").path("replyTo").asLong());
                assertThat(data.path("entryId").asText())
                        .isEqualTo(event.path("bot").path("entryId").asText());
            }
            case WebhookTypes.BOT_MISSED -> {
                assertThat(data.path("replyTo").asLong())
                        .isEqualTo(event.path("bot").path("replyTo").asLong());
                assertThat(data.path("humanOffered").asBoolean())
                        .isEqualTo(event.path("bot").path("humanOffered").asBoolean());
            }
            case WebhookTypes.HANDOFF_REQUESTED ->
                assertThat(data.path("reason").asText())
                        .isEqualTo(event.path("reason").asText());
            case WebhookTypes.CONVERSATION_ASSIGNED ->
                assertThat(data.path("agent").path("id").asText()).isEqualTo(ChatServer.Builder.DEMO_USERNAME);
            case WebhookTypes.CONVERSATION_CLOSED ->
                assertThat(data.path("by").path("role").asText()).isEqualTo("agent");
            case WebhookTypes.RATING_SUBMITTED -> {
                assertThat(data.path("score").asInt()).isEqualTo(5);
                assertThat(data.path("comment").asText()).isEqualTo("Quick and friendly");
            }
            default -> assertThat(data.isObject()).as("data of %s", type).isTrue();
        }
    }

    /** The first request of each webhook id, in arrival order (what a receiver that dedupes keeps). */
    static Map<String, Request> firstArrivals(List<Request> requests) {
        Map<String, Request> first = new LinkedHashMap<>();
        List<Long> seqs = new ArrayList<>();
        for (Request r : requests) {
            if (first.putIfAbsent(r.id(), r) == null) {
                seqs.add(r.seq());
            } else {
                assertThat(r.bodyText())
                        .as("a repeat of %s", r.id())
                        .isEqualTo(first.get(r.id()).bodyText());
            }
        }
        assertThat(seqs).as("seq of first arrivals, per conversation").isSorted();
        return first;
    }

    private static boolean of(Request r, ChatTurns chat) {
        return r.conversation().equals(chat.conversation());
    }

    private static void agentRequest(RawSocket agent, String fields) throws InterruptedException {
        String id = "g" + System.nanoTime();
        agent.send("{\"id\":\"" + id + "\"," + fields + "}");
        JsonNode reply = agent.await(f -> f.path("ref").asText().equals(id));
        assertThat(reply.path("type").asText())
                .as("reply to %s: %s", fields, reply)
                .isEqualTo("ack");
    }
}
