package dev.concierge.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.Await;
import dev.concierge.server.webhook.WebhookReceiver.Received;
import dev.concierge.server.webhook.WebhookTransport.Request;
import dev.concierge.server.webhook.WebhookTransport.Response;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against real receivers on 127.0.0.1: what is sent, what is read, and when it gives up. */
final class WebhookClientTest {
    private static final TargetPolicy LOOPBACK_HTTP = TargetPolicy.parse("loopback", true);
    private static final byte[] BODY = "{\"id\":\"evt_1\",\"text\":\"crème ☃\"}".getBytes(StandardCharsets.UTF_8);

    private WebhookClient client;
    private WebhookReceiver receiver;

    @AfterEach
    void close() throws IOException {
        if (client != null) {
            client.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    /** A client resolving every name to 127.0.0.1, with the given exchange timeout. */
    static WebhookClient client(TargetPolicy policy, Duration exchange) {
        return new WebhookClient(
                policy,
                host -> List.of(InetAddress.getLoopbackAddress()),
                Duration.ofSeconds(5),
                exchange,
                Optional.empty(),
                Clock.systemUTC());
    }

    static Response send(WebhookClient client, String url, Map<String, String> headers) throws Exception {
        return client.send(new Request(URI.create(url), headers, BODY)).get(30, TimeUnit.SECONDS);
    }

    @Test
    void send_postsTheHeadersAndTheBodyExactly_andReadsA2xx() throws Exception {
        receiver = WebhookReceiver.plain(WebhookReceiver.status(200, "thanks"));
        client = client(LOOPBACK_HTTP, Duration.ofSeconds(10));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("webhook-id", "evt_1");
        headers.put("webhook-timestamp", "1765063255");
        headers.put("webhook-signature", "v1,abc= v1,def=");
        headers.put("concierge-seq", "12");

        Response response = send(client, receiver.url("http", "hooks.test", "/in/hook?site=demo&x=%20"), headers);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.delivered()).isTrue();
        assertThat(response.error()).isNull();
        assertThat(response.body()).isEqualTo("thanks");
        assertThat(response.retryAfter()).isEmpty();
        assertThat(response.address()).isEqualTo("127.0.0.1:" + receiver.port());
        assertThat(receiver.received()).hasSize(1);
        Received got = receiver.received().get(0);
        assertThat(got.requestLine()).isEqualTo("POST /in/hook?site=demo&x=%20 HTTP/1.1");
        assertThat(got.body()).isEqualTo(BODY);
        assertThat(got.header("host")).isEqualTo("hooks.test:" + receiver.port());
        assertThat(got.header("content-length")).isEqualTo(Integer.toString(BODY.length));
        assertThat(got.header("content-type")).isEqualTo("application/json");
        assertThat(got.header("webhook-id")).isEqualTo("evt_1");
        assertThat(got.header("webhook-timestamp")).isEqualTo("1765063255");
        assertThat(got.header("webhook-signature")).isEqualTo("v1,abc= v1,def=");
        assertThat(got.header("concierge-seq")).isEqualTo("12");
        assertThat(got.header("user-agent")).isEqualTo("Concierge-Webhooks/1");
        assertThat(Thread.getAllStackTraces().keySet())
                .extracting(Thread::getName)
                .contains("concierge-webhook-io")
                .anyMatch(name -> name.startsWith("concierge-webhook-dns-"));
    }

    @Test
    void send_reportsA500WithItsBody_andTheRetryAfterOfA429Or503_cappedAtAnHour() throws Exception {
        client = client(LOOPBACK_HTTP, Duration.ofSeconds(10));
        try (WebhookReceiver failing = WebhookReceiver.plain(WebhookReceiver.status(500, "x".repeat(3000)));
                WebhookReceiver limited = WebhookReceiver.plain(WebhookReceiver.status(429, "", "Retry-After: 120"));
                WebhookReceiver down = WebhookReceiver.plain(WebhookReceiver.status(503, "", "Retry-After: 86400"))) {
            Response error = send(client, failing.url("http", "127.0.0.1", "/"), Map.of());
            Response slowDown = send(client, limited.url("http", "127.0.0.1", "/"), Map.of());
            Response unavailable = send(client, down.url("http", "127.0.0.1", "/"), Map.of());

            assertThat(error.status()).isEqualTo(500);
            assertThat(error.delivered()).isFalse();
            assertThat(error.error()).isEqualTo("HTTP 500");
            assertThat(error.body()).isEqualTo("x".repeat(1024));
            assertThat(error.retryAfter()).isEmpty();
            assertThat(slowDown.status()).isEqualTo(429);
            assertThat(slowDown.retryAfter()).contains(Duration.ofSeconds(120));
            assertThat(unavailable.retryAfter()).contains(Duration.ofHours(1));
        }
    }

    @Test
    void retryAfter_readsSecondsAndHttpDates_cappedAtAnHour() {
        Instant now = Instant.parse("2026-12-07T10:00:00Z");

        assertThat(WebhookCall.retryAfter("0", now)).contains(Duration.ZERO);
        assertThat(WebhookCall.retryAfter(" 90 ", now)).contains(Duration.ofSeconds(90));
        assertThat(WebhookCall.retryAfter("99999999999999999999", now)).contains(Duration.ofHours(1));
        assertThat(WebhookCall.retryAfter("Mon, 07 Dec 2026 10:02:30 GMT", now)).contains(Duration.ofSeconds(150));
        assertThat(WebhookCall.retryAfter("Mon, 07 Dec 2026 18:00:00 GMT", now)).contains(Duration.ofHours(1));
        assertThat(WebhookCall.retryAfter("Mon, 07 Dec 2026 09:00:00 GMT", now)).contains(Duration.ZERO);
        assertThat(WebhookCall.retryAfter("-5", now)).isEmpty();
        assertThat(WebhookCall.retryAfter("soon", now)).isEmpty();
    }

    @Test
    void send_doesNotFollowARedirect() throws Exception {
        client = client(LOOPBACK_HTTP, Duration.ofSeconds(10));
        try (WebhookReceiver target = WebhookReceiver.plain(WebhookReceiver.status(200, "stolen"))) {
            String location = target.url("http", "127.0.0.1", "/steal");
            receiver = WebhookReceiver.plain(WebhookReceiver.status(302, "", "Location: " + location));
            String longLocation = location + "?" + "q".repeat(500);

            Response response = send(client, receiver.url("http", "127.0.0.1", "/"), Map.of());
            Response clipped;
            try (WebhookReceiver far =
                    WebhookReceiver.plain(WebhookReceiver.status(307, "", "Location: " + longLocation))) {
                clipped = send(client, far.url("http", "127.0.0.1", "/"), Map.of());
            }

            assertThat(response.status()).isEqualTo(302);
            assertThat(response.delivered()).isFalse();
            assertThat(response.error()).isEqualTo("redirect not followed (302 to " + location + ")");
            assertThat(clipped.error())
                    .isEqualTo("redirect not followed (307 to " + longLocation.substring(0, 200) + "…)");
            assertThat(target.accepts()).isZero();
        }
    }

    @Test
    void send_givesUpOnAReceiverThatNeverAnswers_afterTheExchangeTimeout() throws Exception {
        receiver = WebhookReceiver.plain(WebhookReceiver.silent());
        client = client(LOOPBACK_HTTP, Duration.ofMillis(1500));
        try (WebhookReceiver warmUp = WebhookReceiver.plain(WebhookReceiver.status(204, ""))) {
            assertThat(send(client, warmUp.url("http", "127.0.0.1", "/"), Map.of())
                            .status())
                    .isEqualTo(204);
        }

        Response response = send(client, receiver.url("http", "127.0.0.1", "/"), Map.of());

        assertThat(response.status()).isZero();
        assertThat(response.error()).isEqualTo("timeout");
        assertThat(response.durationMillis()).isBetween(1500L, 6_000L);
        assertThat(receiver.received()).hasSize(1);
    }

    @Test
    void send_readsAtMost64KiBOfAnEndlessBody_thenHangsUp() throws Exception {
        byte[] chunk = ("2000\r\n" + "y".repeat(0x2000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        receiver = WebhookReceiver.plain((request, out) -> {
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            while (true) {
                out.write(chunk);
                out.flush();
            }
        });
        client = client(LOOPBACK_HTTP, Duration.ofSeconds(20));

        Response response = send(client, receiver.url("http", "127.0.0.1", "/"), Map.of());

        assertThat(response.error()).isNull();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("y".repeat(1024));
        Await.until("the receiver to see the client hang up", () -> !receiver.writeFailures()
                .isEmpty());
    }

    @Test
    void send_refusesAHeaderWithALineBreak_withoutConnecting() throws Exception {
        receiver = WebhookReceiver.plain(WebhookReceiver.status(200, ""));
        client = client(LOOPBACK_HTTP, Duration.ofSeconds(10));

        Response response =
                send(client, receiver.url("http", "127.0.0.1", "/"), Map.of("concierge-seq", "1\r\nX-Injected: 1"));

        assertThat(response.status()).isZero();
        assertThat(response.error()).isEqualTo("bad request: the header concierge-seq holds a line break");
        assertThat(receiver.accepts()).isZero();
    }

    @Test
    void send_reportsAnUnknownHostAndARefusedConnection() throws Exception {
        client = new WebhookClient(
                LOOPBACK_HTTP,
                host -> {
                    throw new UnknownHostException(host);
                },
                Duration.ofSeconds(5),
                Duration.ofSeconds(10),
                Optional.empty(),
                Clock.systemUTC());
        int closedPort;
        try (WebhookReceiver gone = WebhookReceiver.plain(WebhookReceiver.status(200, ""))) {
            closedPort = gone.port();
        }

        Response unknown = send(client, "http://nowhere.test/", Map.of());
        Response refused = send(client, "http://127.0.0.1:" + closedPort + "/", Map.of());

        assertThat(unknown.error()).isEqualTo("dns: nowhere.test not found");
        assertThat(unknown.address()).isNull();
        assertThat(refused.status()).isZero();
        assertThat(refused.error()).startsWith("connect failed: ");
        assertThat(refused.address()).isEqualTo("127.0.0.1:" + closedPort);
    }

    @Test
    void close_endsTheRequestsInFlight_andRefusesNewOnes() throws Exception {
        receiver = WebhookReceiver.plain(WebhookReceiver.silent());
        client = client(LOOPBACK_HTTP, Duration.ofSeconds(60));
        CompletableFuture<Response> pending =
                client.send(new Request(URI.create(receiver.url("http", "127.0.0.1", "/")), Map.of(), BODY));
        Await.until("the request to arrive", () -> receiver.received().size() == 1);

        client.close();

        assertThat(pending.get(10, TimeUnit.SECONDS).error()).isEqualTo("client closed");
        assertThat(send(client, receiver.url("http", "127.0.0.1", "/"), Map.of())
                        .error())
                .isEqualTo("client closed");
    }
}
