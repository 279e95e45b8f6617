package dev.concierge.server;

import dev.concierge.server.support.Patterns;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** The checks of {@link ChatServer.Builder}'s values: each rejects a bad one naming the field. */
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
}
