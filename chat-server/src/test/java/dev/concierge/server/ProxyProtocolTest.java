package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.WireSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Behind a load balancer that sends the PROXY protocol: a connection from a trusted proxy is
 * counted, throttled and logged as the client its header names; one without a header is closed;
 * and a connection from any other address is never read for a header, so nobody can claim
 * another client's address.
 */
final class ProxyProtocolTest {
    private static final String CLIENT_A = "203.0.113.7";
    private static final String CLIENT_B = "203.0.113.8";
    private static final String HEALTH = "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    private final List<Socket> open = new ArrayList<>();
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private Logger ours;
    private Level previous;

    @BeforeEach
    void captureLogs() {
        ours = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("dev.concierge");
        previous = ours.getLevel();
        ours.setLevel(Level.INFO); // whatever the run's configuration says
        captured.start();
        ours.addAppender(captured);
    }

    @AfterEach
    void closeSockets() throws IOException {
        ours.detachAppender(captured);
        ours.setLevel(previous);
        for (Socket s : open) {
            s.close();
        }
    }

    private static ChatServer behindProxy() {
        return ChatServer.builder()
                .port(0)
                .trustedProxies(List.of("127.0.0.1/32", "::1"))
                .maxConnectionsPerIp(2)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "right-password", 1000)))
                .loginThrottle(2, 20, 20, Duration.ofHours(1))
                .start();
    }

    @Test
    void connectionsThroughTheProxy_areCappedPerClientAddress_notPerProxy() throws Exception {
        try (ChatServer server = behindProxy()) {
            assertThat(handshake(server, "127.0.0.1", v1(CLIENT_A))).isEqualTo("HTTP/1.1 101");
            assertThat(handshake(server, "127.0.0.1", v1(CLIENT_A))).isEqualTo("HTTP/1.1 101");
            assertThat(request(server, "127.0.0.1", v1(CLIENT_A), WireSocket.handshakeRequest("/ws/visitor", null)))
                    .as("the third connection of %s, over its cap of 2: refused, its handshake unread", CLIENT_A)
                    .startsWith("HTTP/1.1 429")
                    .doesNotContain("101");
            assertThat(handshake(server, "127.0.0.1", v1(CLIENT_B)))
                    .as("another client through the same proxy, whose own address already has 2 open")
                    .isEqualTo("HTTP/1.1 101");
            assertThat(handshake(server, "127.0.0.1", v1(CLIENT_B))).isEqualTo("HTTP/1.1 101");
            // Each line is written just after its 101 or 429: wait for the last.
            Await.until(
                    "the log names the clients",
                    () -> lines().stream()
                                    .filter(l -> l.contains("visitor socket open from"))
                                    .count()
                            == 4);
            assertThat(lines())
                    .anyMatch(l -> l.contains("connection from " + CLIENT_A + " refused, 2 already open"))
                    .anyMatch(l -> l.contains("visitor socket open from /" + CLIENT_A + ":5555"))
                    .anyMatch(l -> l.contains("visitor socket open from /" + CLIENT_B + ":5555"))
                    .noneMatch(l -> l.contains("socket open from /127.0.0.1"));
        }
    }

    @Test
    void signInThrottle_countsTheClientTheHeaderNames() throws Exception {
        try (ChatServer server = behindProxy()) {
            assertThat(login(server, CLIENT_A, "guess-1")).isEqualTo(401);
            assertThat(login(server, CLIENT_A, "guess-2")).isEqualTo(401);
            assertThat(login(server, CLIENT_A, "right-password"))
                    .as("%s used up its attempts on this username", CLIENT_A)
                    .isEqualTo(429);
            assertThat(login(server, CLIENT_B, "guess-3"))
                    .as("another client through the same proxy has its own attempts")
                    .isEqualTo(401);
            assertThat(login(server, CLIENT_B, "right-password")).isEqualTo(200);
            assertThat(lines())
                    .contains(
                            "login failed for user \"one\" from " + CLIENT_A,
                            "login failed for user \"one\" from " + CLIENT_B)
                    .noneMatch(l -> l.contains("login failed") && l.endsWith("from 127.0.0.1"));
        }
    }

    @Test
    void proxyProtocolV2_fromTheProxy_namesAnIpv6Client_andALocalHeaderKeepsThePeer() throws Exception {
        try (ChatServer server = behindProxy()) {
            HAProxyMessage proxied = new HAProxyMessage(
                    HAProxyProtocolVersion.V2,
                    HAProxyCommand.PROXY,
                    HAProxyProxiedProtocol.TCP6,
                    "2001:db8::7",
                    "2001:db8::1",
                    4321,
                    80);
            assertThat(handshake(server, "127.0.0.1", v2(proxied))).isEqualTo("HTTP/1.1 101");
            // haproxy's health checks send LOCAL: the connection is the proxy's own.
            assertThat(request(server, "127.0.0.1", v2(local()), HEALTH)).startsWith("HTTP/1.1 200");
            assertThat(handshake(server, "127.0.0.1", v2(local()))).isEqualTo("HTTP/1.1 101");
            Await.until(
                    "both sockets are logged",
                    () -> lines().stream()
                                    .filter(l -> l.contains("visitor socket open from"))
                                    .count()
                            == 2);
            assertThat(lines())
                    .anyMatch(l -> l.contains("visitor socket open from /[2001:db8:0:0:0:0:0:7]:4321"))
                    .anyMatch(l -> l.contains("visitor socket open from /127.0.0.1:"));
        }
    }

    @Test
    void aConnectionFromTheProxy_withoutAValidHeader_isClosedUnanswered() throws Exception {
        try (ChatServer server = behindProxy()) {
            assertThat(request(server, "127.0.0.1", "", HEALTH))
                    .as("no PROXY header: nothing is answered")
                    .isEmpty();
            assertThat(request(server, "127.0.0.1", "PROXY TCP4 203.0.113.7 nonsense\r\n", ""))
                    .as("a malformed header")
                    .isEmpty();
            // The decoder closes the connection, then the handler logs: the line may come just after.
            Await.until(
                    "both are logged",
                    () -> lines().stream()
                                    .filter(l -> l.contains("connection from trusted proxy /127.0.0.1:")
                                            && l.contains("without a valid PROXY protocol header"))
                                    .count()
                            == 2);
        }
    }

    @Test
    void aConnectionFromTheProxy_thatSendsNothing_isClosedAtTheRequestDeadline() throws Exception {
        try (ChatServer server = ChatServer.builder()
                        .port(0)
                        .trustedProxies(List.of("127.0.0.1"))
                        .requestTimeout(Duration.ofMillis(500))
                        .start();
                Socket s = connect(server, "127.0.0.1")) {
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).as("closed without an answer").isEqualTo(-1);
        }
    }

    @Test
    void aClientThatIsNotATrustedProxy_cannotClaimAnAddress_withAHeader() throws Exception {
        try (ChatServer server = behindProxy()) {
            // 127.0.0.3 is loopback, but not a trusted proxy: its header is an HTTP request line. (Another
            // address than the one counted below: the server may count this connection a moment after
            // its 400 has been read.)
            assertThat(request(server, "127.0.0.3", v1(CLIENT_A), WireSocket.handshakeRequest("/ws/visitor", null)))
                    .startsWith("HTTP/1.1 400");
            // The connections of 127.0.0.2, not a trusted proxy either, count as 127.0.0.2, whatever they claim.
            assertThat(handshake(server, "127.0.0.2", "")).isEqualTo("HTTP/1.1 101");
            assertThat(handshake(server, "127.0.0.2", "")).isEqualTo("HTTP/1.1 101");
            assertThat(handshake(server, "127.0.0.2", v1(CLIENT_B))).isEqualTo("HTTP/1.1 429");
        }
        try (ChatServer single =
                ChatServer.builder().port(0).maxConnectionsPerIp(1).start()) {
            // Without any trusted proxy, a PROXY header is never read: 400, counted as 127.0.0.1.
            assertThat(handshake(single, "127.0.0.1", "")).isEqualTo("HTTP/1.1 101");
            assertThat(handshake(single, "127.0.0.1", v1(CLIENT_A))).isEqualTo("HTTP/1.1 429");
            assertThat(request(single, "127.0.0.2", v1(CLIENT_A), HEALTH)).startsWith("HTTP/1.1 400");
            assertThat(lines()).noneMatch(l -> l.contains(CLIENT_A));
        }
    }

    @Test
    void trustedProxies_rejectsWhatIsNotAnAddressOrBlock_namingTheField() {
        for (String bad : List.of("proxy.example.com", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/x", "")) {
            assertThatThrownBy(() -> ChatServer.builder().trustedProxies(List.of(bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("trustedProxies")
                    .hasMessageContaining(bad);
        }
        assertThatThrownBy(() -> ChatServer.builder().trustedProxies(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("trustedProxies");
    }

    private static String v1(String client) {
        return "PROXY TCP4 " + client + " 127.0.0.1 5555 80\r\n";
    }

    private static HAProxyMessage local() {
        return new HAProxyMessage(
                HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
    }

    private static String v2(HAProxyMessage message) {
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        encoder.writeOutbound(message);
        ByteBuf bytes = encoder.readOutbound();
        try {
            return new String(ByteBufUtil.getBytes(bytes), StandardCharsets.ISO_8859_1);
        } finally {
            bytes.release();
            encoder.finishAndReleaseAll();
        }
    }

    /** A WebSocket handshake after {@code header}, kept open; the status line's first 12 bytes. */
    private String handshake(ChatServer server, String from, String header) throws IOException {
        Socket s = connect(server, from);
        open.add(s);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(bytes(header + WireSocket.handshakeRequest("/ws/visitor", null)));
        return new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
    }

    /** Sends {@code header} then {@code request} on a connection of its own; all it gets until closed. */
    private static String request(ChatServer server, String from, String header, String request) throws IOException {
        try (Socket s = connect(server, from)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bytes(header + request));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            try {
                in.transferTo(got);
            } catch (SocketException reset) {
                // closed by the server with unread bytes: a reset
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static int login(ChatServer server, String client, String password) throws IOException {
        String body = "{\"username\":\"one\",\"password\":\"" + password + "\"}";
        String answer = request(
                server,
                "127.0.0.1",
                v1(client),
                "POST /api/agent/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Connection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        assertThat(answer).startsWith("HTTP/1.1 ");
        return Integer.parseInt(answer.substring(9, 12));
    }

    private static Socket connect(ChatServer server, String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        return s;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private List<String> lines() {
        Supplier<List<String>> copy = () -> {
            synchronized (captured) {
                return captured.list.stream()
                        .map(ILoggingEvent::getFormattedMessage)
                        .toList();
            }
        };
        return copy.get();
    }
}
