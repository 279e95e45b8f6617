package dev.concierge.server.http;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The address of the client at the other end of a connection, the one every per-address limit,
 * throttle and log line uses: the peer's address, or, on a connection from a trusted proxy, the
 * client's address the proxy sent in its PROXY protocol header. Read it here, never from
 * {@code channel.remoteAddress()}.
 */
public final class ClientAddress {
    private static final AttributeKey<InetSocketAddress> PROXIED = AttributeKey.valueOf("concierge.clientAddress");

    private ClientAddress() {}

    /** The client's address: the one a trusted proxy named, else the peer's. */
    public static SocketAddress of(Channel channel) {
        InetSocketAddress proxied = channel.attr(PROXIED).get();
        return proxied != null ? proxied : channel.remoteAddress();
    }

    /** The client's IP address as text ({@code 203.0.113.7}, {@code 2001:db8::7}), for throttles and logs. */
    public static String host(Channel channel) {
        SocketAddress address = of(channel);
        return address instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress()
                : String.valueOf(address);
    }

    /** Records the client's address a trusted proxy sent for this connection (before anything reads it). */
    public static void proxied(Channel channel, InetSocketAddress client) {
        channel.attr(PROXIED).set(client);
    }
}
