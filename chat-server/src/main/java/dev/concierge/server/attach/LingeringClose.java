package dev.concierge.server.attach;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose peer is still sending, the way web servers' "lingering close" does:
 * the last message out, then the end of our side of the stream (FIN), then the connection stays
 * open for at most a grace period while the caller drops what is still read, and closes once the
 * peer has closed too or the period is over. Closing at once with the peer's bytes unread makes
 * the kernel answer with a reset, which can reach the peer before the message it was sent (a
 * WebSocket close code, an HTTP refusal): the peer then sees only "connection reset".
 */
public final class LingeringClose {
    private LingeringClose() {}

    /**
     * Once {@code written} (the last message) is out, ends the output and closes after {@code
     * grace}; closes at once if the write failed or the channel cannot half-close. Reading is
     * resumed, so that the peer's bytes are taken in (and dropped by the caller) rather than left to
     * fill the window.
     */
    public static void after(ChannelFuture written, Duration grace) {
        written.addListener(f -> {
            Channel channel = written.channel();
            if (f.isSuccess() && channel.isActive() && channel instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
                channel.config().setAutoRead(true);
                channel.eventLoop()
                        .schedule(
                                () -> {
                                    channel.close(); // a block: a bare channel::close would also match
                                    // schedule(Callable)
                                },
                                grace.toMillis(),
                                TimeUnit.MILLISECONDS);
            } else {
                channel.close();
            }
        });
    }
}
