package dev.concierge.server.transport;

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
 * by {@link ServerInitializer}). While it is, every {@code stall} the guard looks at how many
 * bytes reached the socket since it last looked; a connection with bytes waiting that made no
 * write progress for that long is closed. A peer that reads, however slowly, is never closed for
 * being slow: only the hard cap on unsent bytes, far above any frame the server sends (frames are
 * bounded, {@code routing.FrameBounds}), ends a connection that keeps falling further behind. No close
 * frame: it could not get past the full buffer anyway.
 */
final class SlowReaderGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(SlowReaderGuard.class);
    private final long maxPendingBytes;
    private final long stallNanos;
    /**
     * What writes through this handler added to the channel's outbound buffer since it opened, as
     * the buffer counts it (bytes and its per-message overhead).
     */
    private long queued;
    /** {@link #written} when the guard last looked. */
    private long writtenAtCheck;
    /** Inside {@link #write}, whose addition to the buffer is counted only when it returns. */
    private boolean writing;
    /** The channel became unwritable inside {@link #write}: take the baseline when it returns. */
    private boolean baselineAfterWrite;

    private ScheduledFuture<?> check;

    /**
     * @param maxPendingBytes the hard cap: a write finding more unsent bytes than this closes the connection
     * @param stall           how long an unwritable connection may go without any write progress
     */
    SlowReaderGuard(long maxPendingBytes, Duration stall) {
        this.maxPendingBytes = maxPendingBytes;
        this.stallNanos = stall.toNanos();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        long pending = pending(ctx);
        if (pending > maxPendingBytes) {
            log.warn(
                    "{}: peer is {} bytes behind, over the cap; closing",
                    ctx.channel().id().asShortText(),
                    pending);
            io.netty.util.ReferenceCountUtil.release(msg);
            promise.tryFailure(new java.nio.channels.ClosedChannelException());
            ctx.close();
            return;
        }
        writing = true;
        try {
            super.write(ctx, msg, promise);
        } finally {
            writing = false;
            queued += Math.max(0, pending(ctx) - pending);
        }
        if (baselineAfterWrite) {
            baselineAfterWrite = false;
            writtenAtCheck = written(ctx);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (!ctx.channel().isWritable() && check == null) {
            if (writing) {
                baselineAfterWrite = true;
            } else {
                writtenAtCheck = written(ctx);
            }
            schedule(ctx);
        } else if (ctx.channel().isWritable() && check != null) {
            check.cancel(false);
            check = null;
        }
        super.channelWritabilityChanged(ctx);
    }

    private void schedule(ChannelHandlerContext ctx) {
        check = ctx.executor().schedule(() -> look(ctx), stallNanos, TimeUnit.NANOSECONDS);
    }

    /** Still unwritable: closes the connection if nothing was written since the last look. */
    private void look(ChannelHandlerContext ctx) {
        check = null;
        if (!ctx.channel().isActive() || ctx.channel().isWritable()) {
            return;
        }
        long written = written(ctx);
        if (written > writtenAtCheck) {
            writtenAtCheck = written; // the peer reads: keep going
            schedule(ctx);
            return;
        }
        log.warn(
                "{}: peer read nothing for {} ms with {} bytes waiting; closing",
                ctx.channel().id().asShortText(),
                TimeUnit.NANOSECONDS.toMillis(stallNanos),
                pending(ctx));
        ctx.close();
    }

    /** What left the outbound buffer (written to the socket) so far, as the buffer counts it. */
    private long written(ChannelHandlerContext ctx) {
        return queued - pending(ctx);
    }

    private static long pending(ChannelHandlerContext ctx) {
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
        super.channelInactive(ctx);
    }
}
