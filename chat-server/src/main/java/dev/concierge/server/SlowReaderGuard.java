package dev.concierge.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slow readers: a peer that does not read makes its channel unwritable (the water marks are set
 * by {@link ServerInitializer}); if it stays so for too long, or its unsent bytes pass the cap,
 * the connection is closed instead of buffering without bound. No close frame: it could not get
 * past the full buffer anyway.
 */
final class SlowReaderGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(SlowReaderGuard.class);
    private final long maxPendingBytes;
    private final long unwritableNanos;
    private ScheduledFuture<?> check;

    SlowReaderGuard(long maxPendingBytes, Duration unwritableTimeout) {
        this.maxPendingBytes = maxPendingBytes;
        this.unwritableNanos = unwritableTimeout.toNanos();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        if (buffer != null && buffer.totalPendingWriteBytes() > maxPendingBytes) {
            log.warn("{}: peer does not read, {} bytes unsent; closing", ctx.channel().id().asShortText(),
                    buffer.totalPendingWriteBytes());
            io.netty.util.ReferenceCountUtil.release(msg);
            promise.tryFailure(new java.nio.channels.ClosedChannelException());
            ctx.close();
            return;
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (!ctx.channel().isWritable() && check == null) {
            check = ctx.executor().schedule(() -> {
                check = null;
                if (ctx.channel().isActive() && !ctx.channel().isWritable()) {
                    log.warn("{}: unwritable for too long, closing", ctx.channel().id().asShortText());
                    ctx.close();
                }
            }, unwritableNanos, TimeUnit.NANOSECONDS);
        } else if (ctx.channel().isWritable() && check != null) {
            check.cancel(false);
            check = null;
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (check != null) {
            check.cancel(false);
        }
        super.channelInactive(ctx);
    }
}
