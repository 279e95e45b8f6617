package dev.concierge.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The slow-reader guard on a channel whose time the test moves: a socket with bytes waiting that
 * wrote nothing for the stall time is closed; one that wrote something, however little, is not;
 * the hard cap still closes a socket that falls too far behind.
 */
final class SlowReaderGuardTest {
    private static final Duration STALL = Duration.ofSeconds(15);
    private EmbeddedChannel channel;

    @BeforeEach
    void open() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        channel.pipeline().addLast(new SlowReaderGuard(1000, STALL));
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    /** Queues bytes the peer has not taken (written, not sent). */
    private ChannelFuture pending(int bytes) {
        return channel.write(Unpooled.wrappedBuffer(new byte[bytes]));
    }

    /** The peer takes the oldest waiting write: it leaves the outbound buffer. */
    private void peerTakesOne() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        buffer.addFlush();
        buffer.remove();
    }

    private void advance(Duration d) {
        channel.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void aSocketThatWritesNothingForTheStallTime_isClosed() {
        pending(10);
        pending(10);
        assertThat(channel.isWritable()).isFalse();
        advance(STALL.minusSeconds(1));
        assertThat(channel.isOpen()).isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aSocketWhosePeerReads_stillBehind_staysOpen_untilItStopsReading() {
        for (int i = 0; i < 5; i++) {
            pending(10);
        }
        for (int round = 0; round < 3; round++) {
            advance(STALL.minusSeconds(1));
            peerTakesOne(); // a little progress in every period
            pending(10); // and the server keeps writing: it never catches up
            advance(Duration.ofSeconds(1));
            assertThat(channel.isWritable()).isFalse();
            assertThat(channel.isOpen()).as("round %d", round).isTrue();
        }
        advance(STALL); // one period without progress
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aSocketThatCatchesUp_isNotClosedLater() {
        pending(10);
        pending(10);
        channel.flush(); // everything sent: writable again
        assertThat(channel.isWritable()).isTrue();
        advance(STALL.multipliedBy(3));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aWriteFindingMoreThanTheCapUnsent_closesTheSocket() {
        pending(1001);
        ChannelFuture over = pending(10);
        assertThat(over.isSuccess()).isFalse();
        assertThat(channel.isOpen()).isFalse();
    }
}
