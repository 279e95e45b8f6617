package dev.concierge.server.support;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon thread that runs rounds of work, parked between them for a tick or until {@link
 * #wake()}: the shape of the outbox senders. A wake that comes while a round runs (which may park
 * the thread too, waiting for the store, using up the unpark) still makes it look again before it
 * sleeps. A round that throws is logged and the next one runs after the tick.
 */
public final class RoundThread {
    private static final Logger LOG = LoggerFactory.getLogger(RoundThread.class);

    private final String name;
    private final Duration tick;
    private final AtomicBoolean woken = new AtomicBoolean();
    private volatile boolean running = true;
    private volatile Thread thread;

    /** A thread named {@code name}, sleeping {@code tick} between rounds when nothing wakes it. */
    public RoundThread(String name, Duration tick) {
        this.name = Objects.requireNonNull(name, "name");
        if (tick == null || tick.isNegative() || tick.isZero()) {
            throw new IllegalArgumentException("tick must be positive, was " + tick);
        }
        this.tick = tick;
    }

    /**
     * Starts the thread running {@code round} until {@link #stop}; a round answers whether to run
     * the next one at once (more work waits) rather than after the tick.
     */
    public synchronized void start(BooleanSupplier round) {
        if (thread != null) {
            throw new IllegalStateException(name + " is started already");
        }
        Thread t = new Thread(() -> run(round), name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Makes the thread run a round now. */
    public void wake() {
        woken.set(true);
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Whether {@link #stop} has not been called. */
    public boolean running() {
        return running;
    }

    /** Stops the thread, letting its round finish for at most {@code wait}. */
    public void stop(Duration wait) {
        running = false;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The value of a store {@code write} a round waits for, at most {@code timeout}; a failure, a
     * timeout or an interrupt is an {@link IllegalStateException} naming {@code what} was written.
     */
    public static <T> T await(CompletableFuture<T> write, Duration timeout, String what) {
        try {
            return write.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what + " was written", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(what + " could not be written: " + e.getMessage(), e);
        }
    }

    private void run(BooleanSupplier round) {
        while (running) {
            woken.set(false);
            boolean again = false;
            try {
                again = round.getAsBoolean();
            } catch (RuntimeException e) {
                LOG.warn("{}: {}", name, e.toString());
            }
            if (running && !again && !woken.get()) {
                LockSupport.parkNanos(tick.toNanos());
            }
        }
    }
}
