package dev.concierge.server.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, instead of sleeping a guessed time. */
public final class Await {
    private Await() {}

    public static void until(String what, Supplier<Boolean> condition) {
        value(what, () -> condition.get() ? Optional.of(true) : Optional.empty());
    }

    public static <T> T value(String what, Supplier<Optional<T>> probe) {
        return value(what, Duration.ofSeconds(10), probe);
    }

    public static <T> T value(String what, Duration timeout, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(5); // polling interval, not synchronisation: the deadline decides
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }
}
