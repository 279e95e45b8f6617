package dev.concierge.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

final class BackoffTest {
    private static final Duration INITIAL = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(5);

    @Test
    void ceiling_doublesFromInitial_upToMax() {
        Backoff backoff = new Backoff(INITIAL, MAX, new SplittableRandom(1));
        assertThat(IntStream.range(0, 8).mapToLong(backoff::ceilingMillis).toArray())
                .containsExactly(100, 200, 400, 800, 1600, 3200, 5000, 5000);
        assertThat(backoff.ceilingMillis(10_000)).isEqualTo(5000);
    }

    @Test
    void delay_staysWithinZeroAndTheCeiling_fullJitter() {
        Backoff backoff = new Backoff(INITIAL, MAX, new SplittableRandom(42));
        for (int attempt = 0; attempt < 12; attempt++) {
            long ceiling = backoff.ceilingMillis(attempt);
            long max = 0;
            long min = Long.MAX_VALUE;
            for (int i = 0; i < 500; i++) {
                long delay = backoff.delay(attempt).toMillis();
                assertThat(delay).isBetween(0L, ceiling);
                max = Math.max(max, delay);
                min = Math.min(min, delay);
            }
            // Full jitter spreads over the whole range, not just near the ceiling.
            assertThat(min).isLessThan(ceiling / 4);
            assertThat(max).isGreaterThan(ceiling * 3 / 4);
        }
    }

    @Test
    void delay_isReproducibleWithTheSameSeed() {
        Backoff one = new Backoff(INITIAL, MAX, new SplittableRandom(7));
        Backoff two = new Backoff(INITIAL, MAX, new SplittableRandom(7));
        for (int attempt = 0; attempt < 10; attempt++) {
            assertThat(one.delay(attempt)).isEqualTo(two.delay(attempt));
        }
    }
}
