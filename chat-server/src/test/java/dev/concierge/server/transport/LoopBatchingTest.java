package dev.concierge.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.DefaultEventLoop;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The tasks an event loop hands over in one pass reach the target as one task, in order; tasks
 * from other threads reach it one by one, at once; a task handed over by a loop that is shutting
 * down still arrives; a batch for a target that has stopped is dropped without a warning.
 */
final class LoopBatchingTest {
    /** A target that records how many tasks it was given and runs them at once. */
    private static final class Target implements Executor {
        final List<Runnable> given = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void execute(Runnable task) {
            given.add(task);
            task.run();
        }
    }

    @Test
    void onePassOfAnEventLoop_isOneTargetTask_inOrder_andOtherThreadsGoStraightThrough() throws Exception {
        Target target = new Target();
        LoopBatching batching = new LoopBatching(target);
        List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            loop.submit(() -> {
                        for (int i = 1; i <= 20; i++) {
                            int n = i;
                            batching.execute(() -> ran.add(n));
                        }
                        assertThat(target.given)
                                .as("nothing before the pass ends")
                                .isEmpty();
                    })
                    .sync();
            LoopBatching.awaitHandovers(List.of(loop));
            assertThat(target.given).hasSize(1);
            for (int i = 21; i <= 23; i++) {
                int n = i;
                batching.execute(() -> ran.add(n));
            }
            assertThat(target.given).hasSize(4);
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 1; i <= 23; i++) {
            expected.add(i);
        }
        assertThat(ran).containsExactlyElementsOf(expected);
    }

    @Test
    void aFailingTask_doesNotLoseTheRestOfItsBatch() throws Exception {
        Target target = new Target();
        LoopBatching batching = new LoopBatching(target);
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            loop.submit(() -> {
                        batching.execute(() -> ran.add("first"));
                        batching.execute(() -> {
                            throw new IllegalStateException("a failing task");
                        });
                        batching.execute(() -> ran.add("last"));
                    })
                    .sync();
            LoopBatching.awaitHandovers(List.of(loop));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        assertThat(ran).containsExactly("first", "last");
        assertThat(target.given).hasSize(1);
    }

    /**
     * A socket closed while the server shuts down hands over its disconnect after the router (the
     * target) has stopped: the batch is dropped quietly, not thrown into the event loop, which
     * logged it as a warning at every shutdown.
     */
    @Test
    void aBatchForAStoppedTarget_isDropped_withoutAWarningFromTheEventLoop() throws Exception {
        ExecutorService stopped = Executors.newSingleThreadExecutor();
        stopped.shutdown();
        LoopBatching batching = new LoopBatching(stopped);
        // Netty's executors log what a task throws (AbstractEventExecutor, SingleThreadEventExecutor).
        Logger loopLog = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("io.netty");
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        loopLog.addAppender(captured);
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            loop.submit(() -> batching.execute(() -> {})).sync();
            LoopBatching.awaitHandovers(List.of(loop));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            loopLog.detachAppender(captured);
        }
        assertThat(captured.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
    }
}
