package dev.concierge.server.attach;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-visitor upload window, with uploads other nodes of a cluster admitted charged to it. */
final class UploadLimiterTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final UploadLimiter limiter = new UploadLimiter(3, Duration.ofMinutes(10), nanos::get);

    private void after(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void uploadsAdmittedElsewhere_countAgainstTheWindow_asUploadsHere() {
        limiter.charge("visitor:v_ada");
        after(Duration.ofMinutes(1));
        limiter.charge("visitor:v_ada");
        assertThat(limiter.admit("visitor:v_ada")).isEmpty();
        assertThat(limiter.admit("visitor:v_ada"))
                .as("the first charge leaves the window in 9 minutes")
                .hasValue(TimeUnit.MINUTES.toSeconds(9));
        assertThat(limiter.admit("visitor:v_bob")).as("another visitor").isEmpty();
        after(Duration.ofMinutes(9));
        assertThat(limiter.admit("visitor:v_ada")).isEmpty();
    }

    @Test
    void chargesBeyondTheLimit_keepOnlyTheLatest_whichDecideTheWait() {
        for (int i = 0; i < 1000; i++) {
            limiter.charge("visitor:v_ada");
            after(Duration.ofSeconds(1));
        }
        // The latest three were charged 3, 2 and 1 s ago: the oldest of them leaves the window
        // in 10 minutes less 3 s.
        assertThat(limiter.admit("visitor:v_ada")).hasValue(TimeUnit.MINUTES.toSeconds(10) - 3);
        after(Duration.ofMinutes(10));
        assertThat(limiter.admit("visitor:v_ada")).isEmpty();
    }
}
