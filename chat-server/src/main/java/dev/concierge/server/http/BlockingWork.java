package dev.concierge.server.http;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The pools that run the HTTP work too slow for an event loop, one per purpose, each with a
 * bounded queue, so that one kind of request cannot hold up another: a flood of sign-ins
 * (PBKDF2, tens of milliseconds of CPU each) leaves visitors' transcript downloads, agents'
 * searches and the insights as fast as without the flood. A full lane refuses more work at once
 * ({@link RejectedExecutionException}, answered 503 with {@code Retry-After}) rather than queue
 * it without bound (docs/architecture.md#blocking-work-on-bounded-lanes).
 *
 * @param logins password checks: sign-ins and creating agents
 * @param exports transcript downloads
 * @param searches agents' searches in earlier conversations
 * @param insights the insights API and {@code /metrics}
 * @param api the REST API's key checks, key and webhook management, and waits for the deciding node
 * @param uploads attachments: the checks before an upload's body is read, the writes of its
 *     chunks (one batch per upload at a time), its inspection and storing, and file downloads
 */
public record BlockingWork(
        ExecutorService logins,
        ExecutorService exports,
        ExecutorService searches,
        ExecutorService insights,
        ExecutorService api,
        ExecutorService uploads) {
    /** What a 503 for a full lane tells the client to wait, in seconds. */
    static final int RETRY_AFTER_SECONDS = 1;

    /**
     * The lanes: one thread for password checks (so that sign-ins can never take both cores of
     * a small machine), two for downloads, one each for searches and insights, two for the REST API,
     * two for attachments.
     */
    public static BlockingWork create() {
        return new BlockingWork(
                lane("logins", 1, 16),
                lane("exports", 2, 64),
                lane("searches", 1, 32),
                lane("insights", 1, 32),
                lane("api", 2, 64),
                lane("uploads", 2, 128));
    }

    private static ExecutorService lane(String name, int threads, int queue) {
        return new ThreadPoolExecutor(
                threads,
                threads,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queue),
                r -> {
                    Thread t = new Thread(r, "concierge-" + name);
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy());
    }

    /** Stops every lane, interrupting what runs. */
    public void shutdownNow() {
        List.of(logins, exports, searches, insights, api, uploads).forEach(ExecutorService::shutdownNow);
    }
}
