package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.PasswordHasher;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.RawHttp;
import dev.concierge.server.testing.RawSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Slow HTTP work runs on one bounded lane per purpose: sign-ins that hold the password-check
 * lane do not delay a visitor's transcript download or an agent's search, and sign-ins beyond
 * the lane's capacity are answered 503 with Retry-After at once instead of queueing without end.
 */
final class BlockingWorkTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void pipelinedSignInsHoldingTheLoginLane_delayNoDownload_andThoseOverCapacityGet503() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger checking = new AtomicInteger();
        AgentAuth.PasswordCheck held = (password, hash) -> {
            checking.incrementAndGet();
            try { // every password check waits until the test lets them all go
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return PasswordHasher.verify(password, hash);
        };
        try (ChatServer server = ChatServer.builder()
                .port(0)
                .dataDir(Files.createTempDirectory("concierge-lanes"))
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .loginThrottle(1000, 1000, 1000, Duration.ofMinutes(1))
                .passwordCheck(held)
                // The flood's connection waits while the lane is held: not a slowloris to close.
                .requestTimeout(Duration.ofMinutes(1))
                .start()) {
            String agentToken;
            String visitorToken;
            String conversation;
            try (RawSocket visitor = RawSocket.connect(server, "/ws/visitor")) {
                visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"context\":{\"name\":\"Ada\"}}");
                visitorToken = visitor.awaitType("welcome").path("visitorToken").asText();
                visitor.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Where is my order?\"}");
                conversation = visitor.awaitType("ack").path("conversationId").asText();
            }
            Thread signIn = new Thread(() -> {
                try {
                    AgentHttp.login(server, "one", "pw-one");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            signIn.start(); // a sign-in before the flood, to search with afterwards
            Await.until("the first password check", () -> checking.get() == 1);

            int sent = 60;
            try (RawHttp flood = new RawHttp(server, "127.0.0.1")) {
                for (int i = 0; i < sent; i++) {
                    flood.send("POST", "/api/agent/login", "{\"username\":\"one\",\"password\":\"pw-one\"}");
                }
                // The lane: one check running, 16 waiting; the other 44 are refused at once.
                List<RawHttp.Response> refused = new ArrayList<>();
                for (int i = 0; i < sent - 16; i++) {
                    refused.add(flood.read());
                }
                assertThat(refused).allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(r.header("Retry-After")).isEqualTo("1");
                    assertThat(r.body()).contains("\"error\":\"busy\"");
                });
                assertThat(checking.get())
                        .as("no other check started: the lane is held")
                        .isEqualTo(1);

                HttpResponse<String> download = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/conversations/"
                                        + conversation + "/transcript?format=txt"))
                                .timeout(Duration.ofSeconds(10))
                                .header("Authorization", "Visitor " + visitorToken)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(download.statusCode())
                        .as("a download while the login lane is held")
                        .isEqualTo(200);
                assertThat(download.body()).contains("Ada (visitor): Where is my order?");

                release.countDown();
                signIn.join(20_000);
                for (int i = 0; i < 16; i++) {
                    assertThat(flood.read().status())
                            .as("the queued sign-ins, once the checks go on")
                            .isEqualTo(200);
                }
            } finally {
                release.countDown();
            }
            agentToken = AgentHttp.login(server, "one", "pw-one");
            HttpResponse<String> search = HTTP.send(
                    HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + server.port() + "/api/conversations?q=order"))
                            .timeout(Duration.ofSeconds(10))
                            .header("Authorization", "Bearer " + agentToken)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(search.statusCode()).isEqualTo(200);
        }
    }
}
