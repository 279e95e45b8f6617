package dev.concierge.store;

import dev.concierge.protocol.Author;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's one writer: group commit on a daemon thread. Callers {@link #submit} writes
 * without blocking; the thread takes everything queued (up to {@link #MAX_BATCH}), runs it in
 * one transaction, commits, and only then completes the futures, in submission order. If the
 * batch fails, each write is retried alone in its own transaction, so one bad write fails only
 * its own future (docs/architecture.md#group-commit-on-one-writer).
 *
 * <p>On SQLite the commit does not wait for the disk: a {@link WalSyncer} fsyncs the WAL on its
 * own thread and completes the futures after, while this thread goes on with the next batch.
 * Once an fsync has failed, this writer refuses every write without touching the database
 * ({@link #failure}): none of them could be acknowledged honestly.
 *
 * <p>Futures complete on the writer thread, or the syncer's: callers must not block in callbacks attached with
 * the non-async {@code CompletableFuture} methods.
 */
final class JdbcWriter implements AutoCloseable {
    /** The most writes committed in one transaction. */
    static final int MAX_BATCH = 4096;
    /** What a refused write fails with, before what it was. */
    static final String UNAVAILABLE =
            "store takes no writes since an fsync of its WAL failed; restart the server: cannot ";

    private static final Logger log = LoggerFactory.getLogger(JdbcWriter.class);

    /**
     * One write. It adds statements with {@link Tx#add}; it may throw {@link StoreException}
     * to reject itself, but only before it adds anything, so the rest of the batch goes on.
     */
    interface Write {
        void apply(Tx tx) throws SQLException;
    }

    /** What a write sees of the transaction it runs in; used on the writer thread only. */
    interface Tx {
        /** Adds one statement execution to the transaction (sent in JDBC batches before commit). */
        void add(String sql, Object... params) throws SQLException;

        /**
         * Adds one statement execution whose update count {@code count} is told once the
         * transaction has committed (never if it rolls back). A statement is either always
         * counted or never, within a transaction.
         */
        void addCounted(String sql, IntConsumer count, Object... params) throws SQLException;

        /** The last seq stored for a conversation, counting this transaction; 0 if none. */
        long lastSeq(String conversationId) throws SQLException;

        /** Records that this transaction stores {@code seq} as the conversation's last seq. */
        void advanceSeq(String conversationId, long seq);

        /**
         * Stores the name of an author of a conversation's events, {@link JdbcRows#namedApart named
         * apart} ({@code event_authors}), unless this writer already stored that very name: once
         * per conversation and author, and again only when the name changes.
         */
        void nameAuthor(String conversationId, Author author) throws SQLException;

        /**
         * Rejects the write (before it adds anything) unless attachment {@code attachmentId} is an
         * upload to {@code conversationId} that no message refers to, committed or in this
         * transaction.
         */
        void checkAttachment(String conversationId, String attachmentId) throws SQLException;

        /** Marks the upload {@code attachmentId} referred to by the message {@code seq}. */
        void referenceAttachment(String conversationId, String attachmentId, long seq) throws SQLException;
    }

    /** A queued write; {@code what} names it in errors, built only when one happens. */
    private record Op(Supplier<String> what, Write write, CompletableFuture<Void> future) {}

    private static final Op STOP = new Op(() -> "stop", tx -> {}, null);

    /** Completes futures once the commit is on disk (SQLite); null when the commit syncs itself. */
    private final WalSyncer syncer;

    private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private boolean closed; // guarded by this: no op is queued after STOP
    private volatile boolean rewindRequested;
    /** Set once a commit was refused by the fence: every later write is refused too. */
    private volatile Throwable fencedOut;

    private final EventMerge merge;
    /** Merges recent events on a thread of its own, beside this writer. */
    private final Merger merger;

    /** The transaction batches run in; used on the writer thread only. */
    private final JdbcTransaction tx;

    /** Connects and starts the writer thread. */
    JdbcWriter(JdbcDatabase database) {
        this(database, EventMerge.DEFAULT_THRESHOLD);
    }

    /** Connects and starts the writer thread, merging recent events every {@code mergeThreshold} rows. */
    JdbcWriter(JdbcDatabase database, int mergeThreshold) {
        this(database, database.isSqlite() ? new WalSyncer(database.sqliteWal()) : null, mergeThreshold);
    }

    /** With the given syncer (SQLite only), or none. */
    JdbcWriter(JdbcDatabase database, WalSyncer syncer) {
        this(database, syncer, EventMerge.DEFAULT_THRESHOLD);
    }

    /**
     * With the given syncer (SQLite only), or none. Events left in {@code recent_events} by an
     * earlier run are merged now, before anything reads the store; the merges then run on their
     * own thread ({@link Merger}).
     */
    JdbcWriter(JdbcDatabase database, WalSyncer syncer, int mergeThreshold) {
        this(database, syncer, mergeThreshold, null);
    }

    /** As above, every transaction fenced by {@code fencing} (null: not fenced). */
    JdbcWriter(JdbcDatabase database, WalSyncer syncer, int mergeThreshold, Fencing fencing) {
        this.syncer = syncer;
        this.merge = new EventMerge(mergeThreshold);
        this.tx = new JdbcTransaction(database, syncer != null, fencing);
        try {
            tx.ensureConnection();
            this.merger = new Merger(database, merge, tx.lastRowid(), this::clearMerged);
            tx.skipRowidsTo(merger.mark());
        } catch (SQLException e) {
            if (syncer != null) {
                syncer.close();
            }
            tx.disconnect();
            throw new StoreException("cannot connect to " + database.url(), e);
        }
        thread = new Thread(this::run, "concierge-store-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a write; the future completes once it is committed, or fails if it is rejected. */
    CompletableFuture<Void> submit(String what, Write write) {
        return submit(() -> what, write);
    }

    /**
     * Queues a write named by {@code what}, which is called only if the write fails (so a write
     * made per message does not build its error text per message).
     */
    CompletableFuture<Void> submit(Supplier<String> what, Write write) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                future.completeExceptionally(new StoreException("store is closed: cannot " + what.get()));
                return future;
            }
            queue.add(new Op(what, write, future));
        }
        return future;
    }

    /** Adds the counted statement that claims one item of {@link #submitClaims}. */
    interface ClaimStep<T> {
        void add(Tx tx, T item, IntConsumer count) throws SQLException;
    }

    /**
     * Queues a write that claims {@code items}, one counted statement each ({@code step}); the
     * future completes with the ids of those whose statement changed a row.
     */
    <T> CompletableFuture<Set<String>> submitClaims(
            String what, List<T> items, Function<T, String> id, ClaimStep<T> step) {
        List<T> all = List.copyOf(items);
        // Told on the writer thread after the commit, read once the future completes.
        Set<String> claimed = ConcurrentHashMap.newKeySet();
        return submit(what, tx -> {
                    claimed.clear(); // a write retried alone runs again
                    for (T item : all) {
                        step.add(tx, item, n -> {
                            if (n > 0) {
                                claimed.add(id.apply(item));
                            }
                        });
                    }
                })
                .thenApply(v -> Set.copyOf(claimed));
    }

    /**
     * Asks for a SQLite WAL rewind (see {@link SqliteCheckpointer}): after its next commit this
     * thread checkpoints whatever the background checkpoints left, so that the commit after
     * writes from the start of the WAL file again.
     */
    void requestWalRewind() {
        rewindRequested = true;
    }

    /** Stops accepting writes, commits those already queued, and closes the connection. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        }
        Threads.joinUninterruptibly(thread); // finish draining all the same: those writes were promised
        merger.close(); // the last commit is on disk: merges the rest, leaves recent_events empty
    }

    /** Asks for the rows up to {@code rowid}, merged, to leave {@code recent_events} (SQLite). */
    private void clearMerged(long rowid) {
        submit(() -> "delete merged events up to " + rowid, tx -> tx.add(Merger.CLEAR, rowid));
    }

    /**
     * Why this writer refuses every write until the process restarts, or null while it takes
     * them: on SQLite, the first fsync of the WAL that failed ({@link WalSyncer#failure}).
     */
    Throwable failure() {
        Throwable out = fencedOut;
        return out != null ? out : syncer == null ? null : syncer.failure();
    }

    /** The merges of recent events this writer runs, with their counts for {@code /metrics}. */
    public EventMerge merges() {
        return merge;
    }

    private void run() {
        List<Op> batch = new ArrayList<>(MAX_BATCH);
        boolean stopping = false;
        while (!stopping) {
            batch.clear();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only STOP ends the writer
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            int stop = batch.indexOf(STOP);
            if (stop >= 0) {
                stopping = true;
                batch.subList(stop, batch.size()).clear(); // nothing follows STOP anyway
            }
            if (!batch.isEmpty()) {
                try {
                    execute(batch);
                } catch (Throwable e) { // the writer must outlive any one batch
                    log.error("store writer failed on a batch of {}", batch.size(), e);
                    batch.forEach(op -> op.future().completeExceptionally(e));
                }
            }
        }
        if (syncer != null) {
            syncer.close(); // the last completions run once the last commit is on disk
        }
        tx.disconnect();
    }

    private void execute(List<Op> batch) {
        Throwable lost = failure();
        if (lost != null) { // nothing committed now could be promised: refuse, change nothing
            for (Op op : batch) {
                op.future()
                        .completeExceptionally(
                                new StoreException(UNAVAILABLE + op.what().get(), lost));
            }
            return;
        }
        Throwable[] outcomes = new Throwable[batch.size()];
        try {
            tx.ensureConnection();
            for (int i = 0; i < batch.size(); i++) {
                outcomes[i] = applyOrReject(batch.get(i));
            }
            tx.commit();
        } catch (JdbcTransaction.FencedOut e) {
            tx.rollback();
            log.warn("store writes refused from now on: {}", e.getMessage());
            fencedOut = e;
            for (Op op : batch) {
                op.future()
                        .completeExceptionally(
                                new StoreException(UNAVAILABLE + op.what().get(), e));
            }
            return;
        } catch (SQLException | RuntimeException e) {
            tx.rollback();
            if (batch.size() > 1) {
                log.debug("batch of {} failed ({}); retrying one by one", batch.size(), reason(e));
            }
            for (int i = 0; i < batch.size(); i++) {
                outcomes[i] = executeAlone(batch.get(i));
            }
        }
        long appended = tx.lastRowid(); // every row up to it is committed, or was rolled back for good
        if (syncer == null) {
            complete(batch, outcomes, null);
            merger.durable(appended);
        } else {
            List<Op> ops = List.copyOf(batch);
            syncer.afterSync(failure -> {
                complete(ops, outcomes, failure);
                if (failure == null) {
                    merger.durable(appended);
                }
            });
        }
        if (rewindRequested && tx.connected()) {
            rewindRequested = false;
            tx.rewindWal();
        }
    }

    private static void complete(List<Op> batch, Throwable[] outcomes, Throwable syncFailure) {
        for (int i = 0; i < batch.size(); i++) {
            Op op = batch.get(i);
            Throwable outcome = outcomes[i];
            if (outcome == null && syncFailure != null) {
                outcome = new StoreException(
                        "store could not make durable: " + op.what().get(), syncFailure);
            }
            if (outcome == null) {
                op.future().complete(null);
            } else {
                op.future().completeExceptionally(outcome);
            }
        }
    }

    /** Runs one write in its own transaction; returns null once committed, else why not. */
    private Throwable executeAlone(Op op) {
        try {
            tx.ensureConnection();
            Throwable rejected = applyOrReject(op);
            tx.commit();
            return rejected;
        } catch (SQLException | RuntimeException e) {
            tx.rollback();
            if (e instanceof JdbcTransaction.FencedOut) {
                fencedOut = e;
            }
            String reason = reason(e);
            log.warn("store could not {}: {}", op.what().get(), reason);
            return e instanceof StoreException
                    ? e
                    : new StoreException("store could not " + op.what().get() + ": " + reason, e);
        }
    }

    private StoreException applyOrReject(Op op) throws SQLException {
        try {
            op.write().apply(tx);
            return null;
        } catch (StoreException rejected) {
            return rejected;
        }
    }

    /** Why a write failed, without the parameter values some drivers put in their messages. */
    private static String reason(Exception e) {
        SQLException next = e instanceof SQLException sql ? sql.getNextException() : null;
        return next != null ? next.getMessage() : e.getMessage();
    }
}
