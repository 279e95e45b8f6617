package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.MutableClock;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.server.webhook.WebhookSettings;
import dev.concierge.server.webhook.WebhookSignature;
import dev.concierge.server.webhook.WebhookTypes;
import dev.concierge.store.IntegrationStore;
import dev.concierge.store.IntegrationStore.EndpointState;
import dev.concierge.store.JdbcConversationStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook sender as the server runs it: over the SQLite store, started with the server,
 * woken by the rows an append stores, through the Netty client to a real receiver on loopback
 * (allowed, with plain http), retried after a 500, counted in {@code /metrics}, stopped with the
 * server.
 */
final class WebhookWiringTest {
    /** One request the receiver got. */
    record Received(String id, String timestamp, String signature, String attempt, String type, byte[] body) {}

    @TempDir
    Path dir;

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private HttpServer receiver;
    private ChatServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void eventsReachTheReceiver_signed_andAFailedAttemptIsRetriedWithTheSameId() throws Exception {
        startReceiver(500);
        String secret = WebhookSignature.secret(new SecureRandom());
        JdbcConversationStore store = JdbcConversationStore.sqlite(dir);
        insertEndpoint(store, "whe_0000000000000001", "/hook?token=t", secret, Instant.now());
        server = ChatServer.builder()
                .port(0)
                .store(store)
                .webhooks(WebhookSettings.DEFAULTS
                        .allow("loopback")
                        .allowHttp(true)
                        .backoff(List.of(Duration.ofMillis(100))))
                .start();
        Thread sender = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("concierge-webhook-sender"))
                .findFirst()
                .orElseThrow();

        try (RawSocket visitor = RawSocket.connect(server, "/ws/visitor")) {
            visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"hello there\"}");
            Await.until(
                    "the first event delivered after its retry",
                    () -> received.size() >= 3
                            && received.get(0).id().equals(received.get(1).id()));
        }
        Received first = received.get(0);
        Received retry = received.get(1);
        assertThat(first.type()).isEqualTo(WebhookTypes.CONVERSATION_STARTED);
        assertThat(first.attempt()).isEqualTo("1");
        assertThat(retry.attempt()).isEqualTo("2");
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(received).extracting(Received::type).contains(WebhookTypes.MESSAGE_CREATED);
        for (Received r : received) {
            assertThat(WebhookSignature.verify(
                            secret,
                            r.id(),
                            r.timestamp(),
                            r.body(),
                            r.signature(),
                            Instant.now(),
                            Duration.ofMinutes(5)))
                    .as("signature of %s", r.id())
                    .isTrue();
        }
        assertThat(new String(first.body(), StandardCharsets.UTF_8)).contains("\"type\":\"conversation.started\"");

        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUri() + "metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
                .contains("concierge_webhook_deliveries_total{outcome=\"retry\"} 1.0")
                .contains("concierge_webhook_deliveries_total{outcome=\"delivered\"}")
                .contains("concierge_webhook_endpoints_paused 0.0");

        server.close();
        server = null;
        assertThat(sender.isAlive()).as("the sender stops with the server").isFalse();
    }

    @Test
    void anEndpointStoredWithoutTheApisReload_getsEventsOnceTheSendersRefreshIsDue() throws Exception {
        startReceiver(204);
        MutableClock clock = new MutableClock(Instant.now());
        JdbcConversationStore store = JdbcConversationStore.sqlite(dir);
        server = ChatServer.builder()
                .port(0)
                .store(store)
                .clock(clock)
                .webhooks(WebhookSettings.DEFAULTS.allow("loopback").allowHttp(true))
                .start();
        // Written to the store directly, as by a change whose reload never reached the router.
        insertEndpoint(
                store, "whe_0000000000000002", "/hook", WebhookSignature.secret(new SecureRandom()), clock.instant());
        clock.advance(Duration.ofSeconds(5)); // the refresh is due at the sender's next round

        try (RawSocket visitor = RawSocket.connect(server, "/ws/visitor")) {
            visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            visitor.awaitType("welcome");
            // A message a second until one reaches the receiver: the ones before the refresh get no rows.
            long[] sent = {0, 0};
            Await.value("a message's event at the endpoint", Duration.ofSeconds(15), () -> {
                if (System.nanoTime() - sent[0] > 1_000_000_000L) {
                    sent[0] = System.nanoTime();
                    visitor.send("{\"type\":\"message\",\"id\":\"m" + ++sent[1] + "\",\"text\":\"hi\"}");
                }
                return received.stream()
                        .filter(r -> WebhookTypes.MESSAGE_CREATED.equals(r.type()))
                        .findFirst();
            });
        }
    }

    /**
     * Starts the receiver on loopback: it records every request to {@code /hook} and answers the
     * first with {@code firstStatus}, the others with 204.
     */
    private void startReceiver(int firstStatus) throws Exception {
        AtomicInteger requests = new AtomicInteger();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            var h = exchange.getRequestHeaders();
            received.add(new Received(
                    h.getFirst("webhook-id"),
                    h.getFirst("webhook-timestamp"),
                    h.getFirst("webhook-signature"),
                    h.getFirst("concierge-attempt"),
                    h.getFirst("concierge-event-type"),
                    exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(requests.incrementAndGet() == 1 ? firstStatus : 204, -1);
            exchange.close();
        });
        receiver.start();
    }

    /**
     * Stores an active endpoint of tenant {@code demo} for every event type at {@code path} on the
     * receiver, written to the store directly with {@code secret}, created at {@code now}.
     */
    private void insertEndpoint(JdbcConversationStore store, String id, String path, String secret, Instant now)
            throws Exception {
        store.integrations()
                .orElseThrow()
                .insertEndpoint(new IntegrationStore.Endpoint(
                        id,
                        "demo",
                        "http://127.0.0.1:" + receiver.getAddress().getPort() + path,
                        null,
                        WebhookTypes.ALL,
                        secret,
                        null,
                        null,
                        8,
                        EndpointState.ACTIVE,
                        null,
                        null,
                        null,
                        0,
                        null,
                        now,
                        now,
                        1))
                .get();
    }
}
