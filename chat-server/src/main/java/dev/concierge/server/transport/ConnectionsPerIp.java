package dev.concierge.server.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts open connections per remote address and in all; one over either limit is answered
 * with HTTP 429 and closed before any of its bytes are parsed. The total cap keeps many
 * addresses together (an IPv6 /64 holds more than anyone could list) from exhausting the
 * process's file descriptors and heap. Shared by every channel.
 */
@Sharable
final class ConnectionsPerIp extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionsPerIp.class);
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("concierge.countedAddress");
    private static final byte[] TOO_MANY = ("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 32\r\nConnection: close\r\n\r\n{\"error\":\"too_many_connections\"}")
            .getBytes(StandardCharsets.US_ASCII);

    private final int max;
    private final int maxTotal;
    private final ConcurrentMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    ConnectionsPerIp(int max, int maxTotal) {
        this.max = max;
        this.maxTotal = maxTotal;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            log.warn(
                    "{}: connection refused, {} already open in all",
                    ctx.channel().id().asShortText(),
                    maxTotal);
            refuse(ctx);
            return;
        }
        int count = open.merge(address, 1, Integer::sum);
        if (count > max) {
            release(address);
            log.warn(
                    "{}: connection refused, {} already open from one address",
                    ctx.channel().id().asShortText(),
                    max);
            refuse(ctx);
            return;
        }
        ctx.channel().attr(COUNTED).set(address);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = ctx.channel().attr(COUNTED).getAndSet(null);
        if (address != null) {
            release(address);
            super.channelInactive(ctx);
        }
    }

    private static void refuse(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY)).addListener(ChannelFutureListener.CLOSE);
    }

    private void release(InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        total.decrementAndGet();
    }
}
