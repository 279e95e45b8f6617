package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ChatTurns;
import dev.concierge.server.testing.ServerProcess;
import dev.concierge.server.testing.WebhookApi;
import dev.concierge.server.testing.WebhookReceiver;
import dev.concierge.server.testing.WebhookReceiver.Request;
import dev.concierge.server.webhook.WebhookTypes;
import dev.concierge.store.JdbcConversationStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Webhooks under {@code kill -9} (docs/webhooks.md, "Retries and duplicates"): the real server in a
 * process of its own, killed while webhooks are in flight, then started again on the same data.
 * Every event arrives; only the requests the receiver held unanswered at the kill arrive twice,
 * with the same id and body; order per conversation holds among first arrivals.
 */
final class WebhookKillTest {
    private static final String TOKEN = "admin-token-for-webhook-kill-tests-0123456789";
    private static final int MESSAGES = 3;
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Questions the demo FAQ answers (two misses in a row would hand the visitor to a person). */
    private static final List<String> QUESTIONS =
            List.of("Where is my order?", "How long does delivery take?", "How much does shipping cost?");

    /** Ten conversations of three questions; the receiver holds its answers from its 41st request on. */
    @Test
    void killedWhileTheReceiverHoldsAnswers_everyEventArrives_onlyTheHeldOnesTwice() throws Exception {
        long started = System.nanoTime();
        Path data = Files.createTempDirectory("concierge-webhook-kill");
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            JsonNode endpoint;
            List<ChatTurns> chats;
            Set<String> heldAtKill;
            Set<String> answeredBeforeKill;
            try (ServerProcess server = start(data)) {
                endpoint = api(server).create("demo", receiver.url("/hooks"), WebhookTypes.ALL);
                receiver.holdFrom(41);
                chats = converse(server, 10);
                receiver.await("a held answer", WAIT, 41, r -> true);
                Await.until("answers held", () -> receiver.held() > 0);
                answeredBeforeKill =
                        receiver.await("forty answers written", WAIT, 40, r -> r.answered() == 200).stream()
                                .map(Request::id)
                                .collect(Collectors.toCollection(TreeSet::new));
                assertThat(answeredBeforeKill).hasSize(40);
                awaitDelivered(server, endpoint, 40);
                server.kill();
                heldAtKill = ids(receiver.requests(Request::held));
            }
            receiver.answerFreely();
            int expected = expectedWebhooks(chats);
            try (ServerProcess server = start(data)) {
                receiver.await("every event", WAIT, expected, r -> r.answered() == 200);
                awaitDelivered(server, endpoint, expected);
                assertThat(server.terminate()).isIn(0, 143);
            }
            assertThat(heldAtKill).as("held at the kill").isNotEmpty().doesNotContainAnyElementsOf(answeredBeforeKill);
            Map<String, Integer> copies = copies(receiver);
            Map<String, Integer> allowed = new TreeMap<>();
            copies.keySet().forEach(id -> allowed.put(id, heldAtKill.contains(id) ? 2 : 1));
            assertThat(copies).as("copies per webhook id").isEqualTo(allowed);
            assertAllArrived(data, chats, receiver, endpoint.path("secret").asText());
        }
        System.out.printf("webhooks, kill while answers are held: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    /** The receiver refuses connections when the server dies: after the restart every event arrives once. */
    @Test
    void killedWhileTheReceiverRefusesConnections_everyEventArrivesOnce() throws Exception {
        long started = System.nanoTime();
        Path data = Files.createTempDirectory("concierge-webhook-kill");
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            JsonNode endpoint;
            List<ChatTurns> chats;
            try (ServerProcess server = start(data)) {
                WebhookApi api = api(server);
                endpoint = api.create("demo", receiver.url("/hooks"), WebhookTypes.ALL);
                chats = new ArrayList<>(converse(server, 5));
                int before = expectedWebhooks(chats);
                awaitDelivered(server, endpoint, before);
                receiver.refuse();
                chats.addAll(converse(server, 5));
                String id = endpoint.path("id").asText();
                Await.value("attempts refused", WAIT, () -> api.deliveries(id).stream()
                        .filter(d -> d.path("state").asText().equals("pending")
                                && d.path("attempts").asInt() > 0)
                        .findFirst());
                server.kill();
            }
            receiver.listen();
            int expected = expectedWebhooks(chats);
            try (ServerProcess server = start(data)) {
                receiver.await("every event", WAIT, expected, r -> r.answered() == 200);
                awaitDelivered(server, endpoint, expected);
                assertThat(server.terminate()).isIn(0, 143);
            }
            assertThat(copies(receiver).values()).as("copies per webhook id").containsOnly(1);
            assertAllArrived(data, chats, receiver, endpoint.path("secret").asText());
        }
        System.out.printf("webhooks, kill while refused: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Every stored event of every conversation (but queued status lines) arrived, plus one
     * {@code conversation.started} each; signatures valid; seq ascending among first arrivals.
     */
    private static void assertAllArrived(Path data, List<ChatTurns> chats, WebhookReceiver receiver, String secret) {
        assertThat(receiver.requests()).allSatisfy(r -> assertThat(r.verifies(secret))
                .as("signature of %s", r.id())
                .isTrue());
        try (JdbcConversationStore store = JdbcConversationStore.sqlite(data)) {
            for (ChatTurns chat : chats) {
                List<Request> firsts = List.copyOf(WebhookEndToEndTest.firstArrivals(
                                receiver.requests(r -> r.conversation().equals(chat.conversation())))
                        .values());
                assertThat(firsts.get(0).type()).isEqualTo(WebhookTypes.CONVERSATION_STARTED);
                List<Long> stored = store.events(chat.conversation(), 0).stream()
                        .filter(e -> e.kind() != TranscriptEvent.Kind.QUEUED && e.kind() != TranscriptEvent.Kind.NOTE)
                        .map(TranscriptEvent::seq)
                        .toList();
                assertThat(firsts.subList(1, firsts.size()))
                        .extracting(Request::seq)
                        .as("webhooks of %s, in order", chat.conversation())
                        .containsExactlyElementsOf(stored);
            }
        }
    }

    /** {@code count} visitors, one after the other, each asking {@value #MESSAGES} questions. */
    private static List<ChatTurns> converse(ServerProcess server, int count) throws Exception {
        List<ChatTurns> chats = new ArrayList<>();
        for (int v = 0; v < count; v++) {
            try (ChatTurns chat = ChatTurns.open(server.baseUri())) {
                for (int m = 0; m < MESSAGES; m++) {
                    chat.ask(QUESTIONS.get(m % QUESTIONS.size()));
                }
                chats.add(chat);
            }
        }
        return chats;
    }

    /** The webhooks the visitors' transcripts make: one per event but queued lines, plus a start each. */
    private static int expectedWebhooks(List<ChatTurns> chats) {
        return chats.stream()
                .mapToInt(c -> 1
                        + (int) c.events().stream()
                                .filter(e -> !e.path("kind").asText().equals("queued"))
                                .count())
                .sum();
    }

    private static Map<String, Integer> copies(WebhookReceiver receiver) {
        return receiver.requests().stream()
                .collect(Collectors.groupingBy(Request::id, TreeMap::new, Collectors.summingInt(r -> 1)));
    }

    private static Set<String> ids(List<Request> requests) {
        return requests.stream().map(Request::id).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Waits until the delivery log shows {@code count} deliveries done (their outcome committed). */
    private static void awaitDelivered(ServerProcess server, JsonNode endpoint, int count) {
        WebhookApi api = api(server);
        String id = endpoint.path("id").asText();
        Await.value(
                count + " deliveries delivered",
                WAIT,
                () -> api.deliveries(id).stream()
                                        .filter(d -> d.path("state").asText().equals("delivered"))
                                        .count()
                                >= count
                        ? Optional.of(true)
                        : Optional.empty());
    }

    private static WebhookApi api(ServerProcess server) {
        return new WebhookApi(server.baseUri(), TOKEN);
    }

    /** The server on {@code data} with loopback http targets and a 100 ms backoff; C1 only, as OutboxKillTest. */
    private static ServerProcess start(Path data) throws Exception {
        return ServerProcess.start(
                data,
                0,
                Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1", "CONCIERGE_ADMIN_TOKEN", TOKEN),
                "--webhook-allow",
                "loopback",
                "--webhook-allow-http",
                "--webhook-backoff",
                "100ms,200ms,400ms");
    }
}
