package dev.concierge.server.transport;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands tasks to a target executor (the router's thread), batching those a Netty event loop
 * hands over in one pass over its sockets into one target task, run once the pass ends (the loop
 * runs its own tasks after its reads). Each target task woke the router thread when it was idle,
 * a futex call on each side; under load a pass reads tens of requests, and batching them made
 * relaying messages about twice as fast. From any other thread a task goes to the target at
 * once. Order is kept: a thread's tasks reach the target in the order it handed them over,
 * whether they went in a batch or one by one.
 */
public final class LoopBatching implements Executor {
    private static final Logger log = LoggerFactory.getLogger(LoopBatching.class);

    private final Executor target;
    private final FastThreadLocal<Batch> batches = new FastThreadLocal<>() {
        @Override
        protected Batch initialValue() {
            return new Batch();
        }
    };

    /** Batches what event loops hand to {@code target}. */
    public LoopBatching(Executor target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    @Override
    public void execute(Runnable task) {
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        if (loop != null) {
            batches.get().add(loop, task);
        } else {
            target.execute(task);
        }
    }

    /**
     * Waits until every task the event loops of {@code loops} handed over so far is queued on its
     * target (a loop runs its tasks in order, so a no-op behind them is enough). For shutting
     * down: a task queued on the target afterwards runs after them.
     */
    public static void awaitHandovers(Iterable<EventExecutor> loops) {
        for (EventExecutor loop : loops) {
            if (!loop.isShuttingDown() && !loop.inEventLoop()) {
                loop.submit(() -> {}).awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
    }

    private static void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("handed-over task failed", e);
        }
    }

    /** The tasks one event loop handed over in its current pass; that loop's thread only. */
    private final class Batch implements Runnable {
        private List<Runnable> tasks = new ArrayList<>();

        /** On the event loop {@code loop}, whose thread this is. */
        void add(EventExecutor loop, Runnable task) {
            if (tasks.isEmpty()) {
                try {
                    loop.execute(this);
                } catch (RejectedExecutionException loopShutDown) {
                    target.execute(task); // nothing is waiting in this batch
                    return;
                }
            }
            tasks.add(task);
        }

        @Override
        public void run() {
            List<Runnable> batch = tasks;
            tasks = new ArrayList<>();
            try {
                target.execute(() -> batch.forEach(LoopBatching::guarded));
            } catch (RejectedExecutionException targetStopped) {
                // Only while the server shuts down: a socket closed after the router stopped
                // hands over its disconnect, which nothing is left to act on (a restart recovers
                // every conversation from the store). Thrown on, Netty logged it as a warning.
                log.debug("the target has stopped: {} handed-over tasks dropped", batch.size());
            }
        }
    }
}
