package dev.concierge.server.transport;

import dev.concierge.server.cluster.ClusterNode;
import dev.concierge.server.http.ClientAddress;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts open connections per client address and in all; one over either limit is answered
 * with HTTP 429 and closed before any of its bytes are parsed. The total cap keeps many
 * addresses together (an IPv6 /64 holds more than anyone could list) from exhausting the
 * process's file descriptors and heap. Shared by every channel.
 *
 * <p>The client's address is {@link ClientAddress}'s: behind a trusted proxy, the one its PROXY
 * protocol header named, which is why a connection from a proxy is counted once that header is
 * read (the {@link ProxyHeader} holds {@code channelActive} back until then).
 *
 * <p>On a cluster node the per-address limit counts the connections open on the other nodes too,
 * as this node last heard of them ({@link ClusterNode.Connections}); the total limit stays this
 * process's own (it protects its memory and file descriptors).
 */
@Sharable
final class ConnectionsPerIp extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionsPerIp.class);
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("concierge.countedAddress");
    private static final byte[] TOO_MANY = ("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 32\r\nConnection: close\r\n\r\n{\"error\":\"too_many_connections\"}")
            .getBytes(StandardCharsets.US_ASCII);

    private static final Discard DISCARD = new Discard();

    private final int max;
    private final int maxTotal;
    private final ConcurrentMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private volatile ClusterNode.Connections elsewhere = ClusterNode.Connections.NONE;

    ConnectionsPerIp(int max, int maxTotal) {
        this.max = max;
        this.maxTotal = maxTotal;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = ((InetSocketAddress) ClientAddress.of(ctx.channel())).getAddress();
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            log.warn(
                    "{}: connection from {} refused, {} already open in all",
                    ctx.channel().id().asShortText(),
                    address.getHostAddress(),
                    maxTotal);
            refuse(ctx);
            return;
        }
        int count = open.merge(address, 1, Integer::sum);
        if (count > max || count + elsewhere.openElsewhere(address) > max) {
            release(address);
            log.warn(
                    "{}: connection from {} refused, {} already open from that address",
                    ctx.channel().id().asShortText(),
                    address.getHostAddress(),
                    max);
            refuse(ctx);
            return;
        }
        ctx.channel().attr(COUNTED).set(address);
        elsewhere.opened(address);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = ctx.channel().attr(COUNTED).getAndSet(null);
        if (address != null) {
            release(address);
            elsewhere.closed(address);
            super.channelInactive(ctx);
        }
    }

    private static void refuse(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        // Bytes already read (those that followed a PROXY protocol header) go nowhere.
        ctx.pipeline().addAfter(ctx.name(), "refused", DISCARD);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY)).addListener(ChannelFutureListener.CLOSE);
    }

    /** Drops what a refused connection sent, and its events: the handlers after it never saw it open. */
    @Sharable
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {}

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Counts the connections open on the other nodes of a cluster too, from now on. */
    void share(ClusterNode.Connections elsewhere) {
        this.elsewhere = elsewhere;
    }

    /** The connections open here, by address. */
    Map<InetAddress, Integer> openHere() {
        return Collections.unmodifiableMap(open);
    }

    private void release(InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        total.decrementAndGet();
    }
}
