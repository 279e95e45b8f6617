package dev.concierge.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes SQLite commits durable on a thread of its own, so the writer does not wait for the
 * disk between transactions. The writer's connection commits with {@code synchronous = NORMAL}:
 * the commit writes its WAL frames to the operating system and returns. The writer then hands
 * this syncer the completion of the batch; the syncer takes every completion queued, fsyncs the
 * WAL file once, and only then runs them, in order. A write is therefore acknowledged only once
 * it is on disk, exactly as with {@code synchronous = FULL}, but the writer builds and commits
 * the next batch while the disk works on the last one: with the fsync inside the commit, the
 * single writer spent most of its time waiting for the disk, and that wait bounded relay.
 *
 * <p>SQLite itself syncs the WAL before any checkpoint copies it into the database file, and
 * the database file after, so no checkpoint or WAL rewind can drop a frame this syncer has not
 * reached yet.
 *
 * <p>A failed fsync is final. The kernel may have dropped the pages it could not write and
 * marked them clean, so a later fsync that succeeds says nothing about them (PostgreSQL stops
 * for the same reason). From the first failure on, this syncer fails every completion without
 * syncing again, and {@link #failure} tells the writer to refuse further writes; a restart's
 * recovery then reads what really reached the disk (docs/storage.md).
 */
public final class WalSyncer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalSyncer.class);

    /** What makes the committed data durable; a test may count or hold the calls. */
    @FunctionalInterface
    public interface Sync {
        void sync() throws IOException;
    }

    /** Runs once the data committed before it was queued is on disk, or could not be made so. */
    @FunctionalInterface
    interface Completion {
        /** @param failure why the sync failed, or null once the data is on disk */
        void done(Throwable failure);
    }

    private static final Completion STOP = failure -> {};

    private final Sync sync;
    private final BlockingQueue<Completion> pending = new LinkedBlockingQueue<>();
    private final Thread thread;
    /** The first failed sync, kept for good: see {@link #failure}. */
    private volatile Throwable failed;

    /** Syncs {@code wal}, SQLite's write-ahead log file. */
    WalSyncer(Path wal) {
        this(() -> fsync(wal));
    }

    WalSyncer(Sync sync) {
        this.sync = sync;
        thread = new Thread(this::run, "concierge-store-sync");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues {@code completion} to run after the next sync; called after each commit. */
    void afterSync(Completion completion) {
        pending.add(completion);
    }

    /**
     * Why no commit can be made durable any more: the first sync that failed, or null while
     * every sync has succeeded. Once set it stays set until the process ends.
     */
    Throwable failure() {
        return failed;
    }

    /** Syncs and runs everything queued so far, then stops. */
    @Override
    public void close() {
        pending.add(STOP);
        Threads.joinUninterruptibly(thread); // the queued completions were promised: wait for them
    }

    private void run() {
        List<Completion> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            batch.clear();
            try {
                batch.add(pending.take());
            } catch (InterruptedException e) {
                continue; // only STOP ends the syncer
            }
            pending.drainTo(batch);
            stopping = batch.remove(STOP);
            if (batch.isEmpty()) {
                continue;
            }
            Throwable failure = failed;
            if (failure == null) {
                try {
                    sync.sync();
                } catch (IOException | RuntimeException e) {
                    log.error(
                            "syncing the store's WAL failed; {} commit(s) are not known to be on disk, and the store"
                                    + " takes no more writes until the server restarts",
                            batch.size(),
                            e);
                    failed = e;
                    failure = e;
                }
            }
            for (Completion c : batch) {
                try {
                    c.done(failure);
                } catch (RuntimeException e) {
                    log.error("a store completion failed", e);
                }
            }
        }
    }

    /**
     * fsyncs the file's data. No WAL file means SQLite checkpointed it into the database file
     * and removed it, after syncing both: nothing is left to sync.
     */
    static void fsync(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(false);
        } catch (NoSuchFileException e) {
            // nothing to make durable
        }
    }
}
