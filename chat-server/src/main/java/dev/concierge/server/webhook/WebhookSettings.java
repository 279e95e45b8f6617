package dev.concierge.server.webhook;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the server delivers webhooks (docs/integrations.md, "Delivery"): which private targets it
 * may reach besides the public internet ({@code allow}: {@code loopback}, {@code private}, {@code
 * link-local} and CIDRs), whether plain {@code http://} targets are allowed, the backoff schedule
 * after a failed attempt (its last step repeats; {@code jitter} spreads each wait by ±10 %), when
 * a failing endpoint is paused (failing for at least {@code pauseAfter} AND at least {@code
 * pauseAfterFailures} consecutive failed attempts), and the most requests in flight at once.
 *
 * <p>Immutable; the withers return a changed copy. Bad values are refused naming the field.
 */
public record WebhookSettings(
        List<String> allow,
        boolean allowHttp,
        List<Duration> backoff,
        boolean jitter,
        Duration pauseAfter,
        int pauseAfterFailures,
        int maxInFlight) {

    /** The backoff schedule after the 1st, 2nd … failed attempt; the last step repeats. */
    public static final List<Duration> DEFAULT_BACKOFF = List.of(
            Duration.ofSeconds(5),
            Duration.ofSeconds(30),
            Duration.ofMinutes(2),
            Duration.ofMinutes(10),
            Duration.ofMinutes(30),
            Duration.ofHours(1),
            Duration.ofHours(2),
            Duration.ofHours(4),
            Duration.ofHours(8),
            Duration.ofHours(8));

    /** The most entries a backoff schedule may have. */
    public static final int MAX_BACKOFF_STEPS = 100;

    /** The longest single wait of a schedule: a retry is never later than this after a failure. */
    public static final Duration LONGEST_BACKOFF = Duration.ofDays(1);

    /**
     * Public targets only, https only, the default schedule with jitter, paused after 12 hours and
     * 10 consecutive failures, at most 64 requests in flight.
     */
    public static final WebhookSettings DEFAULTS =
            new WebhookSettings(List.of(), false, DEFAULT_BACKOFF, true, Duration.ofHours(12), 10, 64);

    /** Checks every value, naming the field it refuses ({@code allow} as {@link TargetPolicy#of} reads it). */
    public WebhookSettings {
        Objects.requireNonNull(allow, "allow");
        allow = List.copyOf(allow);
        for (String item : allow) {
            if (item.isBlank()) {
                throw new IllegalArgumentException("allow: an empty item");
            }
        }
        try {
            TargetPolicy.of(allow, allowHttp);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("allow: " + e.getMessage().replaceFirst("^--webhook-allow: ", ""), e);
        }
        Objects.requireNonNull(backoff, "backoff");
        backoff = List.copyOf(backoff);
        if (backoff.isEmpty() || backoff.size() > MAX_BACKOFF_STEPS) {
            throw new IllegalArgumentException(
                    "backoff: 1 to " + MAX_BACKOFF_STEPS + " durations, was " + backoff.size());
        }
        for (Duration d : backoff) {
            if (d.isNegative() || d.isZero() || d.compareTo(LONGEST_BACKOFF) > 0) {
                throw new IllegalArgumentException("backoff: each wait must be positive and at most 1 day, was " + d);
            }
        }
        Objects.requireNonNull(pauseAfter, "pauseAfter");
        if (pauseAfter.isNegative()) {
            throw new IllegalArgumentException("pauseAfter: must not be negative, was " + pauseAfter);
        }
        if (pauseAfterFailures < 1) {
            throw new IllegalArgumentException("pauseAfterFailures: at least 1, was " + pauseAfterFailures);
        }
        if (maxInFlight < 1 || maxInFlight > 1024) {
            throw new IllegalArgumentException("maxInFlight: 1 to 1024, was " + maxInFlight);
        }
    }

    /** These settings allowing the target classes and CIDRs {@code items} besides public addresses. */
    public WebhookSettings allow(String... items) {
        return allow(List.of(items));
    }

    /** These settings allowing the target classes and CIDRs {@code items} besides public addresses. */
    public WebhookSettings allow(List<String> items) {
        return new WebhookSettings(items, allowHttp, backoff, jitter, pauseAfter, pauseAfterFailures, maxInFlight);
    }

    /** These settings with plain {@code http://} targets allowed or not. */
    public WebhookSettings allowHttp(boolean allowed) {
        return new WebhookSettings(allow, allowed, backoff, jitter, pauseAfter, pauseAfterFailures, maxInFlight);
    }

    /**
     * These settings with the backoff {@code schedule} (the wait after the 1st, 2nd … failed
     * attempt; the last repeats), taken exactly: without jitter, as tests want.
     */
    public WebhookSettings backoff(List<Duration> schedule) {
        return new WebhookSettings(allow, allowHttp, schedule, false, pauseAfter, pauseAfterFailures, maxInFlight);
    }

    /**
     * These settings pausing an endpoint that has had no 2xx for at least {@code failingFor} and
     * at least {@code failures} consecutive failed attempts.
     */
    public WebhookSettings pauseAfter(Duration failingFor, int failures) {
        return new WebhookSettings(allow, allowHttp, backoff, jitter, failingFor, failures, maxInFlight);
    }

    /** These settings with at most {@code total} requests in flight at once, all endpoints together. */
    public WebhookSettings maxInFlight(int total) {
        return new WebhookSettings(allow, allowHttp, backoff, jitter, pauseAfter, pauseAfterFailures, total);
    }

    /** The target policy of {@link #allow()} and {@link #allowHttp()}. */
    public TargetPolicy targetPolicy() {
        return TargetPolicy.of(allow, allowHttp);
    }

    /** The wait after the {@code attempt}-th failed attempt, before jitter: the schedule's, its last step repeating. */
    public Duration backoffAfter(int attempt) {
        return backoff.get(Math.min(Math.max(attempt, 1), backoff.size()) - 1);
    }
}
