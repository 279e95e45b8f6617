package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.WireSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Connections per IP address: one over the limit gets 429; a slot freed is usable again. */
final class ConnectionLimitTest {
    private static ChatServer server;

    @BeforeAll
    static void start() {
        server = ChatServer.builder().port(0).maxConnectionsPerIp(3).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String handshakeStatus() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write(WireSocket.handshakeRequest("/ws/visitor", null).getBytes(StandardCharsets.US_ASCII));
            byte[] head = s.getInputStream().readNBytes(12);
            return new String(head, StandardCharsets.US_ASCII);
        }
    }

    @Test
    void connectionsFromManyAddresses_areCappedInAll_with429() throws Exception {
        try (ChatServer capped = ChatServer.builder()
                .port(0)
                .maxConnectionsPerIp(50)
                .maxConnections(2)
                .start()) {
            List<Socket> open = new ArrayList<>();
            try {
                // Each from an address of its own (127.0.0.0/8 is all loopback): the per-address
                // limit never applies, only the total one does.
                assertThat(handshakeStatus(capped, "127.0.0.2", open)).isEqualTo("HTTP/1.1 101");
                assertThat(handshakeStatus(capped, "127.0.0.3", open)).isEqualTo("HTTP/1.1 101");
                assertThat(handshakeStatus(capped, "127.0.0.4", open)).isEqualTo("HTTP/1.1 429");
                open.remove(0).close();
                String status = Await.value("a free slot", () -> {
                    try {
                        String s = handshakeStatus(capped, "127.0.0.5", open);
                        return s.contains("101") ? Optional.of(s) : Optional.empty();
                    } catch (IOException e) {
                        return Optional.empty();
                    }
                });
                assertThat(status).isEqualTo("HTTP/1.1 101");
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }

    /** A handshake from {@code from}; the socket stays open in {@code open} when upgraded. */
    private static String handshakeStatus(ChatServer to, String from, List<Socket> open) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", to.port()), 5000);
        s.setSoTimeout(10_000);
        s.getOutputStream()
                .write(WireSocket.handshakeRequest("/ws/visitor", null).getBytes(StandardCharsets.US_ASCII));
        String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        if (head.contains("101")) {
            open.add(s);
        } else {
            s.close();
        }
        return head;
    }

    @Test
    void builder_rejectsAZeroTotalCap_namingTheField() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ChatServer.builder().maxConnections(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxConnections");
    }

    @Test
    void tooManyConnectionsFromOneIp_areRefusedWith429_untilOneCloses() throws Exception {
        List<WireSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(WireSocket.open(server, "/ws/visitor"));
            }
            assertThat(handshakeStatus()).isEqualTo("HTTP/1.1 429");
            open.remove(0).close();
            // The server learns of the close asynchronously: retry until the slot is free.
            String status = Await.value("a free slot", () -> {
                try {
                    String s = handshakeStatus();
                    return s.contains("101") ? Optional.of(s) : Optional.empty();
                } catch (IOException e) {
                    return Optional.empty();
                }
            });
            assertThat(status).isEqualTo("HTTP/1.1 101");
        } finally {
            for (WireSocket s : open) {
                s.close();
            }
        }
    }
}
