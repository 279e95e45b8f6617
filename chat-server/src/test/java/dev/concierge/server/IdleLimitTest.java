package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.RawSocket;
import dev.concierge.server.testing.WireSocket;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Idle sockets are pinged after 1 s and closed after 2 s unless they answer. */
final class IdleLimitTest {
    private static ChatServer server;

    @BeforeAll
    static void start() {
        server = ChatServer.builder()
                .port(0)
                .idleTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void idleClient_thatDoesNotAnswerPings_isPingedThenClosed() throws Exception {
        try (WireSocket ws = WireSocket.open(server, "/ws/visitor")) {
            ws.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            long start = System.nanoTime();
            boolean pinged = false;
            int closeCode = -2;
            while (closeCode == -2) {
                Optional<WireSocket.Frame> f = ws.read(); // never answers the ping
                if (f.isEmpty()) {
                    closeCode = -1;
                } else if (f.get().opcode() == 0x9) {
                    pinged = true;
                } else if (f.get().opcode() == 0x8) {
                    closeCode = f.get().closeCode();
                }
            }
            assertThat(pinged).isTrue();
            assertThat(closeCode).isEqualTo(1001);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        }
    }

    @Test
    void socketThatAnswersPingsButNeverSaysHello_isClosedAtTheHelloDeadline() throws Exception {
        // Pinged every 200 ms and answering (the JDK client pongs by itself): the idle guard
        // alone would keep it open for ever.
        try (ChatServer quick = ChatServer.builder()
                        .port(0)
                        .idleTimeouts(Duration.ofMillis(200), Duration.ofMillis(400))
                        .helloTimeout(Duration.ofSeconds(1))
                        .start();
                RawSocket s = RawSocket.connect(quick, "/ws/visitor")) {
            assertThat(s.closedWith.get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo(1008);
            assertThat(s.closeReason.get()).isEqualTo("hello timeout");
        }
    }

    @Test
    void builder_rejectsANonPositiveHelloTimeout_namingTheField() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ChatServer.builder().helloTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("helloTimeout");
    }

    @Test
    void idleClient_thatAnswersPings_staysOpen() throws Exception {
        // The JDK client answers pings by itself.
        try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            s.awaitType("welcome");
            long quietUntil = System.nanoTime() + Duration.ofMillis(4500).toNanos();
            while (System.nanoTime() < quietUntil) {
                assertThat(s.closedWith).isNotDone();
                Thread.onSpinWait();
                Thread.sleep(50); // watching that nothing happens for 4.5 s; not synchronisation
            }
            s.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"still there\"}");
            assertThat(s.awaitType("ack").path("ref").asText()).isEqualTo("m1");
        }
    }
}
