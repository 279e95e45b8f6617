package dev.concierge.client;

import java.net.http.HttpClient;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM-wide defaults every client shares unless its builder names its own: one bounded pool
 * of daemon threads named {@code concierge-client-N} ({@link #THREADS} at most, each ending after
 * {@link #IDLE_SECONDS} idle), one {@link HttpClient} running on it, and one timer thread
 * ({@link #timer()}: every client's deadlines, reconnect delays and liveness checks, whatever its
 * executor). Each is made on first use (the holder idiom); none is the
 * {@code ForkJoinPool.commonPool()}, which on a machine with two CPUs or fewer has one worker and
 * lets {@code CompletableFuture} start a thread per task.
 *
 * <p>The SDK's own work on these threads never blocks (socket callbacks, completing futures,
 * running listener calls), so a few threads serve any number of clients; a listener or a
 * dependent stage that blocks holds one of them, so such code should run on its own executor
 * ({@code builder.executor(...)} or {@code thenApplyAsync(..., itsExecutor)}).
 */
final class SharedPool {
    private static final Logger log = LoggerFactory.getLogger(SharedPool.class);

    /** The most threads the shared pool runs at once: 4, or one per CPU on bigger machines. */
    static final int THREADS = Math.max(4, Runtime.getRuntime().availableProcessors());
    /** How long an idle pool thread lives. */
    static final long IDLE_SECONDS = 30;

    private SharedPool() {}

    /** The shared pool. */
    static Executor executor() {
        return PoolHolder.POOL;
    }

    /**
     * The SDK's one timer thread (daemon, {@code concierge-client-timer}, ends when idle): it only
     * hands due tasks to an executor, and a cancelled task leaves its queue at once, so a request
     * answered long before its deadline holds no memory until then.
     */
    static ScheduledExecutorService timer() {
        return TimerHolder.TIMER;
    }

    /** The shared HTTP client, whose callbacks run on {@link #executor()}. */
    static HttpClient httpClient() {
        return HttpHolder.HTTP;
    }

    /**
     * {@code executor}, or the calling thread once it rejects tasks (an application that shut its
     * executor down before closing the client): a future must still complete, and
     * {@code close()} must not throw.
     */
    static Executor orInline(Executor executor) {
        return task -> {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                log.warn("The client's executor rejected a task ({}); running it on the calling thread", e.toString());
                task.run();
            }
        };
    }

    private static final class PoolHolder {
        static final ThreadPoolExecutor POOL = newPool();

        private static ThreadPoolExecutor newPool() {
            AtomicInteger count = new AtomicInteger();
            ThreadFactory threads = task -> {
                Thread thread = new Thread(task, "concierge-client-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            };
            ThreadPoolExecutor pool = new ThreadPoolExecutor(
                    THREADS, THREADS, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
            pool.allowCoreThreadTimeOut(true);
            return pool;
        }
    }

    private static final class TimerHolder {
        static final ScheduledThreadPoolExecutor TIMER = newTimer();

        private static ScheduledThreadPoolExecutor newTimer() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, "concierge-client-timer");
                thread.setDaemon(true);
                return thread;
            });
            timer.setRemoveOnCancelPolicy(true);
            timer.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
            timer.allowCoreThreadTimeOut(true);
            return timer;
        }
    }

    private static final class HttpHolder {
        static final HttpClient HTTP =
                HttpClient.newBuilder().executor(PoolHolder.POOL).build();
    }
}
