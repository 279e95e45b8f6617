package dev.concierge.server;

import dev.concierge.server.auth.LoginThrottle;
import dev.concierge.server.support.Patterns;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The checks of {@link ChatServer.Builder}'s values: each rejects a bad one naming the field.
 * They live apart from the builder so that {@code ChatServer} reads as the documented list of
 * options, and every rule about what a value may be is found in this one place.
 */
final class BuilderChecks {
    private BuilderChecks() {}

    static Duration positive(Duration d, String field) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + d);
        }
        return d;
    }

    static int atLeast(int n, int min, String field) {
        if (n < min) {
            throw new IllegalArgumentException(field + " must be at least " + min + ", was " + n);
        }
        return n;
    }

    static int within(int n, int min, int max, String field) {
        if (n < min || n > max) {
            throw new IllegalArgumentException(field + " must be " + min + " to " + max + ", was " + n);
        }
        return n;
    }

    /** Origins as a browser sends them: exactly {@code scheme://host[:port]}. */
    static List<String> origins(List<String> origins, String field) {
        Objects.requireNonNull(origins, field);
        for (String o : origins) {
            if (o == null || !Patterns.ORIGIN.matcher(o).matches()) {
                throw new IllegalArgumentException(field + " entries must be scheme://host[:port], was " + o);
            }
        }
        return List.copyOf(origins);
    }

    /** Whole days to keep closed conversations: 0 (forever) to 100 years. */
    static Duration retentionDays(int days) {
        if (days < 0 || days > 36_500) {
            throw new IllegalArgumentException("retentionDays must be 0 (keep forever) to 36500, was " + days);
        }
        return Duration.ofDays(days);
    }

    static Duration purgeInterval(Duration interval) {
        positive(interval, "purgeInterval");
        if (interval.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("purgeInterval must be at least 1 minute, was " + interval);
        }
        return interval;
    }

    static String postgresUrl(String jdbcUrl) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("jdbcUrl must start with jdbc:postgresql:, was " + jdbcUrl);
        }
        return jdbcUrl;
    }

    static String natsUrl(String natsUrl) {
        Objects.requireNonNull(natsUrl, "natsUrl");
        if (!natsUrl.startsWith("nats://")) {
            throw new IllegalArgumentException("natsUrl must start with nats://, was " + natsUrl);
        }
        return natsUrl;
    }

    static <T> List<T> nonEmpty(List<T> list, String field) {
        Objects.requireNonNull(list, field);
        if (list.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
        return List.copyOf(list);
    }

    static LoginThrottle.Limits loginLimits(int perUserAndAddress, int perAddress, int perUser, Duration refillEvery) {
        atLeast(perUserAndAddress, 1, "loginPerUserAndAddress");
        atLeast(perAddress, 1, "loginPerAddress");
        atLeast(perUser, 1, "loginPerUser");
        return new LoginThrottle.Limits(
                perUserAndAddress, perAddress, perUser, positive(refillEvery, "loginRefillEvery"));
    }

    /** A ping after {@code pingAfter} of silence, and a close only later. */
    static void idleTimeouts(Duration pingAfter, Duration closeAfter) {
        positive(pingAfter, "pingAfter");
        positive(closeAfter, "idleCloseAfter");
        if (closeAfter.compareTo(pingAfter) <= 0) {
            throw new IllegalArgumentException(
                    "idleCloseAfter must be longer than pingAfter, was " + closeAfter + " <= " + pingAfter);
        }
    }

    /** The write buffer's low and high water marks and its cap, each at least the one before. */
    static void writeWaterMarks(int lowWater, int highWater, int maxPendingBytes) {
        atLeast(lowWater, 1, "writeLowWater");
        if (highWater < lowWater) {
            throw new IllegalArgumentException("writeHighWater must be at least writeLowWater, was " + highWater);
        }
        if (maxPendingBytes < highWater) {
            throw new IllegalArgumentException(
                    "maxPendingWriteBytes must be at least writeHighWater, was " + maxPendingBytes);
        }
    }

    static String notBlank(String value, String field) {
        Objects.requireNonNull(value, field);
        if (value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
        return value;
    }

    static String adminToken(String token) {
        Objects.requireNonNull(token, "adminToken");
        if (token.length() < 16) {
            throw new IllegalArgumentException("adminToken must be at least 16 characters, was " + token.length());
        }
        return token;
    }

    /** What only the settings together can say, checked when the server starts. */
    static void complete(BuilderSettings settings) {
        if (settings.cluster != null && settings.jdbcUrl == null) {
            throw new IllegalStateException("a cluster node needs database(...): PostgreSQL is what the nodes share");
        }
        if (settings.cluster != null && settings.mail != null && settings.mail.isDevMailbox()) {
            // Each node would keep the mails its sender "sent" in its own memory, seen by no one.
            throw new IllegalStateException("mail must name an SMTP server on a cluster node: the development"
                    + " mailbox keeps mails in one process, where they would be recorded sent and lost");
        }
    }
}
