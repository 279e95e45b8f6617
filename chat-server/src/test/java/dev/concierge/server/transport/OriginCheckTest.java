package dev.concierge.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.auth.SecurityConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The origin check on a channel of its own: a WebSocket handshake from a foreign origin gets 403
 * and the connection closes, before anything upgrades it; allowed ones are passed on, and a
 * foreign-but-allowed origin is remembered for the check at the {@code hello}.
 */
final class OriginCheckTest {
    private static final String HOST = "chat.example.com";
    private EmbeddedChannel channel;

    private static SecurityConfig security(
            boolean allowAnyOrigin, List<String> origins, Map<String, List<String>> sites) {
        return new SecurityConfig(
                64 * 1024,
                8192,
                Duration.ofSeconds(10),
                Duration.ofSeconds(30),
                Duration.ofSeconds(75),
                50,
                20_000,
                Duration.ofSeconds(10),
                20,
                40,
                Duration.ofSeconds(10),
                32 * 1024,
                64 * 1024,
                1024 * 1024,
                Duration.ofSeconds(15),
                allowAnyOrigin,
                origins,
                sites,
                Optional.empty(),
                List.of());
    }

    private OriginCheck open(SecurityConfig config) {
        OriginCheck check = new OriginCheck(config);
        channel = new EmbeddedChannel(check);
        return check;
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private static FullHttpRequest handshake(String path, String origin) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        request.headers().set(HttpHeaderNames.HOST, HOST);
        if (origin != null) {
            request.headers().set(HttpHeaderNames.ORIGIN, origin);
        }
        return request;
    }

    /** Sends the request and says whether it was passed on (released) or refused (asserted 403). */
    private boolean passedOn(FullHttpRequest request) {
        channel.writeInbound(request);
        FullHttpRequest passed = channel.readInbound();
        if (passed != null) {
            assertThat(channel.<Object>readOutbound())
                    .as("nothing written for a passed request")
                    .isNull();
            assertThat(channel.isOpen()).isTrue();
            passed.release();
            return true;
        }
        FullHttpResponse response = channel.readOutbound();
        assertThat(response.status().code()).isEqualTo(403);
        assertThat(response.content().toString(StandardCharsets.UTF_8)).isEqualTo("{\"error\":\"forbidden_origin\"}");
        response.release();
        assertThat(channel.isOpen()).as("closed after the 403").isFalse();
        assertThat(request.refCnt()).as("the refused request is released").isZero();
        return false;
    }

    @Test
    void foreignOriginHandshake_getsA403AndIsClosed() {
        open(security(false, List.of("https://shop.example.com"), Map.of()));
        assertThat(passedOn(handshake("/ws/visitor", "https://evil.example.net")))
                .isFalse();
    }

    @Test
    void nullOrigin_isRefused_evenWhenAnyOriginIsAllowed() {
        open(security(true, List.of(), Map.of()));
        assertThat(passedOn(handshake("/ws/agent", "null"))).isFalse();
    }

    @Test
    void anyOrigin_isPassedOnWhenAllowed_butHeldToTheListOfASiteThatHasOne() {
        OriginCheck check = open(security(true, List.of(), Map.of("shop", List.of("https://shop.example.com"))));
        assertThat(passedOn(handshake("/ws/visitor", "https://blog.example.org")))
                .isTrue();
        Optional<String> origin =
                Optional.ofNullable(channel.attr(OriginCheck.ORIGIN).get());
        assertThat(origin).contains("https://blog.example.org");
        assertThat(check.allowedForSite(origin, "other")).isTrue();
        assertThat(check.allowedForSite(origin, "shop")).isFalse();
    }

    @Test
    void theServersOwnOrigin_isPassedOn_andNotRemembered() {
        open(security(false, List.of(), Map.of()));
        assertThat(passedOn(handshake("/ws/visitor", "https://" + HOST))).isTrue();
        assertThat(channel.attr(OriginCheck.ORIGIN).get()).isNull();
    }

    @Test
    void aClientWithoutOrigin_isPassedOn() {
        open(security(false, List.of(), Map.of()));
        assertThat(passedOn(handshake("/ws/visitor", null))).isTrue();
    }

    @Test
    void aConfiguredOrigin_isPassedOn_andRememberedForTheHello() {
        OriginCheck check = open(security(false, List.of(), Map.of("shop", List.of("https://shop.example.com"))));
        assertThat(passedOn(handshake("/ws/visitor?x=1", "https://shop.example.com")))
                .isTrue();
        Optional<String> origin =
                Optional.ofNullable(channel.attr(OriginCheck.ORIGIN).get());
        assertThat(origin).contains("https://shop.example.com");
        assertThat(check.allowedForSite(origin, "shop")).isTrue();
        assertThat(check.allowedForSite(origin, "other")).isFalse();
    }

    @Test
    void aPlainHttpRequest_isPassedOnWhateverItsOrigin() {
        open(security(false, List.of(), Map.of()));
        assertThat(passedOn(handshake("/api/faq/search?q=x", "https://evil.example.net")))
                .isTrue();
        assertThat(passedOn(handshake("/wsx", "https://evil.example.net"))).isTrue();
    }
}
