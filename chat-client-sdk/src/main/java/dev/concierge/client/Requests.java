package dev.concierge.client;

import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request bookkeeping of a {@link Connection}: its {@link Outbox}, each request's deadline
 * and withdrawal by its caller, the rounds that send again what the server could not store, and
 * completing futures on the executor (never under the lock, never on the common pool).
 *
 * <p>A request leaves the outbox when answered, refused, past its deadline, withdrawn by its
 * caller (who cancelled or failed its future), or when the client closes; what left is never sent
 * again. A request written to a socket at least once may have been stored by the server: its
 * deadline then fails it with {@code withdrawn() == false}. Methods marked "under the lock" are
 * called holding the connection's lock; the others take it.
 */
final class Requests {
    private static final Logger log = LoggerFactory.getLogger(Requests.class);

    private final Object lock;
    private final Executor pool;
    private final Backoff backoff;
    private final Outbox outbox = new Outbox();
    /** Rounds of resends of requests the server could not store in a row: their backoff step. */
    private int storeRetries;
    /** Whether a round of resends is scheduled. */
    private boolean retryScheduled;

    Requests(Object lock, Executor pool, Backoff backoff) {
        this.lock = lock;
        this.pool = pool;
        this.backoff = backoff;
    }

    /** The requests waiting for their answer. Under the lock. */
    Outbox outbox() {
        return outbox;
    }

    /**
     * Adds a request that fails with {@link DeadlineExceededException} unless it left the outbox
     * within {@code deadline}. Under the lock.
     *
     * @throws IllegalArgumentException when a request with the same id is waiting
     */
    <T extends ServerMessage> Outbox.Request<T> add(ClientMessage message, Class<T> answerType, Duration deadline) {
        Outbox.Request<T> request = outbox.add(message, answerType, added -> () -> withdraw(added));
        Future<?> timer = after(deadline, () -> expire(request, deadline));
        request.future.whenComplete((answer, failure) -> timer.cancel(false));
        return request;
    }

    /** The caller gave up on {@code request}: it leaves the outbox, if still there. */
    private void withdraw(Outbox.Request<?> request) {
        synchronized (lock) {
            if (outbox.remove(request)) {
                log.debug("Request {} withdrawn by its caller", request.message.id());
            }
        }
    }

    /** {@code request}'s deadline passed: it leaves the outbox and fails, unless it left already. */
    private void expire(Outbox.Request<?> request, Duration deadline) {
        boolean withdrawn;
        synchronized (lock) {
            if (!outbox.remove(request)) {
                return;
            }
            withdrawn = !request.written;
        }
        request.future.completeExceptionally(new DeadlineExceededException(request.message.id(), deadline, withdrawn));
    }

    /** Completes {@code request}, which left the outbox, with {@code answer} on the executor. */
    void complete(Outbox.Request<?> request, ServerMessage answer) {
        storeRetries = 0;
        pool.execute(() -> request.complete(answer));
    }

    /** Fails {@code request}, which left the outbox, with {@code cause} on the executor. */
    void fail(Outbox.Request<?> request, ConciergeClientException cause) {
        pool.execute(() -> request.future.completeExceptionally(cause));
    }

    /** Fails every waiting request with {@code cause} (the client closes). Under the lock. */
    void failAll(ConciergeClientException cause) {
        for (Outbox.Request<?> request : outbox.drain()) {
            fail(request, cause);
        }
    }

    /**
     * The server could not store {@code request} ({@code internal}): the same request, same id,
     * in its place, in a round of resends after a backoff ({@code resend} writes those of
     * {@link Outbox#takeStoreFailed()} if a socket is ready; otherwise the next welcome resends
     * the whole outbox). One round sends every such request in the order first sent: a message
     * after it that failed with it must not be stored first. Under the lock.
     */
    void storeFailed(Outbox.Request<?> request, Supplier<Boolean> resend) {
        request.storeFailed = true;
        scheduleRound(resend);
    }

    private void scheduleRound(Supplier<Boolean> resend) {
        if (retryScheduled) {
            return;
        }
        retryScheduled = true;
        after(backoff.delay(storeRetries++), () -> {
            synchronized (lock) {
                retryScheduled = false;
                if (resend.get() && outbox.anyStoreFailed()) {
                    scheduleRound(resend);
                }
            }
        });
    }

    /** Runs {@code task} on the executor after {@code delay}, unless the returned future is cancelled first. */
    Future<?> after(Duration delay, Runnable task) {
        return SharedPool.timer().schedule(() -> pool.execute(task), delay.toNanos(), TimeUnit.NANOSECONDS);
    }
}
