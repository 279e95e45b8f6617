package dev.concierge.server.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Holds back repeated warnings about one client address: the first in each {@link #WINDOW} is
 * written, saying how many like it were held back since the one before; the others are not. A
 * flood of refused requests thus costs a log line a minute per address, not one a request. The
 * addresses are kept in a bounded cache.
 */
final class AddressWarnings {
    /** At most one warning per address this often. */
    static final Duration WINDOW = Duration.ofMinutes(1);

    private final Ticker ticker;
    private final Cache<String, Window> windows;

    AddressWarnings(Ticker ticker) {
        this.ticker = ticker;
        this.windows = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterAccess(WINDOW.multipliedBy(10))
                .ticker(ticker)
                .executor(Runnable::run)
                .build();
    }

    /**
     * Whether to write a warning about {@code address} now: empty to hold it back, else how many
     * were held back since the last one written.
     */
    OptionalLong admit(String address) {
        long now = ticker.read();
        return windows.get(address, a -> new Window(now - WINDOW.toNanos())).next(now);
    }

    /** When the last warning was written, and how many were held back since. */
    private static final class Window {
        private long writtenAt;
        private long held;

        Window(long writtenAt) {
            this.writtenAt = writtenAt;
        }

        synchronized OptionalLong next(long now) {
            if (now - writtenAt < WINDOW.toNanos()) {
                held++;
                return OptionalLong.empty();
            }
            long before = held;
            writtenAt = now;
            held = 0;
            return OptionalLong.of(before);
        }
    }
}
