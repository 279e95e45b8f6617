package dev.concierge.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.server.auth.SecurityConfig;
import dev.concierge.server.routing.ChatCore;
import dev.concierge.server.routing.Session;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hello gate on a visitor socket, with a core that records what reaches it: nothing before a
 * hello passes (a request is answered {@code hello_required}, an unsupported version
 * {@code unsupported_version}); a passing hello reaches the core once, with the socket's version
 * recorded by the transport, the gate leaves the pipeline, and later requests go to the core.
 */
final class HelloGateTest {
    private static final ProtocolCodec CODEC = ProtocolCodec.create();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A core that records the calls it gets. */
    private static final class RecordingCore implements ChatCore {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        volatile int helloVersion;

        @Override
        public void visitorHello(Session session, ClientMessage.Hello hello) {
            helloVersion = session.version();
            calls.add("visitorHello " + hello.id());
        }

        @Override
        public void agentHello(Session session, AgentInfo agent, ClientMessage.Hello hello) {
            calls.add("agentHello " + hello.id());
        }

        @Override
        public void request(Session session, Role role, ClientMessage message) {
            calls.add("request " + message.id());
        }

        @Override
        public void disconnected(Session session) {
            calls.add("disconnected");
        }

        @Override
        public boolean hasSite(String key) {
            return "demo".equals(key);
        }
    }

    private final RecordingCore core = new RecordingCore();
    private EmbeddedChannel channel;

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
                100,
                100,
                Duration.ofSeconds(3),
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
        channel = new EmbeddedChannel();
        channel.pipeline()
                .addLast(
                        new ServerMessageEncoder(CODEC),
                        new WebSocketSessionHandler(
                                CODEC,
                                core,
                                null,
                                new DefaultChannelGroup(GlobalEventExecutor.INSTANCE),
                                new RateLimiter(100, 100, Duration.ofSeconds(3), System::nanoTime),
                                new AgentSockets(),
                                new OriginCheck(security),
                                Duration.ofHours(1)));
        channel.pipeline().fireUserEventTriggered(new HandshakeComplete("/ws/visitor", new DefaultHttpHeaders(), null));
    }

    @AfterEach
    void closeChannel() {
        channel.finishAndReleaseAll();
    }

    /** Sends one frame and returns what the socket was answered, as JSON objects. */
    private List<JsonNode> send(String json) {
        channel.writeInbound(new TextWebSocketFrame(json));
        List<JsonNode> out = new ArrayList<>();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            try {
                if (o instanceof TextWebSocketFrame text) { // a close frame is not an answer
                    out.add(JSON.readTree(text.text()));
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
        return out;
    }

    @Test
    void beforeHello_nothingReachesTheCore_andAnUnsupportedVersionIsRefusedHere() {
        assertThat(send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"hi\"}"))
                .extracting(j -> j.path("code").asText())
                .containsExactly("hello_required");
        assertThat(send("{\"type\":\"hello\",\"id\":\"h1\",\"version\":99,\"site\":\"demo\"}"))
                .extracting(j -> j.path("code").asText())
                .containsExactly("unsupported_version");
        assertThat(core.calls).isEmpty();
        assertThat(channel.pipeline().get(WebSocketSessionHandler.HELLO_GATE)).isNotNull();
    }

    @Test
    void aPassingHello_reachesTheCoreOnce_withItsVersion_andTheGateLeaves() {
        assertThat(send("{\"type\":\"hello\",\"id\":\"h1\",\"version\":2,\"site\":\"demo\"}"))
                .isEmpty(); // the core answers (welcome); this one records
        assertThat(core.calls).containsExactly("visitorHello h1");
        assertThat(core.helloVersion).isEqualTo(2);
        assertThat(channel.pipeline().get(WebSocketSessionHandler.HELLO_GATE)).isNull();

        send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"hi\"}");
        send("{\"type\":\"hello\",\"id\":\"h2\",\"version\":2,\"site\":\"demo\"}");
        assertThat(core.calls).containsExactly("visitorHello h1", "request m1", "request h2");
    }

    @Test
    void aHelloForASiteThatIsNotConfigured_isRefused_andClosed_withoutReachingTheCore() {
        assertThat(send("{\"type\":\"hello\",\"id\":\"h1\",\"version\":2,\"site\":\"elsewhere\"}"))
                .extracting(j -> j.path("code").asText())
                .containsExactly("unknown_site");
        assertThat(channel.isOpen()).isFalse();
        assertThat(core.calls).containsExactly("disconnected");
    }
}
