package dev.concierge.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Reconnect delays: exponential with full jitter. Attempt {@code n} (from 0) waits a uniformly
 * random time in {@code [0, min(max, initial * 2^n)]}: spreading the reconnects of many clients
 * after a server restart matters more than any one client reconnecting early.
 * Not thread-safe (the random generator is not); the connection calls it under its lock.
 */
final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private final RandomGenerator random;

    Backoff(Duration initial, Duration max, RandomGenerator random) {
        this.initialMillis = initial.toMillis();
        this.maxMillis = max.toMillis();
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The delay before reconnect attempt {@code attempt} (0 for the first after a loss). */
    Duration delay(int attempt) {
        return Duration.ofMillis(random.nextLong(ceilingMillis(attempt) + 1));
    }

    /** The upper bound of the delay of {@code attempt}: {@code min(max, initial * 2^attempt)}. */
    long ceilingMillis(int attempt) {
        long ceiling = initialMillis;
        for (int i = 0; i < attempt && ceiling < maxMillis; i++) {
            ceiling = ceiling > maxMillis / 2 ? maxMillis : ceiling * 2;
        }
        return Math.min(ceiling, maxMillis);
    }
}
