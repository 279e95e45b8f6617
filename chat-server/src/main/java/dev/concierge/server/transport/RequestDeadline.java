package dev.concierge.server.transport;

import dev.concierge.server.attach.UploadHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slowloris: a connection must deliver each complete HTTP request (the WebSocket handshake
 * included) within the deadline, counted from when it opened or from its previous request;
 * a trickle of bytes does not extend it. A connection that became a WebSocket is left alone, and
 * so is an upload while its body streams: {@link UploadHandler} keeps a deadline of its own.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestDeadline.class);
    private final long timeoutNanos;
    private ScheduledFuture<?> deadline;

    RequestDeadline(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (deadline == null) {
            arm(ctx);
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof FullHttpRequest) {
            disarm();
            if (ctx.channel().isActive()) {
                arm(ctx); // the next request on a keep-alive connection gets its own deadline
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == UploadHandler.BodyStreaming.STARTED) {
            disarm();
        } else if (evt == UploadHandler.BodyStreaming.ENDED && ctx.channel().isActive()) {
            disarm();
            arm(ctx); // the next request on the connection gets its own deadline
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm(); // the connection became a WebSocket: no more requests to time
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    private void arm(ChannelHandlerContext ctx) {
        deadline = ctx.executor()
                .schedule(
                        () -> {
                            if (ctx.pipeline().get(WebSocketFrameEncoder.class) != null) {
                                return;
                            }
                            log.info(
                                    "{}: HTTP request not complete in time, closing",
                                    ctx.channel().id().asShortText());
                            ctx.close();
                        },
                        timeoutNanos,
                        TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
