package dev.concierge.server.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The senders' thread: a round at start and on each wake, a failed round not the end of it, stopped. */
final class RoundThreadTest {
    @Test
    void runsARoundAtStartAndOnEachWake_survivesAFailedRound_andStops() throws Exception {
        Semaphore rounds = new Semaphore(0);
        AtomicInteger count = new AtomicInteger();
        // A tick of a day: every round after the first is one a wake asked for.
        RoundThread thread = new RoundThread("round-thread-test", Duration.ofDays(1));
        thread.start(() -> {
            int n = count.incrementAndGet();
            rounds.release();
            if (n == 2) {
                throw new IllegalStateException("a round that fails");
            }
            return false;
        });
        assertThat(rounds.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        Thread running = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("round-thread-test"))
                .findFirst()
                .orElseThrow();
        for (int wake = 1; wake <= 2; wake++) {
            thread.wake();
            assertThat(rounds.tryAcquire(10, TimeUnit.SECONDS))
                    .as("round after wake %d", wake)
                    .isTrue();
        }
        // A wake during a round may cost one round more, never one less.
        assertThat(count.get()).isGreaterThanOrEqualTo(3);
        assertThatThrownBy(() -> thread.start(() -> false)).isInstanceOf(IllegalStateException.class);

        thread.stop(Duration.ofSeconds(10));
        assertThat(thread.running()).isFalse();
        assertThat(running.isAlive()).isFalse();
    }

    @Test
    void aRoundWithMoreWork_isFollowedAtOnce() throws Exception {
        Semaphore rounds = new Semaphore(0);
        AtomicInteger left = new AtomicInteger(5);
        RoundThread thread = new RoundThread("round-thread-busy", Duration.ofDays(1));
        thread.start(() -> {
            rounds.release();
            return left.decrementAndGet() > 0;
        });
        assertThat(rounds.tryAcquire(5, 10, TimeUnit.SECONDS)).isTrue();
        thread.stop(Duration.ofSeconds(10));
        assertThatThrownBy(() -> new RoundThread("x", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tick must be positive, was PT0S");
    }
}
