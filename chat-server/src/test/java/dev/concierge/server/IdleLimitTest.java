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
        // Pinged after 1 s of silence and closed 1 s later unless something arrives. The third
        // ping comes 3 s after the welcome, past the 2 s at which an unanswered ping closes: each
        // pong kept the socket open. A close frame at any point fails the test.
        try (WireSocket ws = WireSocket.open(server, "/ws/visitor")) {
            ws.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            assertThat(ws.awaitTextContaining("welcome")).contains("\"welcome\"");
            int answered = 0;
            while (answered < 3) {
                WireSocket.Frame f = ws.read().orElseThrow(() -> new AssertionError("connection ended"));
                assertThat(f.opcode())
                        .as("close frame after %d answered pings", answered)
                        .isNotEqualTo(0x8);
                if (f.opcode() == 0x9) {
                    ws.frame(true, 0xA, f.payload());
                    answered++;
                }
            }
            ws.text("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"still there\"}");
            assertThat(ws.awaitTextContaining("\"ack\"")).contains("\"ref\":\"m1\"");
        }
    }
}
