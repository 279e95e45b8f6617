package dev.concierge.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.ChatServer;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ClusterNodes;
import dev.concierge.server.testing.WireSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-address limits hold across the nodes of a cluster (docs/scaling.md, "What is
 * cluster-wide"): two real nodes started with low limits (3 failed sign-ins per username and
 * address, 3 connections per address); sign-in failures and sockets from one address spread over
 * both nodes are refused past the limits as on one server.
 */
final class ClusterLimitsTest {
    private static ClusterNodes cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ClusterNodes.start(2, "--login-throttle", "3,20,20,3600", "--max-connections-per-ip", "3");
        cluster.awaitReady();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static int port(int node) {
        return cluster.uris().get(node - 1).getPort();
    }

    @Test
    void failedSignInsOnBothNodes_countTogether_andTheAgentStillSignsInFromAnotherAddress() throws Exception {
        String user = ChatServer.Builder.DEMO_USERNAME;
        assertThat(login(1, "127.0.0.2", user, "guess-1").status()).isEqualTo(401);
        assertThat(login(1, "127.0.0.2", user, "guess-2").status()).isEqualTo(401);
        assertThat(login(2, "127.0.0.2", user, "guess-3").status())
                .as("the third failure, on the other node")
                .isEqualTo(401);
        Reply held = login(2, "127.0.0.2", user, "guess-4");
        assertThat(held.status())
                .as("a fourth on n2: the failures on n1 count there (per node, n2 would have allowed 3)")
                .isEqualTo(429);
        assertThat(held.head())
                .as("an hour to wait, less the seconds since the first failure")
                .containsPattern("(?i)retry-after: 3[5-6]\\d\\d\\b");
        assertThat(held.body()).contains("\"error\":\"too_many_attempts\"");
        assertThat(login(1, "127.0.0.2", user, ChatServer.Builder.DEMO_PASSWORD).status())
                .as("even the right password, from the guessing address, on n1")
                .isEqualTo(429);
        assertThat(login(2, "127.0.0.3", user, ChatServer.Builder.DEMO_PASSWORD).status())
                .as("the right password from another address")
                .isEqualTo(200);
    }

    @Test
    void socketsFromOneAddressOnBothNodes_areRefusedPastTheCap_with429() throws Exception {
        String from = "127.0.0.5";
        List<Socket> open = new ArrayList<>();
        try {
            assertThat(handshake(1, from, open)).startsWith("HTTP/1.1 101");
            assertThat(handshake(1, from, open)).startsWith("HTTP/1.1 101");
            assertThat(handshake(2, from, open))
                    .as("the third from that address, on n2")
                    .startsWith("HTTP/1.1 101");
            // A change reaches the other node over NATS within milliseconds: a socket accepted
            // before n2 heard of n1's two is closed again, and the next one tried.
            String refused = refusedOn(2, from, open);
            assertThat(refused).startsWith("HTTP/1.1 429").contains("{\"error\":\"too_many_connections\"}");
            assertThat(refusedOn(1, from, open)).startsWith("HTTP/1.1 429");
            assertThat(open)
                    .as("every socket accepted is one of the first three")
                    .hasSize(3);

            open.remove(0).close(); // one of n1's: n2 may take one more
            String again = Await.value("n2 to take a socket once one on n1 closed", () -> {
                try {
                    String status = handshake(2, from, open);
                    return status.startsWith("HTTP/1.1 101") ? Optional.of(status) : Optional.empty();
                } catch (IOException e) {
                    return Optional.empty();
                }
            });
            assertThat(again).startsWith("HTTP/1.1 101");
            assertThat(refusedOn(1, from, open))
                    .as("n1 again, once it heard of n2's new one")
                    .startsWith("HTTP/1.1 429");
            assertThat(open).hasSize(3);
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
    }

    /** Tries sockets on {@code node} until one is refused; closes any accepted meanwhile. */
    private static String refusedOn(int node, String from, List<Socket> open) {
        return Await.value("a socket from " + from + " refused on n" + node, () -> {
            try {
                int before = open.size();
                String status = handshake(node, from, open);
                if (open.size() > before) {
                    open.remove(open.size() - 1).close();
                    return Optional.empty();
                }
                return Optional.of(status);
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }

    /** A WebSocket handshake from {@code from}: the status line and body; the socket stays in {@code open} if upgraded. */
    private static String handshake(int node, String from, List<Socket> open) throws IOException {
        Socket s = connect(node, from);
        s.getOutputStream()
                .write(WireSocket.handshakeRequest("/ws/visitor", null).getBytes(StandardCharsets.US_ASCII));
        String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        if (head.contains("101")) {
            open.add(s);
            return head;
        }
        try (s) {
            return head + new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static Socket connect(int node, String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress("127.0.0.1", port(node)), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private record Reply(int status, String head, String body) {}

    /** A sign-in attempt from {@code from} on its own connection, which the server closes after answering. */
    private static Reply login(int node, String from, String username, String password) throws IOException {
        byte[] body = ("{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        try (Socket s = connect(node, from)) {
            s.getOutputStream()
                    .write(("POST /api/agent/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    + "Connection: close\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int end = all.indexOf("\r\n\r\n");
            String head = end < 0 ? all : all.substring(0, end);
            return new Reply(Integer.parseInt(head.split(" ")[1]), head, end < 0 ? "" : all.substring(end + 4));
        }
    }
}
