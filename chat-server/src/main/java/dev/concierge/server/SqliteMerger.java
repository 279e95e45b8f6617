package dev.concierge.server;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges SQLite's {@code recent_events} into the merged file ({@link MergedEvents}) on a thread of
 * its own, {@code concierge-store-merger}, while the store's writer ({@link JdbcWriter}) goes on
 * committing: the PostgreSQL store merges on its writer ({@link EventMerge#merge}).
 *
 * <p>The writer numbers the rows it appends ({@code rowid}) and tells this merger, after each
 * fsync, the highest one on disk ({@link #durable}). A merge takes the rows between the mark and
 * that number, sorts them into the merged events in one transaction that also moves the mark,
 * and then asks the writer to delete them from {@code recent_events} ({@code clear}); until it
 * does, readers skip them by the mark. A merge is due as {@link EventMerge} says: once
 * {@link EventMerge#threshold} rows wait, or once the first of them has waited
 * {@link EventMerge#MAX_AGE_MILLIS}. A failed merge rolls back whole and is tried again after
 * {@link EventMerge#RETRY_MILLIS}; its rows stay readable where they are.
 */
final class SqliteMerger {
    static final String NUMBER = "INSERT INTO merged.conversation_keys (conversation_id, num)"
            + " SELECT conversation_id, (SELECT COALESCE(MAX(num), 0) FROM merged.conversation_keys)"
            + " + ROW_NUMBER() OVER (ORDER BY conversation_id)"
            + " FROM (SELECT DISTINCT conversation_id FROM main.recent_events r"
            + " WHERE r.rowid > ?1 AND r.rowid <= ?2 AND NOT EXISTS"
            + " (SELECT 1 FROM merged.conversation_keys k WHERE k.conversation_id = r.conversation_id)) fresh";
    /**
     * The move. A plain {@code INSERT ... SELECT} inside a transaction can fail half way (a
     * duplicate key, a NULL), so SQLite first copies every page the statement changes into a
     * statement journal, a temporary file, to undo just that statement: about 2,300
     * {@code pwrite} calls per merge of 8,192 rows, a quarter of the merge's system calls
     * (counted with {@code strace}). {@code OR IGNORE} cannot fail that way, so there is no
     * statement journal. Nothing is dropped silently: a row it ignores makes the moved count
     * differ from the rows waiting ({@link #WAITING}), and the merge rolls back.
     */
    static final String MOVE = "INSERT OR IGNORE INTO merged.events (event_key, seq, client_id, ts, kind,"
            + " author_json, text, bot_json, reason, agent_json, score, comment)"
            + " SELECT k.num * 4294967296 + r.seq, r.seq, r.client_id, r.ts, r.kind, r.author_json, r.text,"
            + " r.bot_json, r.reason, r.agent_json, r.score, r.comment"
            + " FROM main.recent_events r JOIN merged.conversation_keys k ON k.conversation_id = r.conversation_id"
            + " WHERE r.rowid > ?1 AND r.rowid <= ?2 ORDER BY k.num, r.seq";
    static final String WAITING = "SELECT COUNT(*) FROM main.recent_events WHERE rowid > ?1 AND rowid <= ?2";
    static final String MARK = "UPDATE merged.merge_mark SET upto = ?";
    static final String READ_MARK = "SELECT upto FROM merged.merge_mark";
    /** What the writer runs once a merge committed: its rows leave {@code recent_events}. */
    static final String CLEAR = "DELETE FROM main.recent_events WHERE rowid <= ?";
    /** Once {@code recent_events} is empty the mark starts again (a clean stop). */
    static final String RESET = "UPDATE merged.merge_mark SET upto = 0 WHERE NOT EXISTS (SELECT 1 FROM main.recent_events)";

    /**
     * Merges between two checkpoints of the merged file's WAL. Every merge rewrites the index
     * leaves of the live conversations; checkpointed after each, each leaf was copied into
     * {@code events.db} once per merge (29% of the merger's CPU under the relay benchmark).
     * Checkpointed after eight, a leaf that eight merges rewrote is copied once, and the WAL
     * holds about eight merges' pages (about 40 MB under that load).
     */
    static final int MERGES_PER_CHECKPOINT = 8;

    private static final Logger log = LoggerFactory.getLogger(SqliteMerger.class);

    private final JdbcDatabase database;
    private final EventMerge merge;
    private final LongConsumer clear;
    private final Thread thread;
    private Connection connection; // merger thread, or the caller of open and close while it is not running
    private int uncheckpointed; // merges since the last checkpoint; same threads as connection
    // Guarded by this.
    private long mark; // the highest rowid merged
    private long durable; // the highest rowid on disk in recent_events
    private long waitingSince; // System.nanoTime() when the first row above the mark became durable
    private long retryAt; // no merge before this System.nanoTime(), after a failure
    private boolean stopping;

    /**
     * Reads the mark, deletes what an earlier run merged but did not delete, and merges what it
     * left, before anything reads the store; then starts the merger thread.
     *
     * @param lastRowid the highest rowid in {@code recent_events} now (all of it committed)
     * @param clear asks the writer to delete the rows up to a rowid from {@code recent_events}
     */
    SqliteMerger(JdbcDatabase database, EventMerge merge, long lastRowid, LongConsumer clear) throws SQLException {
        this.database = database;
        this.merge = merge;
        this.clear = clear;
        connect();
        mark = readMark();
        durable = Math.max(lastRowid, mark);
        mergeAndClearHere();
        thread = new Thread(this::run, "concierge-store-merger");
        thread.setDaemon(true);
        thread.start();
    }

    /** The highest rowid of {@code recent_events} merged so far (the writer numbers above it). */
    synchronized long mark() {
        return mark;
    }

    /** The rows up to {@code rowid} are committed and on disk; called after each fsync. */
    void durable(long rowid) {
        synchronized (this) {
            if (rowid <= durable) {
                return;
            }
            boolean first = durable == mark; // the merger now waits for this row's age, not for rows
            if (first) {
                waitingSince = System.nanoTime();
            }
            durable = rowid;
            if (first || durable - mark >= merge.threshold()) {
                notifyAll();
            }
        }
    }

    /**
     * Stops the thread after the merge under way, then merges the rest and deletes it from
     * {@code recent_events} itself: call after the writer's last commit is on disk.
     */
    void close() {
        synchronized (this) {
            stopping = true;
            notifyAll();
        }
        Threads.joinUninterruptibly(thread);
        mergeAndClearHere();
        try {
            if (connection == null) {
                connect();
            }
        } catch (SQLException e) {
            log.warn("could not finish the merged events file: {}", e.getMessage());
            return;
        }
        try (Statement s = connection.createStatement()) {
            s.executeUpdate(RESET);
            connection.commit();
            SqliteCheckpointer.framesLeft(connection, "TRUNCATE", MergedEvents.SCHEMA);
            connection.commit();
        } catch (SQLException e) {
            log.warn("could not finish the merged events file: {}", e.getMessage());
        }
        disconnect();
    }

    private void run() {
        while (true) {
            long upTo;
            synchronized (this) {
                long wait;
                while (!stopping && (wait = nanosUntilDue()) > 0) {
                    long millis = Math.max(1, wait / 1_000_000);
                    try {
                        wait(millis);
                    } catch (InterruptedException e) {
                        // only close() stops the merger
                    }
                }
                if (stopping) {
                    return;
                }
                upTo = durable;
            }
            if (merge(upTo) >= 0) {
                clear.accept(upTo);
            }
        }
    }

    /** Guarded by this. 0 if a merge is due now. */
    private long nanosUntilDue() {
        if (durable <= mark) {
            return Long.MAX_VALUE;
        }
        long now = System.nanoTime();
        long at = durable - mark >= merge.threshold() ? now : waitingSince + EventMerge.MAX_AGE_MILLIS * 1_000_000;
        return Math.max(0, Math.max(at, retryAt) - now);
    }

    private void mergeAndClearHere() {
        long upTo;
        synchronized (this) {
            upTo = durable;
        }
        if (merge(upTo) < 0) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(CLEAR)) {
            ps.setLong(1, upTo);
            ps.executeUpdate();
            connection.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            log.warn("could not delete merged events from recent_events (readers skip them): {}", e.getMessage());
        }
    }

    /** Merges the rows above the mark up to {@code upTo}; returns how many, or -1 if it failed (logged). */
    private long merge(long upTo) {
        long from;
        synchronized (this) {
            from = mark;
        }
        if (upTo <= from) {
            return 0;
        }
        long start = System.nanoTime();
        try {
            if (connection == null) {
                connect();
            }
            long waiting = update(WAITING, from, upTo, true);
            update(NUMBER, from, upTo, false);
            long moved = update(MOVE, from, upTo, false);
            if (moved != waiting) {
                throw new SQLException("moved " + moved + " events but " + waiting + " were waiting");
            }
            try (PreparedStatement ps = connection.prepareStatement(MARK)) {
                ps.setLong(1, upTo);
                ps.executeUpdate();
            }
            connection.commit();
            long took = System.nanoTime() - start;
            synchronized (this) {
                mark = upTo;
                if (durable > mark) {
                    waitingSince = System.nanoTime();
                }
            }
            merge.record(moved, took);
            if (log.isDebugEnabled()) {
                log.debug("merged {} events in {} ms", moved, took / 1_000_000);
            }
            if (++uncheckpointed >= MERGES_PER_CHECKPOINT) {
                uncheckpointed = 0;
                SqliteCheckpointer.framesLeft(connection, "PASSIVE", MergedEvents.SCHEMA);
                connection.commit(); // ends the driver's empty transaction
            }
            return moved;
        } catch (SQLException e) {
            rollbackQuietly();
            synchronized (this) {
                retryAt = System.nanoTime() + EventMerge.RETRY_MILLIS * 1_000_000;
            }
            log.error("could not merge {} recent events (they stay readable; next attempt in {} s): {}",
                    upTo - from, EventMerge.RETRY_MILLIS / 1000, e.getMessage());
            return -1;
        }
    }

    private long update(String sql, long from, long upTo, boolean query) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setLong(1, from);
            ps.setLong(2, upTo);
            if (query) {
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0;
                }
            }
            return ps.executeUpdate();
        }
    }

    private long readMark() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(READ_MARK)) {
            long m = rs.next() ? rs.getLong(1) : 0;
            connection.commit();
            return m;
        }
    }

    private void connect() throws SQLException {
        Connection c = database.connect();
        try {
            c.setAutoCommit(false);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        connection = c;
    }

    private void rollbackQuietly() {
        try {
            if (connection != null) {
                connection.rollback();
                if (!connection.isValid(2)) {
                    disconnect();
                }
            }
        } catch (SQLException e) {
            disconnect();
        }
    }

    private void disconnect() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("closing the merger connection failed", e);
            }
            connection = null;
        }
    }
}
