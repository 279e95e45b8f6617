package dev.concierge.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.server.auth.SecurityConfig;
import dev.concierge.server.routing.RouterFixture;
import dev.concierge.server.routing.RoutingConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The message rate limit where the pipeline applies it, the session handler taking a token per
 * text frame from its connection's bucket, on a channel whose time the test moves: a burst is
 * served, the next message is answered {@code rate_limited} and not processed, time refills the
 * bucket, and a flood lasting {@code floodCloseAfter} closes the socket with 1008. The frames
 * come before any {@code hello}, so a served one is answered {@code hello_required}.
 */
final class RateLimiterTest extends RouterFixture {
    private static final int PER_SECOND = 2;
    private static final int BURST = 3;
    private static final Duration FLOOD_CLOSE_AFTER = Duration.ofSeconds(3);
    private static final ProtocolCodec CODEC = ProtocolCodec.create();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private EmbeddedChannel channel;
    private int sent;

    @BeforeEach
    void open() {
        SecurityConfig security = new SecurityConfig(
                64 * 1024,
                8192,
                Duration.ofSeconds(10),
                Duration.ofSeconds(30),
                Duration.ofSeconds(75),
                50,
                20_000,
                Duration.ofSeconds(10),
                PER_SECOND,
                BURST,
                FLOOD_CLOSE_AFTER,
                32 * 1024,
                64 * 1024,
                1024 * 1024,
                Duration.ofSeconds(15),
                false,
                List.of(),
                Map.of(),
                Optional.empty(),
                List.of());
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline()
                .addLast(
                        new ServerMessageEncoder(CODEC),
                        new WebSocketSessionHandler(
                                CODEC,
                                router(new RoutingConfig(
                                        "least-busy",
                                        5,
                                        Duration.ofMinutes(2),
                                        Optional.empty(),
                                        List.of(),
                                        List.of())),
                                null,
                                new DefaultChannelGroup(GlobalEventExecutor.INSTANCE),
                                new RateLimiter(PER_SECOND, BURST, FLOOD_CLOSE_AFTER, nanos::get),
                                new AgentSockets(),
                                new OriginCheck(security),
                                Duration.ofHours(1)));
        channel.pipeline().fireUserEventTriggered(new HandshakeComplete("/ws/visitor", new DefaultHttpHeaders(), null));
    }

    @AfterEach
    void closeChannel() {
        channel.finishAndReleaseAll();
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
        channel.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    /** Sends one message and returns the code of the error frame it was answered with. */
    private String send() {
        String id = "m" + (++sent);
        channel.writeInbound(new TextWebSocketFrame("{\"type\":\"message\",\"id\":\"" + id + "\",\"text\":\"hi\"}"));
        List<Object> out = drain();
        assertThat(out).as("one answer to %s", id).hasSize(1);
        TextWebSocketFrame frame = (TextWebSocketFrame) out.get(0);
        try {
            JsonNode answer = JSON.readTree(frame.text());
            assertThat(answer.path("ref").asText()).isEqualTo(id);
            return answer.path("code").asText();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        } finally {
            frame.release();
        }
    }

    private List<Object> drain() {
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            out.add(o);
        }
        return out;
    }

    @Test
    void aBurst_isServed_thenTheNextMessageIsRateLimited() {
        for (int i = 0; i < BURST; i++) {
            assertThat(send()).isEqualTo("hello_required");
        }
        assertThat(send()).isEqualTo("rate_limited");
        assertThat(send()).isEqualTo("rate_limited");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aLimitedConnection_isServedAgain_asTimeRefillsItsBucket() {
        for (int i = 0; i < BURST; i++) {
            send();
        }
        assertThat(send()).isEqualTo("rate_limited");
        advance(Duration.ofMillis(1000 / PER_SECOND - 1));
        assertThat(send()).as("not quite one token back").isEqualTo("rate_limited");
        advance(Duration.ofMillis(1));
        assertThat(send()).isEqualTo("hello_required");
        assertThat(send()).isEqualTo("rate_limited");
    }

    /** Sends more than ten times the rate (all but the refilled tokens rejected); false once closed. */
    private boolean floodOneSecond() {
        for (int i = 0; i < 12 * PER_SECOND + BURST; i++) {
            channel.writeInbound(new TextWebSocketFrame("{\"type\":\"message\",\"id\":\"f\",\"text\":\"hi\"}"));
            for (Object o : drain()) {
                if (o instanceof CloseWebSocketFrame close) {
                    assertThat(close.statusCode()).isEqualTo(1008);
                    assertThat(close.reasonText()).isEqualTo("message flood");
                    close.release();
                    return false;
                }
                ReferenceCountUtil.release(o);
            }
        }
        advance(Duration.ofSeconds(1));
        return true;
    }

    @Test
    void aFlood_isClosedWith1008_onceItLastedTheLimit() {
        for (int second = 0; second < FLOOD_CLOSE_AFTER.toSeconds(); second++) {
            assertThat(floodOneSecond()).as("second %d", second).isTrue();
            assertThat(channel.isOpen()).isTrue();
        }
        assertThat(floodOneSecond()).isFalse();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aFlood_brokenByAQuietSecond_startsCountingAgain() {
        floodOneSecond();
        floodOneSecond();
        advance(Duration.ofSeconds(1)); // nothing sent for a whole second
        for (int second = 0; second < FLOOD_CLOSE_AFTER.toSeconds(); second++) {
            assertThat(floodOneSecond()).as("second %d after the pause", second).isTrue();
        }
        assertThat(channel.isOpen()).isTrue();
    }
}
