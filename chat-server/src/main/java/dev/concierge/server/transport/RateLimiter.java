package dev.concierge.server.transport;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Messages per second per connection: a token bucket per channel, held by the channel's own
 * handler (so it goes when the connection goes, and taking a token touches nothing shared). Also
 * tells when a connection floods: more than ten times the rate, second after second, for
 * {@code floodCloseAfter}.
 */
final class RateLimiter {
    /** What to do with one message. */
    enum Verdict {
        ALLOW,
        REJECT,
        CLOSE
    }

    private final double perSecond;
    private final int burst;
    private final long floodNanos;
    private final LongSupplier nanoTime;

    /**
     * @param nanoTime the clock, {@link System#nanoTime} outside tests
     */
    RateLimiter(int perSecond, int burst, Duration floodCloseAfter, LongSupplier nanoTime) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.floodNanos = floodCloseAfter.toNanos();
        this.nanoTime = nanoTime;
    }

    /** A full bucket for a new connection. */
    Bucket bucket() {
        return new Bucket(burst, nanoTime.getAsLong());
    }

    /** One connection's tokens. Not thread-safe: used on the channel's event loop only. */
    final class Bucket {
        private double tokens;
        private long refilledAt;
        private long windowStart;
        private int rejectedInWindow;
        private long floodingSince = -1;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
            this.windowStart = now;
        }

        /** Takes a token for one message. */
        Verdict take() {
            long now = nanoTime.getAsLong();
            tokens = Math.min(burst, tokens + (now - refilledAt) * perSecond / 1e9);
            refilledAt = now;
            if (now - windowStart >= 1_000_000_000L) {
                boolean floodedLastWindow = rejectedInWindow > 10 * perSecond;
                long windows = (now - windowStart) / 1_000_000_000L;
                if (!floodedLastWindow || windows > 1) {
                    floodingSince = -1; // a quiet second ends the flood
                }
                windowStart += windows * 1_000_000_000L;
                rejectedInWindow = 0;
            }
            if (tokens >= 1) {
                tokens -= 1;
                return Verdict.ALLOW;
            }
            rejectedInWindow++;
            if (rejectedInWindow > 10 * perSecond) {
                if (floodingSince < 0) {
                    floodingSince = windowStart;
                }
                if (now - floodingSince >= floodNanos) {
                    return Verdict.CLOSE;
                }
            }
            return Verdict.REJECT;
        }
    }
}
