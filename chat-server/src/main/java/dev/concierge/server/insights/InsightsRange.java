package dev.concierge.server.insights;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The period an insights request covers, {@code [from, to)} in UTC, and the size of its
 * buckets. Parsed from the query parameters with defaults from an injected clock: the last 7
 * days by day, or the last 24 hours by hour.
 *
 * @param from the first instant counted
 * @param to the first instant no longer counted
 * @param bucket hour or day
 */
public record InsightsRange(Instant from, Instant to, Bucket bucket) {
    /** The longest period one request may cover. */
    static final Duration MAX_SPAN = Duration.ofDays(366);
    /** The most buckets one request may make. */
    static final int MAX_BUCKETS = 24 * 62;

    /** The size of a bucket. */
    public enum Bucket {
        HOUR(ChronoUnit.HOURS),
        DAY(ChronoUnit.DAYS);

        final ChronoUnit unit;

        Bucket(ChronoUnit unit) {
            this.unit = unit;
        }

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A bad parameter, with a message for the caller. */
    static final class BadRange extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRange(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code from} and {@code to} (ISO instants such as {@code 2025-01-02T10:00:00Z}, or
     * dates such as {@code 2025-01-02}, a date {@code to} counting that whole day) and
     * {@code bucket} ({@code hour} or {@code day}); null parameters take the defaults.
     *
     * @throws BadRange naming the bad parameter
     */
    static InsightsRange parse(String from, String to, String bucket, Clock clock) {
        Bucket b;
        if (bucket == null || bucket.isBlank()) {
            b = Bucket.DAY;
        } else {
            try {
                b = Bucket.valueOf(bucket.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadRange("bucket must be hour or day");
            }
        }
        Instant end = to == null || to.isBlank() ? clock.instant() : instant(to, "to", true);
        Instant start = from == null || from.isBlank()
                ? end.minus(b == Bucket.DAY ? Duration.ofDays(7) : Duration.ofHours(24))
                : instant(from, "from", false);
        if (!start.isBefore(end)) {
            throw new BadRange("from must be before to");
        }
        if (Duration.between(start, end).compareTo(MAX_SPAN) > 0) {
            throw new BadRange("the period may be at most 366 days");
        }
        InsightsRange range = new InsightsRange(start, end, b);
        if (range.bucketStarts().size() > MAX_BUCKETS) {
            throw new BadRange("too many buckets: use bucket=day or a shorter period");
        }
        return range;
    }

    private static Instant instant(String value, String name, boolean endOfDay) {
        String v = value.trim();
        try {
            if (v.length() == 10) {
                LocalDate d = LocalDate.parse(v);
                return (endOfDay ? d.plusDays(1) : d)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant();
            }
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new BadRange(name + " must be an ISO date (2025-01-31) or instant (2025-01-31T10:00:00Z)");
        }
    }

    /** The start of the bucket an instant falls in. */
    Instant bucketOf(Instant t) {
        return t.truncatedTo(bucket.unit);
    }

    /** The starts of the buckets that overlap the period, in order. */
    List<Instant> bucketStarts() {
        List<Instant> starts = new ArrayList<>();
        for (Instant t = bucketOf(from); t.isBefore(to) && starts.size() <= MAX_BUCKETS; t = t.plus(1, bucket.unit)) {
            starts.add(t);
        }
        return starts;
    }
}
