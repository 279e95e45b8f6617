package dev.concierge.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The throttles of two cluster nodes, each telling the other of its attempts as the cluster does
 * over NATS ({@link LoginThrottle#share}, {@link LoginThrottle#fromElsewhere}): attempts spread
 * over both get no more through than against one, a success gives back on both, and a botnet on
 * both still never locks the real agent out. Time is a ticker the test moves.
 */
final class LoginThrottleSharingTest {
    private static final LoginThrottle.Limits LIMITS = new LoginThrottle.Limits(5, 20, 20, Duration.ofMinutes(1));

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final LoginThrottle one = new LoginThrottle(LIMITS, nanos::get);
    private final LoginThrottle two = new LoginThrottle(LIMITS, nanos::get);
    /** Charges on their way to the other node: delivered by {@link #deliver}. */
    private final List<Runnable> inFlight = new ArrayList<>();

    LoginThrottleSharingTest() {
        one.share(relay(two));
        two.share(relay(one));
    }

    private LoginThrottle.Charges relay(LoginThrottle to) {
        LoginThrottle.Charges there = to.fromElsewhere();
        return new LoginThrottle.Charges() {
            @Override
            public void taken(String username, String address, boolean perUser) {
                inFlight.add(() -> there.taken(username, address, perUser));
            }

            @Override
            public void returned(String username, String address, boolean perUser, boolean signedIn) {
                inFlight.add(() -> there.returned(username, address, perUser, signedIn));
            }
        };
    }

    private void deliver() {
        List<Runnable> now = List.copyOf(inFlight);
        inFlight.clear();
        now.forEach(Runnable::run);
    }

    /** A failed attempt (admitted, the password wrong), its charge delivered: true if admitted. */
    private boolean fail(LoginThrottle node, String username, String address) {
        boolean admitted = node.admit(username, address).attempt().isPresent();
        deliver();
        return admitted;
    }

    @Test
    void failuresOnOneNode_countOnTheOther_soAlternatingNodesGetNoMoreThanOneServer() {
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            if (fail(i % 2 == 0 ? one : two, "dana", "203.0.113.7")) {
                admitted++;
            }
        }
        assertThat(admitted)
                .as("5 per username and address, on both nodes together")
                .isEqualTo(5);
        LoginThrottle.Result held = two.admit("dana", "203.0.113.7");
        assertThat(held.attempt()).isEmpty();
        assertThat(held.retryAfterSeconds()).isEqualTo(60);

        nanos.addAndGet(TimeUnit.MINUTES.toNanos(1)); // one attempt back, for the cluster
        assertThat(fail(one, "dana", "203.0.113.7")).isTrue();
        assertThat(fail(two, "dana", "203.0.113.7")).isFalse();
    }

    @Test
    void withoutSharing_eachNodeWouldAdmitItsOwnFive() {
        // The same as above with the charges never delivered: what per-node throttles allowed.
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            if ((i % 2 == 0 ? one : two).admit("dana", "203.0.113.7").attempt().isPresent()) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(10);
    }

    @Test
    void attemptsRacedAtBothNodes_arePaidBackByALongerWait() {
        // Both nodes admit before hearing of each other: 10 get through, once.
        for (int i = 0; i < 5; i++) {
            assertThat(one.admit("dana", "203.0.113.7").attempt()).isPresent();
            assertThat(two.admit("dana", "203.0.113.7").attempt()).isPresent();
        }
        deliver();
        // Each node now owes 5: no attempt until the cluster is back to one in 6 minutes.
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(5));
        assertThat(one.admit("dana", "203.0.113.7").attempt()).isEmpty();
        assertThat(two.admit("dana", "203.0.113.7").attempt()).isEmpty();
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(1));
        assertThat(fail(one, "dana", "203.0.113.7")).isTrue();
        assertThat(fail(two, "dana", "203.0.113.7")).isFalse();
    }

    @Test
    void aSuccessOnOneNode_refillsTheUsernameAndAddressOnTheOther() {
        for (int i = 0; i < 4; i++) {
            assertThat(fail(one, "dana", "203.0.113.7")).isTrue();
        }
        LoginThrottle.Attempt right = two.admit("dana", "203.0.113.7").attempt().orElseThrow();
        right.succeeded();
        deliver();
        for (int i = 0; i < 5; i++) {
            assertThat(fail(one, "dana", "203.0.113.7"))
                    .as("attempt %d after signing in on the other node", i + 1)
                    .isTrue();
        }
        assertThat(fail(one, "dana", "203.0.113.7")).isFalse();
    }

    @Test
    void aCancelledAttempt_isGivenBackOnBothNodes() {
        for (int i = 0; i < 4; i++) {
            assertThat(fail(two, "dana", "203.0.113.7")).isTrue();
        }
        one.admit("dana", "203.0.113.7").attempt().orElseThrow().cancelled();
        deliver();
        assertThat(fail(two, "dana", "203.0.113.7"))
                .as("the fifth, the cancelled one given back")
                .isTrue();
        assertThat(fail(one, "dana", "203.0.113.7")).isFalse();
    }

    @Test
    void aBotnetOnBothNodes_neverLocksTheRealAgentOut_andUnknownNamesCountAlike() {
        // 40 addresses, each failing twice on one node: the per-username bucket is long empty.
        for (int a = 0; a < 40; a++) {
            fail(a % 2 == 0 ? one : two, "dana", "198.51.100." + a);
            fail(a % 2 == 0 ? one : two, "dana", "198.51.100." + a);
            fail(a % 2 == 0 ? one : two, "nobody-" + a, "198.51.100." + a);
        }
        assertThat(two.admit("dana", "198.51.100.0").attempt())
                .as("an address that failed, on the other node")
                .isEmpty();
        assertThat(one.admit("dana", "203.0.113.7").attempt())
                .as("the real agent from a clean address, on either node")
                .isPresent();
        assertThat(two.admit("dana", "203.0.113.8").attempt()).isPresent();

        // An unknown username is throttled as a known one, across nodes.
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            if (fail(i % 2 == 0 ? one : two, "nobody", "192.0.2.1")) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(5);
    }

    @Test
    void chargesFromElsewhere_forManyAddresses_stayInBoundedCaches() {
        LoginThrottle.Charges there = one.fromElsewhere();
        for (int i = 0; i < 60_000; i++) {
            there.taken("user-" + i, "10.0." + (i / 256) + "." + (i % 256), true);
        }
        assertThat(one.keys()).isLessThanOrEqualTo(3 * 50_000L);
    }
}
