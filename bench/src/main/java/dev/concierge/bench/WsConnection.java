package dev.concierge.bench;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.concurrent.TimeUnit;

/** One open load-client WebSocket. {@link #send} may be called from any thread. */
final class WsConnection {
    private final Channel channel;

    WsConnection(Channel channel) {
        this.channel = channel;
    }

    /** Writes and flushes one text frame without waiting. */
    void send(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text), channel.voidPromise());
    }

    /**
     * Sends a frame again after a delay, scheduled on the connection's event loop: how clients
     * back off when the server answers {@code rate_limited}. Not a sleep; nothing waits.
     */
    void sendLater(String text, long delayMillis) {
        channel.eventLoop().schedule(() -> send(text), delayMillis, TimeUnit.MILLISECONDS);
    }

    /** The delay before resending after the {@code attempt}-th refusal: 50 ms doubling to 1 s. */
    static long backoffMillis(int attempt) {
        return Math.min(1000, 50L << Math.min(5, Math.max(0, attempt - 1)));
    }

    boolean isOpen() {
        return channel.isActive();
    }

    void close() {
        channel.close();
    }
}
