package dev.concierge.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The timers that tell a {@link Connection} its socket is dead although no read or write said so:
 * an attempt with no {@code welcome}, a request with no answer on a silent socket, an open socket
 * that no longer answers pings. Each runs for the settings' connect timeout (a first connect's
 * handshake for what is left of it) and, when it fires on the connection's current socket,
 * reports the socket lost with a {@link java.util.concurrent.TimeoutException}: the connection
 * then tries again or closes as for any lost socket (see {@link Attempts}), and a reconnect
 * resends the outbox. A timer for a socket that is no longer current does nothing.
 */
final class Liveness {
    private final Connection connection;
    private final Object lock;
    private final Duration timeout;
    private final Executor executor;

    Liveness(Connection connection, Object lock, Duration timeout, Executor executor) {
        this.connection = connection;
        this.lock = lock;
        this.timeout = timeout;
        this.executor = executor;
    }

    /** An attempt that is not ready (welcomed) within {@code limit} is lost. */
    void handshake(Socket attempt, Duration limit) {
        after(limit.toMillis(), () -> timedOut(attempt, limit));
    }

    private void timedOut(Socket attempt, Duration limit) {
        synchronized (lock) {
            if (connection.isCurrent(attempt) && !attempt.ready) {
                connection.lost(attempt, new TimeoutException("No welcome within " + limit.toMillis() + " ms"), false);
            }
        }
    }

    /**
     * A request sent on {@code on} that gets no answer, on a socket that receives nothing at all
     * for the connect timeout, means the socket died without telling: drop it and reconnect
     * (the outbox resends the request).
     */
    void answer(Socket on, CompletableFuture<?> answered) {
        long sentAt = System.nanoTime();
        Future<?> timer = after(timeout.toMillis(), () -> {
            boolean silent;
            synchronized (lock) {
                silent = connection.isCurrent(on) && !answered.isDone() && on.lastReceived - sentAt < 0;
            }
            if (silent) {
                connection.lost(
                        on,
                        new TimeoutException("No answer from the server within " + timeout.toMillis() + " ms"),
                        false);
            }
        });
        answered.whenComplete((answer, failure) -> timer.cancel(false)); // holds nothing once answered
    }

    /**
     * Pings an open socket every connect-timeout period; one that has received nothing (not even
     * a pong) for two periods is dead although no read or write said so: drop it and reconnect.
     * Without this, a client with nothing to send never notices a server that vanished.
     */
    void heartbeat(Socket on) {
        long period = timeout.toMillis();
        after(period, () -> {
            boolean dead;
            synchronized (lock) {
                if (!connection.isCurrent(on) || !on.ready) {
                    return;
                }
                dead = System.nanoTime() - on.lastReceived > TimeUnit.MILLISECONDS.toNanos(2 * period);
                if (!dead) {
                    on.ping();
                }
            }
            if (dead) {
                connection.lost(on, new TimeoutException("The server stopped answering pings"), false);
            } else {
                heartbeat(on);
            }
        });
    }

    private Future<?> after(long millis, Runnable task) {
        return SharedPool.timer().schedule(() -> executor.execute(task), millis, TimeUnit.MILLISECONDS);
    }
}
