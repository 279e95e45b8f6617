package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.testing.WireSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that never reads is cut off instead of being buffered for without bound; one that
 * reads, however slowly, is not.
 */
final class SlowReaderLimitTest {
    private static ChatServer server;
    private static ChatServer patient;

    @BeforeAll
    static void start() {
        server = ChatServer.builder()
                .port(0)
                .rateLimit(100_000, 100_000)
                .slowReaderLimits(16 * 1024, 32 * 1024, 256 * 1024, Duration.ofSeconds(2))
                .start();
        patient = ChatServer.builder()
                .port(0)
                .rateLimit(100_000, 100_000)
                .slowReaderLimits(16 * 1024, 32 * 1024, 8 * 1024 * 1024, Duration.ofSeconds(1))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
        patient.close();
    }

    @Test
    void clientThatReadsSlowly_staysConnected_throughManyStallPeriods() throws Exception {
        try (WireSocket ws = WireSocket.open(patient, "/ws/visitor", null, 4096)) {
            ws.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            ws.awaitTextContaining("welcome");
            String text = "x".repeat(3900);
            for (int i = 0; i < 20; i++) {
                ws.text("{\"type\":\"message\",\"id\":\"m" + i + "\",\"text\":\"" + text + "\"}");
            }
            String ack = ws.awaitTextContaining("\"ref\":\"m19\"");
            String conversation =
                    new ObjectMapper().readTree(ack).path("conversationId").asText();
            int asked = 40;
            for (int i = 0; i < asked; i++) { // some 3 MB for the server to send
                ws.text("{\"type\":\"history\",\"id\":\"q" + i + "\",\"conversationId\":\"" + conversation
                        + "\",\"afterSeq\":0}");
            }
            // About 800 KB/s: the server stays unwritable for seconds, over several stall periods,
            // but every period some of it gets through.
            long started = System.nanoTime();
            for (int i = 0; i < asked; i++) {
                Thread.sleep(100); // the reader's pace, not synchronisation
                String transcript = ws.awaitTextContaining("\"ref\":\"q" + i + "\"");
                assertThat(new ObjectMapper()
                                .readTree(transcript)
                                .path("events")
                                .size())
                        .isGreaterThanOrEqualTo(20);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void clientThatNeverReads_isClosed() throws Exception {
        try (WireSocket ws = WireSocket.open(server, "/ws/visitor", null, 4096)) {
            ws.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            ws.awaitTextContaining("welcome");
            String text = "x".repeat(3900);
            ws.text("{\"type\":\"message\",\"id\":\"m0\",\"text\":\"" + text + "\"}");
            String ack = ws.awaitTextContaining("\"ack\"");
            String conversation =
                    new ObjectMapper().readTree(ack).path("conversationId").asText();
            for (int i = 1; i < 20; i++) {
                ws.text("{\"type\":\"message\",\"id\":\"m" + i + "\",\"text\":\"" + text + "\"}");
            }
            // From here on we never read: ask for the ~80 KB history again and again until the server
            // hangs up (our writes then fail), whatever pace the loaded machine answers at.
            boolean writesFailed = false;
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            for (int i = 0; System.nanoTime() < deadline; i++) {
                try {
                    ws.text("{\"type\":\"history\",\"id\":\"q" + i + "\",\"conversationId\":\"" + conversation
                            + "\",\"afterSeq\":0}");
                } catch (IOException closedByServer) {
                    writesFailed = true;
                    break;
                }
                Thread.sleep(2); // the client's pace, not synchronisation
            }
            assertThat(writesFailed || endsWithin(ws.input()))
                    .as("server closed the slow reader")
                    .isTrue();
        }
    }

    /** Drains what the server managed to send; true if the stream then ends rather than stalls. */
    private static boolean endsWithin(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
            return true;
        } catch (SocketTimeoutException stalled) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
