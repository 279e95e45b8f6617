package dev.concierge.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.channel.ChannelId;
import java.time.Duration;

/**
 * Messages per second per connection: a token bucket per channel, kept in a Caffeine cache that
 * forgets buckets of closed connections. Also tells when a connection floods: more than ten times
 * the rate, second after second, for {@code floodCloseAfter}.
 */
final class RateLimiter {
    /** What to do with one message. */
    enum Verdict { ALLOW, REJECT, CLOSE }

    private final double perSecond;
    private final int burst;
    private final long floodNanos;
    private final Ticker ticker;
    private final Cache<ChannelId, Bucket> buckets;

    RateLimiter(int perSecond, int burst, Duration floodCloseAfter, Ticker ticker) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.floodNanos = floodCloseAfter.toNanos();
        this.ticker = ticker;
        this.buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).ticker(ticker).build();
    }

    /** Takes a token for one message of this channel. Called on the channel's event loop. */
    Verdict take(ChannelId channel) {
        long now = ticker.read();
        Bucket b = buckets.get(channel, id -> new Bucket(burst, now));
        return b.take(now);
    }

    /** Forgets a closed channel. */
    void forget(ChannelId channel) {
        buckets.invalidate(channel);
    }

    private final class Bucket {
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

        synchronized Verdict take(long now) {
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
