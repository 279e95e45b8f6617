package dev.concierge.client;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The time bounds of a {@link Connection}'s attempts. The first connect tries again (with the
 * backoff, over the server URIs) until the connect timeout has passed in all since
 * {@code connect()}; each of its attempts gets what is left of it. Once open, a lost socket is
 * reopened until {@code giveUpAfter} has passed since the last {@code welcome} (never with
 * reconnecting off). Time comes from the settings' ticker so tests can move it. Not thread-safe;
 * the connection calls it under its lock.
 */
final class Attempts {
    private final Settings settings;
    private final LongSupplier ticker;
    private long startedAt;
    private long welcomedAt;
    /** Attempts failed in a row: the backoff step of the next one. */
    private int failures;
    /** The latest failure since the last welcome that is not a timeout of the client's own. */
    private Throwable lastFailure;

    Attempts(Settings settings) {
        this.settings = settings;
        this.ticker = settings.ticker();
    }

    /** {@code connect()} was called. */
    void started() {
        startedAt = ticker.getAsLong();
    }

    /** A {@code welcome} arrived. */
    void welcomed() {
        failures = 0;
        lastFailure = null;
        welcomedAt = ticker.getAsLong();
    }

    /**
     * What to report for a failure {@code why}: itself, unless it is a timeout (an attempt cut
     * short by the connect timeout) after an earlier attempt failed for a reason the caller can
     * act on (a refused connection, an HTTP status), which is more telling.
     */
    Throwable reported(Throwable why) {
        if (why instanceof TimeoutException && lastFailure != null) {
            return lastFailure;
        }
        if (!(why instanceof TimeoutException)) {
            lastFailure = why;
        }
        return why;
    }

    /** An attempt failed or a socket was lost: returns the backoff step of the next attempt. */
    int failed() {
        return failures++;
    }

    /** How long the next attempt may take up to its welcome. */
    Duration handshakeTimeout(boolean first) {
        Duration timeout = settings.connectTimeout();
        if (!first) {
            return timeout;
        }
        long left = startedAt + timeout.toNanos() - ticker.getAsLong();
        return Duration.ofNanos(Math.max(Duration.ofMillis(1).toNanos(), Math.min(timeout.toNanos(), left)));
    }

    /**
     * Why the connection stops instead of trying again after {@code delay}, or null to try again.
     * {@code connecting}: the first connect is under way.
     */
    String whyStop(boolean connecting, Duration delay) {
        long now = ticker.getAsLong();
        if (connecting) {
            Duration timeout = settings.connectTimeout();
            return now + delay.toNanos() - startedAt >= timeout.toNanos()
                    ? "no welcome within the connect timeout of " + timeout.toMillis() + " ms"
                    : null;
        }
        if (!settings.reconnect()) {
            return "reconnecting is off";
        }
        Duration bound = settings.giveUpAfter();
        return now - welcomedAt >= bound.toNanos()
                ? "gave up after " + bound.toMillis() + " ms without a welcome"
                : null;
    }
}
