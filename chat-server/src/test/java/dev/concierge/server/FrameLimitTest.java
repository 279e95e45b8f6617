package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.WireSocket;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Frames no client should send: each closes the socket with the code RFC 6455 names. */
final class FrameLimitTest {
    private static final String HELLO = "{\"type\":\"hello\",\"id\":\"h\",\"version\":1}";
    private static ChatServer server;

    @BeforeAll
    static void start() {
        server = ChatServer.builder()
                .port(0)
                .maxFrameBytes(64 * 1024)
                .maxMessageBytes(64 * 1024)
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static WireSocket visitor() throws IOException {
        WireSocket ws = WireSocket.open(server, "/ws/visitor");
        ws.text(HELLO);
        assertThat(ws.awaitText()).contains("\"welcome\"");
        return ws;
    }

    @Test
    void tenMiBFrame_isClosedWith1009_beforeItsPayloadArrives() throws Exception {
        try (WireSocket ws = visitor()) {
            ws.write(WireSocket.header(true, 0x1, 10L * 1024 * 1024));
            // Only the header went out: the server must decide from the announced length.
            assertThat(ws.awaitClose()).isEqualTo(1009);
        }
    }

    @Test
    void tenMiBFrame_streamedWhole_isClosedWith1009() throws Exception {
        try (WireSocket ws = visitor()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    ws.write(WireSocket.header(true, 0x1, 10L * 1024 * 1024));
                    byte[] chunk = "a".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < 160; i++) {
                        ws.write(chunk);
                    }
                } catch (IOException expected) {
                    // the server closed on us: that is the point
                }
            });
            assertThat(ws.awaitClose()).isEqualTo(1009);
            ws.socket.close(); // unblocks the writer thread before the join
            writer.join();
        }
    }

    @Test
    void endlessContinuationFrames_areClosedWith1009() throws Exception {
        try (WireSocket ws = visitor()) {
            byte[] piece = "x".repeat(8 * 1024).getBytes(StandardCharsets.US_ASCII);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    ws.frame(false, 0x1, piece);
                    for (int i = 0; i < 100_000; i++) { // 800 MB if nobody stops it
                        ws.frame(false, 0x0, piece);
                    }
                } catch (IOException expected) {
                    // closed by the server
                }
            });
            assertThat(ws.awaitClose()).isEqualTo(1009);
            ws.socket.close(); // unblocks the writer thread before the join
            writer.join();
        }
    }

    @Test
    void invalidUtf8_isClosedWith1007() throws Exception {
        try (WireSocket ws = visitor()) {
            ws.frame(true, 0x1, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
            assertThat(ws.awaitClose()).isEqualTo(1007);
        }
    }

    @Test
    void reservedOpcode_isClosedWith1002() throws Exception {
        try (WireSocket ws = visitor()) {
            ws.frame(true, 0x3, "boo".getBytes(StandardCharsets.US_ASCII));
            assertThat(ws.awaitClose()).isEqualTo(1002);
        }
    }

    @Test
    void invalidCloseCode_isClosedWith1002() throws Exception {
        try (WireSocket ws = visitor()) {
            ws.frame(true, 0x8, new byte[] {0x03, (byte) 0xE7}); // 999: not a valid close code
            assertThat(ws.awaitClose()).isEqualTo(1002);
        }
    }

    @Test
    void oversizeHandshakeHeaders_areRefused_andTheServerStillServes() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            String request = "GET /ws/visitor HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Junk: " + "j".repeat(16 * 1024)
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            byte[] head = s.getInputStream().readNBytes(12);
            assertThat(new String(head, StandardCharsets.US_ASCII))
                    .doesNotContain("101")
                    .startsWith("HTTP/1.1 4");
        }
        try (WireSocket ws = visitor()) {
            ws.text("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"still here?\"}");
            assertThat(ws.awaitTextContaining("\"ack\"")).contains("\"ref\":\"m1\"");
        }
    }
}
