package dev.concierge.server.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idle connections: a WebSocket that has sent nothing for {@code pingAfter} gets a ping, and is
 * closed (1001) if nothing, not even the pong, arrives before {@code closeAfter}. An idle plain
 * HTTP connection is simply closed. Sits near the head, so every byte read counts as life.
 */
final class IdleGuard extends IdleStateHandler {
    private static final Logger log = LoggerFactory.getLogger(IdleGuard.class);
    private final long closeDelayNanos;
    private ScheduledFuture<?> closing;

    IdleGuard(Duration pingAfter, Duration closeAfter) {
        super(pingAfter.toNanos(), 0, 0, TimeUnit.NANOSECONDS);
        this.closeDelayNanos = closeAfter.minus(pingAfter).toNanos();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (closing != null) {
            closing.cancel(false);
            closing = null;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (evt.state() != IdleState.READER_IDLE) {
            return;
        }
        if (ctx.pipeline().get(WebSocketFrameEncoder.class) == null) {
            log.info("{}: idle HTTP connection closed", ctx.channel().id().asShortText());
            ctx.close();
            return;
        }
        if (closing != null) {
            return;
        }
        ctx.channel().writeAndFlush(new PingWebSocketFrame());
        closing = ctx.executor()
                .schedule(
                        () -> {
                            log.info(
                                    "{}: no answer to ping, closing",
                                    ctx.channel().id().asShortText());
                            ctx.channel()
                                    .writeAndFlush(new CloseWebSocketFrame(
                                            WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(), "idle"))
                                    .addListener(ChannelFutureListener.CLOSE);
                        },
                        closeDelayNanos,
                        TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (closing != null) {
            closing.cancel(false);
        }
        super.channelInactive(ctx);
    }
}
