package dev.concierge.server.transport;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ProtocolException;
import dev.concierge.server.auth.SecurityConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fuzz target of {@link DecodingFuzzTest}: raw bytes through the server's frame decoding
 * (decoder, UTF-8 validator, aggregator, with the server's limits), then each text through
 * {@link ProtocolCodec#decodeClient} and the session handler. Allowed outcomes: a protocol
 * violation of the frame layer, a {@link ProtocolException} of the codec, and for every text
 * frame exactly one answer frame. Anything else is a finding. Public only because Jazzer's
 * launcher calls {@link #fuzzerInitialize} reflectively.
 */
public final class DecodingFuzzTarget {
    private static final ProtocolCodec CODEC = ProtocolCodec.create();
    private static final int LIMIT = 64 * 1024;
    private static final SecurityConfig SECURITY = new SecurityConfig(
            LIMIT,
            8192,
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            Duration.ofSeconds(75),
            50,
            20_000,
            Duration.ofSeconds(10),
            1_000_000,
            1_000_000,
            Duration.ofHours(1),
            32 * 1024,
            64 * 1024,
            1024 * 1024,
            Duration.ofSeconds(15),
            false,
            List.of(),
            Map.of(),
            Optional.empty(),
            List.of());
    private static final RateLimiter LIMITER =
            new RateLimiter(1_000_000, 1_000_000, Duration.ofHours(1), System::nanoTime);

    private DecodingFuzzTarget() {}

    /**
     * Called by Jazzer once before fuzzing: loads (and so instruments) the classes on the path,
     * so that the time budget goes to fuzzing rather than to instrumentation.
     */
    public static void fuzzerInitialize() {
        text("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"hi\"}");
        text("{\"type\":\"history\",\"id\":\"h1\",\"conversationId\":\"c_1\",\"afterSeq\":0}");
        text("{\"type\":");
        frames(new byte[] {(byte) 0x81, (byte) 0x82, 0, 0, 0, 0, '{', '}'});
        frames(new byte[] {(byte) 0x01, (byte) 0x81, 0, 0, 0, 0, 'a', (byte) 0x80, (byte) 0x81, 0, 0, 0, 0, 'b'});
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        if (data.consumeBoolean()) {
            frames(data.consumeRemainingAsBytes());
        } else {
            text(data.consumeRemainingAsString());
        }
    }

    static void frames(byte[] bytes) {
        EmbeddedChannel channel = new EmbeddedChannel(
                new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                        .expectMaskedFrames(true)
                        .maxFramePayloadLength(LIMIT)
                        .allowExtensions(false)
                        .closeOnProtocolViolation(false)
                        .build()),
                new Utf8FrameValidator(false),
                new WebSocketFrameAggregator(LIMIT));
        List<String> texts = new ArrayList<>();
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        } catch (CorruptedWebSocketFrameException | TooLongFrameException expected) {
            // a protocol violation: the server closes with its code
        } catch (DecoderException e) {
            if (!(e.getCause() instanceof CorruptedWebSocketFrameException)) {
                throw e;
            }
        }
        Object frame;
        while ((frame = channel.readInbound()) != null) {
            if (frame instanceof TextWebSocketFrame t) {
                texts.add(t.text());
            }
            ReferenceCountUtil.release(frame);
        }
        try {
            channel.finishAndReleaseAll();
        } catch (PrematureChannelClosureException expected) {
            // closed in the middle of a fragmented message: the server just drops it
        }
        texts.forEach(DecodingFuzzTarget::text);
    }

    static void text(String json) {
        ClientMessage message = null;
        try {
            message = CODEC.decodeClient(json);
        } catch (ProtocolException expected) {
            // answered with an error frame
        }
        if (message instanceof ClientMessage.Hello) {
            return; // a hello goes to the router's own thread: not for an EmbeddedChannel
        }
        EmbeddedChannel channel = new EmbeddedChannel(
                new ServerMessageEncoder(CODEC),
                new WebSocketSessionHandler(
                        CODEC,
                        null,
                        null,
                        new DefaultChannelGroup(GlobalEventExecutor.INSTANCE),
                        LIMITER,
                        new AgentSockets(),
                        new OriginCheck(SECURITY),
                        Duration.ofSeconds(10)));
        channel.pipeline().fireUserEventTriggered(new HandshakeComplete("/ws/visitor", new DefaultHttpHeaders(), null));
        channel.writeInbound(new TextWebSocketFrame(json));
        channel.checkException();
        Object answer = channel.readOutbound();
        if (!(answer instanceof TextWebSocketFrame)) {
            throw new IllegalStateException("no answer frame for a text frame of " + json.length() + " chars");
        }
        ReferenceCountUtil.release(answer);
        // Not closed on purpose: closing would tell the (absent) router about it.
        while ((answer = channel.readOutbound()) != null) {
            ReferenceCountUtil.release(answer);
        }
    }
}
