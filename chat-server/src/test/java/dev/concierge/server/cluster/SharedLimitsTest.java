package dev.concierge.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.auth.LoginThrottle;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The bookkeeping behind the cluster-wide per-address limits: two nodes' {@link SharedLimits}
 * joined by a fake broker the test delivers (or loses) messages on, with time the test moves.
 */
final class SharedLimitsTest {
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    /** Messages published and not yet delivered, in order. */
    private final List<byte[]> broker = new ArrayList<>();

    private final List<String> chargedOnTwo = new ArrayList<>();
    private final SharedLimits one = new SharedLimits("n1", this::publish, LoginThrottle.Charges.NONE, nanos::get);
    private final SharedLimits two = new SharedLimits("n2", this::publish, recording(chargedOnTwo), nanos::get);
    /** What node n1's transport counts. */
    private final Map<InetAddress, Integer> openOnOne = new ConcurrentHashMap<>();

    SharedLimitsTest() {
        one.countHere(() -> openOnOne);
    }

    private void publish(String subject, byte[] data, Runnable onFailure) {
        assertThat(subject).isEqualTo(Wire.LIMITS);
        broker.add(data);
    }

    /** Delivers every message to both nodes, as NATS does (each ignores its own). */
    private void deliver() {
        List<byte[]> now = List.copyOf(broker);
        broker.clear();
        for (byte[] m : now) {
            one.onMessage(m);
            two.onMessage(m);
        }
    }

    private void lose() {
        broker.clear();
    }

    private void open(InetAddress address) {
        openOnOne.merge(address, 1, Integer::sum);
        one.opened(address);
    }

    private void close(InetAddress address) {
        openOnOne.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        one.closed(address);
    }

    private static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static LoginThrottle.Charges recording(List<String> into) {
        return new LoginThrottle.Charges() {
            @Override
            public void taken(String username, String address, boolean perUser) {
                into.add("taken " + username + " " + address + " " + perUser);
            }

            @Override
            public void returned(String username, String address, boolean perUser, boolean signedIn) {
                into.add("returned " + username + " " + address + " " + perUser + " " + signedIn);
            }
        };
    }

    private void after(long millis) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void opensAndClosesOnOneNode_countOnTheOther_notOnItself() {
        InetAddress a = ip("203.0.113.7");
        open(a);
        open(a);
        open(ip("2001:db8::7"));
        deliver();
        assertThat(two.openElsewhere(a)).isEqualTo(2);
        assertThat(two.openElsewhere(ip("2001:db8::7"))).isEqualTo(1);
        assertThat(one.openElsewhere(a))
                .as("a node's own connections are the transport's to count")
                .isZero();
        close(a);
        deliver();
        assertThat(two.openElsewhere(a)).isEqualTo(1);
    }

    @Test
    void aSnapshot_replacesWhatLostOrStaleChangesLeft() {
        InetAddress a = ip("203.0.113.7");
        InetAddress b = ip("203.0.113.8");
        open(a);
        open(b);
        deliver();
        close(b); // its close is lost: the other node would count it for ever
        open(a);
        open(a); // and so are these
        lose();
        assertThat(two.openElsewhere(b)).isEqualTo(1);
        assertThat(two.openElsewhere(a)).isEqualTo(1);

        one.tick();
        deliver();
        assertThat(two.openElsewhere(a)).isEqualTo(3);
        assertThat(two.openElsewhere(b)).isZero();

        // Changes after the snapshot add to it; the next snapshot is a second later.
        open(b);
        deliver();
        assertThat(two.openElsewhere(b)).isEqualTo(1);
        one.tick();
        assertThat(broker).as("no snapshot before a second has passed").isEmpty();
        after(1_000);
        one.tick();
        assertThat(broker).hasSize(1);
    }

    @Test
    void aNodeNotHeardOfForThreeSeconds_countsForNothing_untilItIsHeardAgain() {
        InetAddress a = ip("203.0.113.7");
        open(a);
        open(a);
        one.tick();
        deliver();
        assertThat(two.openElsewhere(a)).isEqualTo(2);
        assertThat(two.nodesHeard()).isEqualTo(1);

        after(2_900);
        assertThat(two.openElsewhere(a)).as("within three seconds").isEqualTo(2);
        after(200);
        assertThat(two.openElsewhere(a))
                .as("silent for 3.1 s: crashed, or away from NATS")
                .isZero();
        assertThat(two.nodesHeard()).isZero();

        one.tick();
        deliver();
        assertThat(two.openElsewhere(a)).as("heard again").isEqualTo(2);
    }

    @Test
    void snapshotsKeepANodeAlive_whileItsCountsChange() {
        InetAddress a = ip("203.0.113.7");
        open(a);
        one.tick();
        deliver();
        for (int i = 0; i < 10; i++) {
            after(1_000);
            one.tick();
            deliver();
        }
        assertThat(two.openElsewhere(a)).isEqualTo(1);
    }

    @Test
    void aSnapshot_holdsTheAddressesWithMostConnections_atMostItsBound() {
        Map<InetAddress, Integer> many = new HashMap<>();
        for (int i = 0; i < SharedLimits.SNAPSHOT_MOST + 1000; i++) {
            many.put(ip("10.1." + (i / 256) + "." + (i % 256)), 1);
        }
        InetAddress busy = ip("203.0.113.7");
        many.put(busy, 40);
        openOnOne.putAll(many);
        one.tick();
        assertThat(broker.get(0).length).isLessThan(SharedLimits.SNAPSHOT_MOST * 16);
        deliver();
        assertThat(two.openElsewhere(busy)).isEqualTo(40);
        long listed = many.keySet().stream()
                .filter(address -> two.openElsewhere(address) > 0)
                .count();
        assertThat(listed).isEqualTo(SharedLimits.SNAPSHOT_MOST);
    }

    @Test
    void attempts_areChargedToTheOtherNodesThrottle() {
        one.taken("dana", "203.0.113.7", true);
        one.returned("dana", "203.0.113.7", false, true);
        deliver();
        assertThat(chargedOnTwo).containsExactly("taken dana 203.0.113.7 true", "returned dana 203.0.113.7 false true");
    }

    @Test
    void uploads_areCountedOnTheOtherNodes_notOnTheirOwn() {
        List<String> onOne = new ArrayList<>();
        List<String> onTwo = new ArrayList<>();
        one.countElsewhere(onOne::add);
        two.countElsewhere(onTwo::add);
        one.admitted("visitor:v_ada");
        one.admitted("visitor:v_ada");
        two.admitted("visitor:v_bob");
        deliver();
        assertThat(onTwo).containsExactly("visitor:v_ada", "visitor:v_ada");
        assertThat(onOne).containsExactly("visitor:v_bob");
        assertThat(chargedOnTwo).as("no sign-in attempt").isEmpty();
    }

    @Test
    void aMalformedMessage_isDropped() {
        two.onMessage(new byte[] {SharedLimits.SNAPSHOT});
        two.onMessage(new Wire.Out()
                .kind(SharedLimits.CONNECTION)
                .s("n1")
                .bytes(new byte[5])
                .b(1)
                .done());
        two.onMessage(
                new Wire.Out().kind(SharedLimits.SNAPSHOT).s("n1").i(1_000_000).done());
        two.onMessage(new Wire.Out().kind((byte) 99).s("n1").done());
        assertThat(two.nodesHeard()).isZero();
        assertThat(chargedOnTwo).isEmpty();
    }
}
