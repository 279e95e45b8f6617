package dev.concierge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges {@code recent_events} into {@code events} ({@link EventMerge} says why and when) on a
 * thread of its own, {@code concierge-store-merger}, with a connection of its own, while the
 * store's writer ({@link JdbcWriter}) goes on committing. A merge of 8,192 rows under load takes
 * 50–150 ms; on the writer, nothing was committed meanwhile and every conversation waited.
 *
 * <p>The writer numbers the events it appends and tells this merger, after each commit is on
 * disk, the highest number ({@link #durable}).
 * <ul>
 *   <li><b>SQLite</b> lets one connection write a file at a time, so the merged events live in a
 *   file of their own ({@link MergedEvents}). The number is the row's {@code rowid}. A merge
 *   moves the rows between the mark and the number on disk into that file and moves the mark in
 *   the same transaction, then asks the writer to delete them from {@code recent_events}
 *   ({@code clear}); until it does, readers skip them by the mark.</li>
 *   <li><b>PostgreSQL</b> has no such lock. A merge is one transaction at {@code REPEATABLE
 *   READ}: it numbers the new conversations and moves every row its snapshot sees, deleting it
 *   from {@code recent_events} and inserting it into {@code events} in one statement
 *   ({@link EventMerge#MOVE}); rows the writer commits meanwhile wait for the next merge. The
 *   number only counts rows, for the schedule.</li>
 * </ul>
 * A failed merge rolls back whole (its rows stay readable where they are) and the next is tried
 * after {@link EventMerge#RETRY_MILLIS}.
 */
final class Merger {
    static final String NUMBER = "INSERT INTO merged.conversation_keys (conversation_id, num)"
            + " SELECT conversation_id, (SELECT COALESCE(MAX(num), 0) FROM merged.conversation_keys)"
            + " + ROW_NUMBER() OVER (ORDER BY conversation_id)"
            + " FROM (SELECT DISTINCT conversation_id FROM main.recent_events r"
            + " WHERE r.rowid > ?1 AND r.rowid <= ?2 AND NOT EXISTS"
            + " (SELECT 1 FROM merged.conversation_keys k WHERE k.conversation_id = r.conversation_id)) fresh";
    /**
     * The move on SQLite. A plain {@code INSERT ... SELECT} inside a transaction can fail half
     * way (a duplicate key, a NULL), so SQLite first copies every page the statement changes into
     * a statement journal, a temporary file, to undo just that statement: about 2,300
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
    /** What the writer runs once a SQLite merge committed: its rows leave {@code recent_events}. */
    static final String CLEAR = "DELETE FROM main.recent_events WHERE rowid <= ?";
    /** Once {@code recent_events} is empty the mark starts again (a clean stop). */
    static final String RESET =
            "UPDATE merged.merge_mark SET upto = 0 WHERE NOT EXISTS (SELECT 1 FROM main.recent_events)";
    /**
     * SQLite merges between two checkpoints of the merged file's WAL. Every merge rewrites the
     * index leaves of the live conversations; checkpointed after each, each leaf was copied into
     * {@code events.db} once per merge (29% of the merger's CPU under the relay benchmark).
     * Checkpointed after eight, a leaf that eight merges rewrote is copied once, and the WAL
     * holds about eight merges' pages (about 40 MB under that load).
     */
    static final int MERGES_PER_CHECKPOINT = 8;

    private static final Logger log = LoggerFactory.getLogger(Merger.class);

    private final JdbcDatabase database;
    private final boolean sqlite;
    private final EventMerge schedule; // guarded by this
    private final LongConsumer clear;
    private final Thread thread;
    private Connection connection; // merger thread, or the caller of open and close while it is not running
    private int uncheckpointed; // SQLite merges since the last checkpoint; same threads as connection
    private boolean stopping; // guarded by this

    /**
     * Reads where the last merge stopped, merges what an earlier run left (and on SQLite deletes
     * what it merged but did not delete), before anything reads the store; then starts the
     * merger thread.
     *
     * @param onDisk the writer's highest number now: on SQLite the highest rowid of
     *               {@code recent_events}, on PostgreSQL its count of rows
     * @param clear asks the writer to delete the rows up to a rowid from {@code recent_events}
     *              (SQLite)
     */
    Merger(JdbcDatabase database, EventMerge schedule, long onDisk, LongConsumer clear) throws SQLException {
        this.database = database;
        this.sqlite = database.isSqlite();
        this.schedule = schedule;
        this.clear = clear;
        connect();
        long mark;
        try {
            mark = sqlite ? readMark() : 0;
        } catch (SQLException e) {
            disconnect();
            throw e;
        }
        synchronized (this) {
            schedule.start(mark, onDisk, System.nanoTime());
        }
        mergeAndClearHere();
        thread = new Thread(this::run, "concierge-store-merger");
        thread.setDaemon(true);
        thread.start();
    }

    /** The highest number merged so far (on SQLite the writer numbers its rows above it). */
    synchronized long mark() {
        return schedule.mark();
    }

    /** The writer's rows up to {@code number} are committed and on disk. */
    void durable(long number) {
        synchronized (this) {
            if (schedule.durable(number, System.nanoTime())) {
                notifyAll();
            }
        }
    }

    /**
     * Stops the thread after the merge under way, then merges the rest (and on SQLite deletes it
     * from {@code recent_events} itself): call after the writer's last commit is on disk.
     */
    void close() {
        synchronized (this) {
            stopping = true;
            notifyAll();
        }
        Threads.joinUninterruptibly(thread);
        mergeAndClearHere();
        if (sqlite) {
            try {
                if (connection == null) {
                    connect();
                }
                try (Statement s = connection.createStatement()) {
                    s.executeUpdate(RESET);
                    connection.commit();
                    SqliteCheckpointer.framesLeft(connection, "TRUNCATE", MergedEvents.SCHEMA);
                    connection.commit();
                }
            } catch (SQLException e) {
                log.warn("could not finish the merged events file: {}", e.getMessage());
            }
        }
        disconnect();
    }

    private void run() {
        while (true) {
            long upTo;
            synchronized (this) {
                long wait;
                while (!stopping && (wait = schedule.nanosUntilDue(System.nanoTime())) > 0) {
                    try {
                        wait(Math.max(1, wait / 1_000_000));
                    } catch (InterruptedException e) {
                        // only close() stops the merger
                    }
                }
                if (stopping) {
                    return;
                }
                upTo = schedule.durable();
            }
            if (merge(upTo) >= 0 && sqlite) {
                clear.accept(upTo);
            }
        }
    }

    private void mergeAndClearHere() {
        long upTo;
        synchronized (this) {
            upTo = schedule.durable();
        }
        if (merge(upTo) < 0 || !sqlite) {
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
            from = schedule.mark();
        }
        if (upTo <= from) {
            return 0;
        }
        long start = System.nanoTime();
        synchronized (this) {
            schedule.begin();
        }
        try {
            if (connection == null) {
                connect();
            }
            long moved = sqlite ? moveSqlite(from, upTo) : movePostgres();
            connection.commit();
            long took = System.nanoTime() - start;
            synchronized (this) {
                schedule.merged(upTo, System.nanoTime());
                schedule.record(moved, took);
            }
            if (log.isDebugEnabled()) {
                log.debug("merged {} events in {} ms", moved, took / 1_000_000);
            }
            if (sqlite && ++uncheckpointed >= MERGES_PER_CHECKPOINT) {
                uncheckpointed = 0;
                checkpoint();
            }
            return moved;
        } catch (SQLException e) {
            rollbackQuietly();
            synchronized (this) {
                schedule.failed(System.nanoTime());
            }
            log.error(
                    "could not merge {} recent events (they stay readable; next attempt in {} s): {}",
                    upTo - from,
                    EventMerge.RETRY_MILLIS / 1000,
                    e.getMessage());
            return -1;
        }
    }

    /**
     * Copies the merged file's WAL into it, after a merge has committed: a failure here is the
     * checkpoint's own (logged; the next one copies what this one left), not the merge's.
     */
    private void checkpoint() {
        try {
            SqliteCheckpointer.framesLeft(connection, "PASSIVE", MergedEvents.SCHEMA);
            connection.commit(); // ends the driver's empty transaction
        } catch (SQLException e) {
            rollbackQuietly();
            log.warn("checkpoint of {} failed: {}", MergedEvents.FILE, e.getMessage());
        }
    }

    private long moveSqlite(long from, long upTo) throws SQLException {
        long waiting = rangeStatement(WAITING, from, upTo, true);
        rangeStatement(NUMBER, from, upTo, false);
        long moved = rangeStatement(MOVE, from, upTo, false);
        if (moved != waiting) {
            throw new SQLException("moved " + moved + " events but " + waiting + " were waiting");
        }
        try (PreparedStatement ps = connection.prepareStatement(MARK)) {
            ps.setLong(1, upTo);
            ps.executeUpdate();
        }
        return moved;
    }

    private long movePostgres() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.executeUpdate(EventMerge.NUMBER);
            try (ResultSet rs = s.executeQuery(EventMerge.MOVE)) {
                rs.next();
                long deleted = rs.getLong(1);
                long inserted = rs.getLong(2);
                if (deleted != inserted) {
                    throw new SQLException("moved " + inserted + " events but cleared " + deleted);
                }
                return inserted;
            }
        }
    }

    private long rangeStatement(String sql, long from, long upTo, boolean query) throws SQLException {
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
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery(READ_MARK)) {
            long m = rs.next() ? rs.getLong(1) : 0;
            connection.commit();
            return m;
        }
    }

    private void connect() throws SQLException {
        Connection c = database.connect();
        try {
            c.setAutoCommit(false);
            if (!sqlite) { // one snapshot for numbering and moving: no row moved without its number
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            }
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
