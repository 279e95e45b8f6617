package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.RawSocket;
import dev.concierge.server.testing.WireSocket;
import dev.concierge.server.transport.WebSocketSessionHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Slowloris: handshakes sent a byte at a time are cut off; a normal client still chats. */
final class SlowlorisLimitTest {
    private static final int SLOW = 100;
    private static ChatServer server;

    @BeforeAll
    static void start() {
        server = ChatServer.builder()
                .port(0)
                .requestTimeout(Duration.ofSeconds(2))
                .maxConnectionsPerIp(SLOW + 20)
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aSocketThatBecameAWebSocket_losesTheHttpOnlyHandlers_andOutlivesTheDeadline() throws Exception {
        try (RawSocket socket = RawSocket.connect(server, "/ws/visitor")) {
            socket.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            socket.awaitType("welcome");
            io.netty.channel.Channel channel = ((NettyChatServer) server)
                    .sockets().stream().filter(c -> c.isActive()).findFirst().orElseThrow();
            List<String> names =
                    channel.eventLoop().submit(() -> channel.pipeline().names()).get();
            assertThat(names)
                    .contains("idle", "slow-reader", "websocket", "frame-aggregator", "json-encoder", "session")
                    .doesNotContainAnyElementsOf(WebSocketSessionHandler.HTTP_ONLY)
                    .doesNotContain("http-codec", "http-aggregator");
            // A handshake begun after the upgrade, never finished: the 2 s request deadline
            // closes it, and the older WebSocket is still there afterwards.
            try (Socket half = new Socket()) {
                half.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                half.setSoTimeout(10_000);
                half.getOutputStream().write("GET /ws/visitor HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(endsWithoutUpgrade(half.getInputStream()))
                        .as("unfinished handshake closed at the deadline")
                        .isTrue();
            }
            assertThat(socket.closedWith).isNotDone();
            socket.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Still there?\"}");
            assertThat(socket.awaitType("ack").path("ref").asText()).isEqualTo("m1");
        }
    }

    @Test
    void manySlowHandshakes_areClosed_whileANormalClientConnectsAndChats() throws Exception {
        byte[] request = WireSocket.handshakeRequest("/ws/visitor", null).getBytes(StandardCharsets.US_ASCII);
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < SLOW; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            slow.add(s);
        }
        AtomicBoolean stop = new AtomicBoolean();
        Thread dribbler = new Thread(
                () -> {
                    for (int i = 0; i < request.length && !stop.get(); i++) {
                        for (Socket s : slow) {
                            try {
                                s.getOutputStream().write(request[i]);
                            } catch (IOException closedByServer) {
                                // expected once the deadline passes
                            }
                        }
                        try {
                            Thread.sleep(500); // the attacker's pace, not synchronisation
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "slowloris");
        dribbler.start();
        try {
            try (RawSocket normal = RawSocket.connect(server, "/ws/visitor")) {
                normal.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
                normal.awaitType("welcome");
                normal.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Where is my order?\"}");
                assertThat(normal.awaitType("ack").path("ref").asText()).isEqualTo("m1");
            }
            long started = System.nanoTime();
            for (Socket s : slow) {
                s.setSoTimeout(10_000);
                assertThat(endsWithoutUpgrade(s.getInputStream()))
                        .as("slow handshake closed by the server")
                        .isTrue();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        } finally {
            stop.set(true);
            dribbler.interrupt();
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    /** True if the server ends the connection (EOF or reset) without ever saying 101. */
    private static boolean endsWithoutUpgrade(InputStream in) throws IOException {
        try {
            byte[] all = in.readAllBytes();
            return !new String(all, StandardCharsets.US_ASCII).contains(" 101 ");
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
