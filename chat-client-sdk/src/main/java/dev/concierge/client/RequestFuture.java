package dev.concierge.client;

import java.util.concurrent.CompletableFuture;

/**
 * The future of one request in a {@link Connection}'s outbox. Cancelling it ({@link #cancel}) or
 * failing it from outside ({@link #completeExceptionally}, which {@link #orTimeout} uses) before
 * its answer withdraws the request: it leaves the outbox and is never sent again; if it was not
 * written yet the server never sees it. Completing it normally from outside does not withdraw it
 * (the request stays in the outbox until answered, then nothing more happens).
 *
 * <p>Dependent stages ({@code thenApply}, ...) are plain futures: cancelling one does not reach
 * back to the request. The clients' public methods return a future made with
 * {@link Results#mapped}, which does: cancelled or failed by the caller, it cancels this one.
 */
final class RequestFuture<T> extends CompletableFuture<T> {
    /** What withdraws the request from its outbox; a no-op once the request has left it. */
    private final Runnable withdraw;

    RequestFuture(Runnable withdraw) {
        this.withdraw = withdraw;
    }

    @Override
    public boolean completeExceptionally(Throwable failure) {
        boolean failed = super.completeExceptionally(failure);
        if (failed) {
            withdraw.run();
        }
        return failed;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            withdraw.run();
        }
        return cancelled;
    }
}
