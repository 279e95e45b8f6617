package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.server.testing.WireSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Cross-site WebSocket hijacking: only allowed page origins may open a socket. */
final class OriginSecurityTest {
    private static ChatServer server;

    @BeforeAll
    static void start() {
        server = ChatServer.builder()
                .port(0)
                .allowedOrigins(List.of("https://shop.example.com"))
                .siteOrigins("blog", List.of("https://blog.example.org"))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String status(String origin) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write(WireSocket.handshakeRequest("/ws/visitor", origin).getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void lookalikeHost_isRefusedWith403() throws Exception {
        assertThat(status("https://shop.example.com.evil.net")).isEqualTo("HTTP/1.1 403");
        assertThat(status("https://evil-shop.example.com")).isEqualTo("HTTP/1.1 403");
        assertThat(status("http://shop.example.com")).isEqualTo("HTTP/1.1 403");
    }

    @Test
    void nullOrigin_isRefusedWith403() throws Exception {
        assertThat(status("null")).isEqualTo("HTTP/1.1 403");
    }

    @Test
    void allowedOrigin_ownOrigin_andNonBrowsers_areUpgraded() throws Exception {
        assertThat(status("https://shop.example.com")).isEqualTo("HTTP/1.1 101");
        assertThat(status("https://blog.example.org")).isEqualTo("HTTP/1.1 101");
        assertThat(status("http://127.0.0.1")).isEqualTo("HTTP/1.1 101"); // the Host the request names
        assertThat(status(null)).isEqualTo("HTTP/1.1 101");
    }

    @Test
    void siteOrigin_speaksOnlyForItsSite() throws Exception {
        try (WireSocket ws = WireSocket.open(server, "/ws/visitor", "https://blog.example.org", 0)) {
            ws.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"blog\"}");
            assertThat(ws.awaitText()).contains("welcome");
        }
        try (WireSocket ws = WireSocket.open(server, "/ws/visitor", "https://blog.example.org", 0)) {
            ws.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"shop\"}");
            // shop has no list of its own: the server-wide list applies, and blog's origin is not on it
            assertThat(ws.awaitText()).contains("forbidden_origin");
            assertThat(ws.awaitClose()).isEqualTo(1008);
        }
        try (WireSocket ws = WireSocket.open(server, "/ws/visitor", "https://shop.example.com", 0)) {
            ws.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"blog\"}");
            assertThat(ws.awaitText()).contains("welcome"); // server-wide origins may speak for every site
        }
    }

    @Test
    void anyOriginDefault_stillHoldsASiteToItsOwnOriginList() throws Exception {
        // What `serve --sites FILE` without --origin builds: any origin by default, blog lists its own.
        try (ChatServer open = ChatServer.builder()
                .port(0)
                .allowAnyOrigin(true)
                .siteOrigins("blog", List.of("https://blog.example.org"))
                .start()) {
            assertThat(hello(open, "https://evil.example.net", "blog")).contains("forbidden_origin");
            assertThat(hello(open, "https://blog.example.org", "blog")).contains("welcome");
            assertThat(hello(open, "http://127.0.0.1", "blog")).contains("welcome"); // the server's own pages
            assertThat(hello(open, "https://evil.example.net", "demo")).contains("welcome"); // no list: any origin
        }
    }

    private static String hello(ChatServer to, String origin, String site) throws IOException {
        try (WireSocket ws = WireSocket.open(to, "/ws/visitor", origin, 0)) {
            ws.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"" + site + "\"}");
            return ws.awaitText();
        }
    }

    @Test
    void builder_rejectsOriginsThatAreNotExact_namingTheField() {
        assertThatThrownBy(() -> ChatServer.builder().allowedOrigins(List.of("https://shop.example.com/")))
                .hasMessageContaining("allowedOrigins");
        assertThatThrownBy(() -> ChatServer.builder().allowedOrigins(List.of("*")))
                .hasMessageContaining("allowedOrigins");
        assertThatThrownBy(() -> ChatServer.builder().siteOrigins("s", List.of("shop.example.com")))
                .hasMessageContaining("siteOrigins");
    }
}
