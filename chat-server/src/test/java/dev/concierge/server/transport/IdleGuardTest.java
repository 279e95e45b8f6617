package dev.concierge.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The idle guard on a channel whose time the test moves (the guard's clock and the event loop's
 * together): an idle HTTP connection is closed, an idle WebSocket is pinged and then closed with
 * 1001 unless something arrives, and reads keep a connection alive.
 */
final class IdleGuardTest {
    private static final Duration PING_AFTER = Duration.ofSeconds(30);
    private static final Duration CLOSE_AFTER = Duration.ofSeconds(75);
    private static final Duration SECOND = Duration.ofSeconds(1);
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private EmbeddedChannel channel;

    /** Stands for the WebSocket frame encoder, which is in the pipeline once the upgrade is done. */
    private static final class WebSocketMark extends ChannelOutboundHandlerAdapter implements WebSocketFrameEncoder {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ctx.write(msg, promise);
        }
    }

    private void open(boolean webSocket) {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        if (webSocket) {
            channel.pipeline().addLast(new WebSocketMark());
        }
        channel.pipeline().addLast(new IdleGuard(PING_AFTER, CLOSE_AFTER, nanos::get));
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
        channel.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    /** Something from the peer: a pong here, any byte in the real pipeline. */
    private void peerSends() {
        channel.writeInbound(new PongWebSocketFrame());
        ReferenceCountUtil.release(channel.readInbound());
    }

    @Test
    void idleHttpConnection_isClosedAfterThePingTime() {
        open(false);
        advance(PING_AFTER.minus(SECOND));
        assertThat(channel.isOpen()).isTrue();
        advance(SECOND);
        assertThat(channel.isOpen()).isFalse();
        assertThat(channel.<Object>readOutbound()).as("no ping for plain HTTP").isNull();
    }

    @Test
    void idleVisitor_isPingedThenClosedWith1001AfterTheLimit() {
        open(true);
        advance(PING_AFTER.minus(SECOND));
        assertThat(channel.<Object>readOutbound()).isNull();
        advance(SECOND);
        Object ping = channel.readOutbound();
        assertThat(ping).isInstanceOf(PingWebSocketFrame.class);
        ReferenceCountUtil.release(ping);
        advance(CLOSE_AFTER.minus(PING_AFTER).minus(SECOND));
        assertThat(channel.isOpen()).isTrue();
        assertThat(channel.<Object>readOutbound()).isNull();
        advance(SECOND);
        CloseWebSocketFrame close = channel.readOutbound();
        assertThat(close.statusCode()).isEqualTo(1001);
        assertThat(close.reasonText()).isEqualTo("idle");
        close.release();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aVisitorWhoAnswersThePing_staysOpen_andIsPingedAgainAfterTheNextSilence() {
        open(true);
        advance(PING_AFTER);
        ReferenceCountUtil.release(channel.readOutbound()); // the ping
        advance(SECOND);
        peerSends(); // the pong
        advance(CLOSE_AFTER);
        assertThat(channel.isOpen()).isTrue();
        Object next = channel.readOutbound();
        assertThat(next).as("a second ping, no close").isInstanceOf(PingWebSocketFrame.class);
        ReferenceCountUtil.release(next);
    }

    @Test
    void aVisitorThatKeepsTalking_isNeverPinged() {
        open(true);
        for (int i = 0; i < 10; i++) {
            advance(PING_AFTER.minus(SECOND));
            peerSends();
        }
        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(channel.isOpen()).isTrue();
    }
}
