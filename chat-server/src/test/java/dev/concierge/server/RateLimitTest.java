package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.testing.RawSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Messages per second per connection: over the rate, {@code rate_limited}; a long flood, 1008. */
final class RateLimitTest {
    private static ChatServer patient;
    private static ChatServer strict;

    @BeforeAll
    static void start() {
        // Floods are never closed here, so the test sees every rate_limited answer.
        patient = ChatServer.builder()
                .port(0)
                .rateLimit(20, 40)
                .floodCloseAfter(Duration.ofMinutes(5))
                .start();
        strict = ChatServer.builder()
                .port(0)
                .rateLimit(20, 40)
                .floodCloseAfter(Duration.ofSeconds(1))
                .start();
    }

    @AfterAll
    static void stop() {
        patient.close();
        strict.close();
    }

    private static RawSocket visitor(ChatServer server) throws Exception {
        RawSocket s = RawSocket.connect(server, "/ws/visitor");
        s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
        s.awaitType("welcome");
        return s;
    }

    @Test
    void flood_ofAThousandMessages_getsRateLimited_unprocessed_andANormalClientStillChats() throws Exception {
        try (RawSocket flooder = visitor(patient)) {
            long started = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                flooder.send("{\"type\":\"message\",\"id\":\"f" + i + "\",\"text\":\"spam " + i + "\"}");
            }
            Set<String> acked = new HashSet<>();
            Set<String> limited = new HashSet<>();
            while (acked.size() + limited.size() < 1000) {
                JsonNode f = flooder.await(n -> n.path("type").asText().equals("ack")
                        || n.path("code").asText().equals("rate_limited"));
                (f.path("type").asText().equals("ack") ? acked : limited)
                        .add(f.path("ref").asText());
            }
            // The server may still be reading the flood after the client is done sending.
            double seconds = (System.nanoTime() - started) / 1e9;
            assertThat(acked).doesNotContainAnyElementsOf(limited);
            assertThat(acked.size()).isBetween(40, (int) (40 + 20 * seconds) + 5);
            assertThat(limited).hasSizeGreaterThan(500);

            try (RawSocket normal = visitor(patient)) {
                normal.send("{\"type\":\"message\",\"id\":\"n1\",\"text\":\"Where is my order?\"}");
                assertThat(normal.awaitType("ack").path("ref").asText()).isEqualTo("n1");
            }
        }
    }

    @Test
    void sustainedFlood_isClosedWith1008() throws Exception {
        try (RawSocket flooder = visitor(strict)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int i = 0;
            while (!flooder.closedWith.isDone() && System.nanoTime() < deadline) {
                try {
                    flooder.send("{\"type\":\"message\",\"id\":\"f" + i++ + "\",\"text\":\"spam\"}");
                } catch (CompletionException closed) {
                    break;
                }
            }
            assertThat(flooder.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        }
        try (RawSocket normal = visitor(strict)) {
            normal.send("{\"type\":\"message\",\"id\":\"n1\",\"text\":\"hello\"}");
            assertThat(normal.awaitType("ack").path("ref").asText()).isEqualTo("n1");
        }
    }
}
