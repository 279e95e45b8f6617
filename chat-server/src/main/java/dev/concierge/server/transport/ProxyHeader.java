package dev.concierge.server.transport;

import dev.concierge.server.http.ClientAddress;
import dev.concierge.server.support.LogSafe;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a connection from a trusted proxy only: takes the PROXY protocol header (v1 or v2, decoded by
 * the {@link HAProxyMessageDecoder} just before it), records the client's address it names
 * ({@link ClientAddress}), and leaves the pipeline together with the decoder. Only then does the
 * rest of the pipeline see the connection open ({@code channelActive}), so that the connection
 * caps count the client, not the proxy. A {@code LOCAL} header (the proxy's own health check) or
 * one without an IP address keeps the peer's address. A connection without a valid header is
 * closed (the decoder closes it; the request deadline closes one that sends nothing).
 */
final class ProxyHeader extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProxyHeader.class);

    /** Whether the connection already failed (the decoder may report a bad header twice). */
    private boolean failed;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Held back until the header names the client: see channelRead.
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ReferenceCountUtil.release(msg); // cannot happen: the decoder passes on only its header
            ctx.close();
            return;
        }
        try {
            SocketAddress peer = ctx.channel().remoteAddress();
            InetSocketAddress client = client(header);
            if (client != null) {
                ClientAddress.proxied(ctx.channel(), client);
            }
            log.debug(
                    "{}: PROXY {} from {} for {}",
                    ctx.channel().id().asShortText(),
                    header.command(),
                    peer,
                    ClientAddress.of(ctx.channel()));
        } finally {
            header.release();
        }
        // The decoder removes itself after this returns and hands on what followed the header.
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failed) {
            return;
        }
        failed = true;
        if (cause instanceof HAProxyProtocolException) {
            log.warn(
                    "{}: connection from trusted proxy {} without a valid PROXY protocol header ({}), closing",
                    ctx.channel().id().asShortText(),
                    ctx.channel().remoteAddress(),
                    LogSafe.text(cause.getMessage()));
        } else {
            log.warn(
                    "{}: closing before the PROXY protocol header after error: {}",
                    ctx.channel().id().asShortText(),
                    LogSafe.text(cause.toString()));
        }
        ctx.close();
    }

    /** The client the header names; null for a health check or a client without an IP address. */
    private static InetSocketAddress client(HAProxyMessage header) {
        if (header.command() != HAProxyCommand.PROXY) {
            return null;
        }
        return switch (header.proxiedProtocol()) {
            case TCP4, TCP6, UDP4, UDP6 -> {
                InetAddress address = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
                yield address == null ? null : new InetSocketAddress(address, header.sourcePort());
            }
            default -> null;
        };
    }
}
