package dev.concierge.server;

import dev.concierge.protocol.ServerMessage;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;

/** A {@link Session} over a Netty channel; frames are JSON-encoded by {@link ServerMessageEncoder}. */
final class ChannelSession implements Session {
    private final Channel channel;

    ChannelSession(Channel channel) {
        this.channel = channel;
    }

    @Override
    public String id() {
        return channel.id().asShortText();
    }

    @Override
    public void send(ServerMessage message) {
        if (channel.isActive()) {
            channel.writeAndFlush(message, channel.voidPromise());
        }
    }

    @Override
    public void send(SharedFrame frame) {
        if (channel.isActive()) {
            channel.writeAndFlush(frame, channel.voidPromise());
        }
    }

    @Override
    public void close(int code, String reason) {
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The underlying channel, for the handler side (registries, attributes). */
    Channel channel() {
        return channel;
    }

    /** A channel attribute, or null. */
    <T> T channelAttr(io.netty.util.AttributeKey<T> key) {
        return channel.attr(key).get();
    }

    @Override
    public String toString() {
        return "session " + id();
    }
}
