package dev.concierge.server.transport;

import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.attach.LingeringClose;
import dev.concierge.server.routing.Session;
import dev.concierge.server.routing.SharedFrame;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Session} over a Netty channel; frames are JSON-encoded by {@link ServerMessageEncoder}.
 * Frames sent from other threads (the router) are queued and written by one task on the channel's
 * event loop with a single flush, so an ack and an event for the same socket cost one wakeup
 * instead of one task, one wakeup and one flush each; order is kept.
 */
final class ChannelSession implements Session {
    /** How long a socket closed while its peer keeps sending is still read (and dropped). */
    static final long LINGER_MILLIS = 2_000;

    private final Channel channel;
    // A linked queue: empty it costs a few bytes, where an array-backed MPSC queue costs kilobytes per
    // idle socket (10,000 idle visitors are a bench target).
    private final Queue<Object> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile int version = 1;

    ChannelSession(Channel channel) {
        this.channel = channel;
    }

    @Override
    public String id() {
        return channel.id().asShortText();
    }

    @Override
    public void send(ServerMessage message) {
        enqueue(message);
    }

    @Override
    public void send(SharedFrame frame) {
        enqueue(frame);
    }

    @Override
    public void sendEncoded(byte[] json) {
        enqueue(new TextWebSocketFrame(Unpooled.wrappedBuffer(json))); // past the encoder untouched
    }

    private void enqueue(Object frame) {
        if (!channel.isActive()) {
            return;
        }
        pending.add(frame);
        if (channel.eventLoop().inEventLoop()) {
            drain();
        } else if (scheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::drain);
        }
    }

    /** Writes everything queued, then flushes once. Event loop only. */
    private void drain() {
        scheduled.set(false); // a frame queued from now on schedules another drain
        boolean wrote = false;
        Object frame;
        while ((frame = pending.poll()) != null) {
            if (channel.isActive()) {
                channel.write(frame, channel.voidPromise());
                wrote = true;
            }
        }
        if (wrote) {
            channel.flush();
        }
    }

    @Override
    public int version() {
        return version;
    }

    @Override
    public void version(int version) {
        this.version = version;
    }

    @Override
    public void close(int code, String reason) {
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Closes a socket whose peer is still sending (a flood): the close frame goes out with the
     * end of our side of the stream, and the socket closes once the peer has closed too, or after
     * {@link #LINGER_MILLIS}. Closing at once with the peer's frames unread makes the kernel
     * answer with a reset, which can reach the peer before the close frame it was sent: the peer
     * then sees "connection reset" instead of the close code ({@link LingeringClose}). The caller
     * drops what is still read.
     */
    void closeWhileReceiving(int code, String reason) {
        if (!channel.isActive()) {
            return;
        }
        LingeringClose.after(
                channel.writeAndFlush(new CloseWebSocketFrame(code, reason)), Duration.ofMillis(LINGER_MILLIS));
    }

    /** The underlying channel, for the handler side (registries, attributes). */
    Channel channel() {
        return channel;
    }

    /** A channel attribute, or null. */
    <T> T channelAttr(AttributeKey<T> key) {
        return channel.attr(key).get();
    }

    @Override
    public String toString() {
        return "session " + id();
    }
}
