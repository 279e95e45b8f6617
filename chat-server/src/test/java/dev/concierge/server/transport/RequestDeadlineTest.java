package dev.concierge.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request deadline on a channel whose time the test moves: each complete HTTP request must
 * arrive within the deadline, counted from the open or the previous request; bytes trickling in
 * do not extend it; a connection that became a WebSocket is left alone.
 */
final class RequestDeadlineTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SECOND = Duration.ofSeconds(1);
    private EmbeddedChannel channel;
    private RequestDeadline deadline;

    @BeforeEach
    void open() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        deadline = new RequestDeadline(TIMEOUT);
        channel.pipeline().addLast(deadline);
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void advance(Duration d) {
        channel.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    private void request() {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/healthz");
        channel.writeInbound(request);
        FullHttpRequest passed = channel.readInbound();
        assertThat(passed).as("the request is passed on").isSameAs(request);
        passed.release();
    }

    @Test
    void aConnectionThatSendsNoRequest_isClosedAtTheDeadline() {
        advance(TIMEOUT.minus(SECOND));
        assertThat(channel.isOpen()).isTrue();
        advance(SECOND);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aTrickleOfBytes_doesNotExtendTheDeadline() {
        for (int i = 0; i < 9; i++) {
            advance(SECOND);
            channel.writeInbound(Unpooled.copiedBuffer("G", StandardCharsets.US_ASCII));
            ((ByteBuf) channel.readInbound()).release();
        }
        assertThat(channel.isOpen()).isTrue();
        advance(SECOND);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void eachCompleteRequest_getsADeadlineOfItsOwn() {
        advance(TIMEOUT.minus(SECOND));
        request();
        advance(TIMEOUT.minus(SECOND));
        assertThat(channel.isOpen()).as("counted from the previous request").isTrue();
        request();
        advance(TIMEOUT.minus(SECOND));
        assertThat(channel.isOpen()).isTrue();
        advance(SECOND);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aConnectionThatBecameAWebSocket_isLeftAlone() {
        request();
        channel.pipeline().remove(deadline); // as the session handler does after the upgrade
        advance(TIMEOUT.multipliedBy(3));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aDeadlineFallingAfterTheUpgrade_closesNothing() {
        channel.pipeline().addFirst(new WebSocketMark());
        advance(TIMEOUT.multipliedBy(3));
        assertThat(channel.isOpen()).isTrue();
    }

    /** Stands for the WebSocket frame encoder, which is in the pipeline once the upgrade is done. */
    private static final class WebSocketMark extends ChannelOutboundHandlerAdapter implements WebSocketFrameEncoder {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ctx.write(msg, promise);
        }
    }
}
