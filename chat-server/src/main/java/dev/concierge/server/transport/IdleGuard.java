package dev.concierge.server.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idle connections: a WebSocket that has sent nothing for {@code pingAfter} gets a ping, and is
 * closed (1001) if nothing, not even the pong, arrives before {@code closeAfter}. An idle plain
 * HTTP connection is simply closed. Sits near the head, so every byte read counts as life.
 *
 * <p>The time of the last read comes from the injected clock (Netty's {@code IdleStateHandler}
 * reads {@code System.nanoTime()} itself, so a test could not move it); the checks are scheduled
 * on the channel's event loop, every {@code pingAfter} at most.
 */
final class IdleGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(IdleGuard.class);
    private final long pingAfterNanos;
    private final long closeDelayNanos;
    private final LongSupplier nanoTime;
    private long lastRead;
    private ScheduledFuture<?> check;
    private ScheduledFuture<?> closing;
    private boolean stopped;

    /**
     * @param nanoTime the clock for the last read, {@link System#nanoTime} outside tests
     */
    IdleGuard(Duration pingAfter, Duration closeAfter, LongSupplier nanoTime) {
        this.pingAfterNanos = pingAfter.toNanos();
        this.closeDelayNanos = closeAfter.minus(pingAfter).toNanos();
        this.nanoTime = nanoTime;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        lastRead = nanoTime.getAsLong();
        if (closing != null) {
            closing.cancel(false);
            closing = null;
        }
        super.channelRead(ctx, msg);
    }

    private void start(ChannelHandlerContext ctx) {
        if (check != null || stopped) {
            return;
        }
        lastRead = nanoTime.getAsLong();
        schedule(ctx, pingAfterNanos);
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        check = ctx.executor().schedule(() -> look(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Due: idle for {@code pingAfter} since the last read, or looks again when it will be. */
    private void look(ChannelHandlerContext ctx) {
        check = null;
        if (stopped || !ctx.channel().isOpen()) {
            return;
        }
        long idle = nanoTime.getAsLong() - lastRead;
        if (idle < pingAfterNanos) {
            schedule(ctx, pingAfterNanos - idle);
            return;
        }
        schedule(ctx, pingAfterNanos);
        idle(ctx);
    }

    private void idle(ChannelHandlerContext ctx) {
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
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void stop() {
        stopped = true;
        if (check != null) {
            check.cancel(false);
            check = null;
        }
        if (closing != null) {
            closing.cancel(false);
            closing = null;
        }
    }
}
