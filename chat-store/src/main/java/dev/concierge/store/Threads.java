package dev.concierge.store;

/** Small thread helpers for the store's own threads. */
final class Threads {
    private Threads() {}

    /**
     * Waits until {@code thread} has ended, even if interrupted meanwhile (what it was finishing
     * was promised to someone); the interrupt is kept for the caller.
     */
    static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
