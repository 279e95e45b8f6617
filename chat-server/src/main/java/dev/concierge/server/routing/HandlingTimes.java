package dev.concierge.server.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How long agents take over a chat (assignment to close, or to a transfer), for the queue's wait
 * estimates: the median of the last chats, per department of the team and overall. Router thread
 * only, like the {@link WaitingQueue} that holds it; kept in memory (a restart starts again from
 * the default).
 */
final class HandlingTimes {
    /** The handling time assumed before any chat was measured. */
    private static final Duration DEFAULT_HANDLING = Duration.ofMinutes(3);
    /** The shortest handling time an estimate assumes, however quick the measured chats were. */
    private static final Duration MIN_HANDLING = Duration.ofMinutes(1);
    /** How many measurements an estimate needs before they alone decide it (the prior fills up the rest). */
    private static final int PRIOR_SAMPLES = 3;

    private static final int HANDLING_WINDOW = 20;

    /** The team's departments: only these keep their handling times apart. */
    private final Set<String> departments;

    private final Deque<Duration> recentHandling = new ArrayDeque<>();
    /** The same, per configured department (other names share {@link #recentHandling} only). */
    private final Map<String, Deque<Duration>> handlingByDepartment = new HashMap<>();

    HandlingTimes(Collection<String> departments) {
        this.departments = Set.copyOf(departments);
    }

    /** Records the handling time of {@code c} (assignment to {@code now}), if it was assigned. */
    void record(Conversation c, Instant now) {
        if (c.assignedAt == null) {
            return;
        }
        Duration handled = Duration.between(c.assignedAt, now);
        remember(recentHandling, handled);
        if (c.department != null && departments.contains(c.department)) {
            remember(handlingByDepartment.computeIfAbsent(c.department, d -> new ArrayDeque<>()), handled);
        }
    }

    private static void remember(Deque<Duration> window, Duration handled) {
        window.addLast(handled);
        while (window.size() > HANDLING_WINDOW) {
            window.removeFirst();
        }
    }

    /**
     * The typical handling time of a chat of {@code department}: the median of its last
     * {@value #HANDLING_WINDOW} chats, falling back to all departments' median, then to
     * {@link #DEFAULT_HANDLING}. A median ignores the odd chat closed within seconds (or left open
     * for an hour); until {@value #PRIOR_SAMPLES} chats were measured the fallback counts as the
     * missing measurements, so one quick chat cannot set it; and it is never below
     * {@link #MIN_HANDLING}.
     */
    Duration estimate(String department) {
        Duration overall = median(recentHandling, DEFAULT_HANDLING);
        Deque<Duration> own = department == null ? null : handlingByDepartment.get(department);
        return own == null ? overall : median(own, overall);
    }

    private static Duration median(Deque<Duration> window, Duration prior) {
        List<Duration> samples = new ArrayList<>(window);
        while (samples.size() < PRIOR_SAMPLES) {
            samples.add(prior);
        }
        samples.sort(null);
        int n = samples.size();
        Duration median = n % 2 == 1
                ? samples.get(n / 2)
                : samples.get(n / 2 - 1).plus(samples.get(n / 2)).dividedBy(2);
        return median.compareTo(MIN_HANDLING) < 0 ? MIN_HANDLING : median;
    }

    /**
     * Seconds until a slot frees for the visitor at {@code position} waiting for
     * {@code department} (null for any), with {@code slots} chats
     * at once among the online agents (their number × the cap); null when nobody is online.
     */
    Long eta(int position, int slots, String department) {
        if (slots == 0) {
            return null;
        }
        Duration handling = estimate(department);
        // Every online agent handles up to the cap at once and frees a slot about once per
        // handling time divided by the cap.
        return (long) Math.ceil(position / (double) slots * handling.toSeconds());
    }
}
