package dev.concierge.server.attach;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.OptionalLong;

/**
 * How many uploads each visitor may start: {@code perWindow} in any {@code window} (a sliding
 * window over the times of their earlier uploads, from the injected ticker). In a cluster the
 * uploads other nodes admitted are {@link #charge charged} too, so the limit holds over every node.
 * Visitors who have not uploaded for a window are forgotten; at most {@link #MAX_VISITORS} are
 * remembered at once.
 */
final class UploadLimiter {
    static final long MAX_VISITORS = 100_000;

    private final int perWindow;
    private final long windowNanos;
    private final Ticker ticker;
    private final Cache<String, ArrayDeque<Long>> recent;

    UploadLimiter(int perWindow, Duration window, Ticker ticker) {
        this.perWindow = perWindow;
        this.windowNanos = window.toNanos();
        this.ticker = ticker;
        this.recent = Caffeine.newBuilder()
                .ticker(ticker)
                .expireAfterAccess(window)
                .maximumSize(MAX_VISITORS)
                .build();
    }

    /**
     * Counts an upload of {@code visitorId} and answers empty, or, when the visitor has used up the
     * window, counts nothing and answers how many seconds until the next upload is allowed.
     */
    OptionalLong admit(String visitorId) {
        long now = ticker.read();
        long[] wait = {0};
        recent.asMap().compute(visitorId, (id, times) -> {
            ArrayDeque<Long> t = times == null ? new ArrayDeque<>() : times;
            while (!t.isEmpty() && now - t.peekFirst() >= windowNanos) {
                t.pollFirst();
            }
            if (t.size() >= perWindow) {
                wait[0] = Math.max(1, (t.peekFirst() + windowNanos - now + 999_999_999L) / 1_000_000_000L);
            } else {
                t.addLast(now);
            }
            return t;
        });
        return wait[0] > 0 ? OptionalLong.of(wait[0]) : OptionalLong.empty();
    }

    /**
     * Counts an upload of {@code visitorId} another node admitted, now, whatever the window holds;
     * only the latest {@code perWindow} are kept, which are all that decide the next wait.
     */
    void charge(String visitorId) {
        long now = ticker.read();
        recent.asMap().compute(visitorId, (id, times) -> {
            ArrayDeque<Long> t = times == null ? new ArrayDeque<>() : times;
            t.addLast(now);
            while (!t.isEmpty() && (t.size() > perWindow || now - t.peekFirst() >= windowNanos)) {
                t.pollFirst();
            }
            return t;
        });
    }
}
