package dev.concierge.server;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When new events are moved from {@code recent_events} into {@code events}, what those merges
 * did (for {@code /metrics}), and, on PostgreSQL, the move itself, on the writer thread
 * ({@link JdbcWriter}) between two of its transactions. On SQLite the moves run on a thread of
 * their own ({@link SqliteMerger}), which takes its threshold and counts its merges here.
 *
 * <p>Why two tables (migration V5): {@code events} is keyed by conversation and seq, so a row
 * written straight into it lands on the index page of its own conversation. With one message in
 * flight per conversation, as in a live chat, a group commit of 150 messages dirtied about 150
 * pages, each written twice (to the WAL, then by the checkpoint): about 3.3 {@code pwrite}
 * calls and 8 KB per message. {@code recent_events} has no index, so appended rows share pages;
 * a merge then inserts them sorted by conversation and seq, writing each conversation's page once
 * for all its new rows. The merge and the delete are one transaction, and readers see both
 * tables through the {@code stored_events} view, so no reader ever misses an event or sees one
 * twice.
 *
 * <p>A merge runs once {@link #threshold} rows have been committed to {@code recent_events}, or
 * once the oldest of them has waited {@link #MAX_AGE_MILLIS}, whichever comes first (the writer
 * wakes up for it when idle). So the table holds at most a second's worth of events, or the
 * threshold under heavy load, and at rest it is empty: a read scans little extra. A failed merge
 * leaves every row where it was (readable through the view) and is not tried again for
 * {@link #RETRY_MILLIS}, so that a persistent failure costs neither every batch nor the log.
 */
final class EventMerge {
    /** Rows in {@code recent_events} that start a merge. */
    static final int DEFAULT_THRESHOLD = 8192;
    /** How long a committed row may wait in {@code recent_events} before a merge. */
    static final long MAX_AGE_MILLIS = 1000;
    /** How long after a failed merge the next is tried. */
    static final long RETRY_MILLIS = 30_000;

    private static final Logger log = LoggerFactory.getLogger(EventMerge.class);
    /**
     * Numbers the conversations of {@code recent_events} that have none yet, after the highest
     * number given (migration V6: the events' key is the number times 2<sup>32</sup> plus the seq).
     */
    static final String NUMBER = "INSERT INTO conversation_keys (conversation_id, num)"
            + " SELECT conversation_id, (SELECT COALESCE(MAX(num), 0) FROM conversation_keys)"
            + " + ROW_NUMBER() OVER (ORDER BY conversation_id)"
            + " FROM (SELECT DISTINCT conversation_id FROM recent_events r WHERE NOT EXISTS"
            + " (SELECT 1 FROM conversation_keys k WHERE k.conversation_id = r.conversation_id)) fresh";
    private static final String MOVE_TAIL = " INTO events (event_key, seq, client_id, ts, kind, author_json, text,"
            + " bot_json, reason, agent_json, score, comment)"
            + " SELECT k.num * 4294967296 + r.seq, r.seq, r.client_id, r.ts, r.kind, r.author_json, r.text,"
            + " r.bot_json, r.reason, r.agent_json, r.score, r.comment"
            + " FROM recent_events r JOIN conversation_keys k ON k.conversation_id = r.conversation_id"
            + " ORDER BY k.num, r.seq";
    /** The move (PostgreSQL; SQLite's is {@link SqliteMerger#MOVE}). */
    static final String MOVE = "INSERT" + MOVE_TAIL;
    static final String CLEAR = "DELETE FROM recent_events";
    static final String COUNT = "SELECT COUNT(*) FROM recent_events";

    private final int threshold;
    private long committed; // rows in recent_events, as far as this writer knows
    private long uncommitted; // rows added by the open transaction
    private long oldestAt; // System.nanoTime() when the oldest committed row was committed
    private long retryAt; // no merge before this System.nanoTime(), after a failure
    // What the merges did, for /metrics (written by the writer thread, read by a scrape).
    private volatile long merges;
    private volatile long mergedRows;
    private volatile long mergeNanos;

    /** @param threshold rows in {@code recent_events} that start a merge */
    EventMerge(int threshold) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be positive, got " + threshold);
        }
        this.threshold = threshold;
    }

    /** Rows in {@code recent_events} that start a merge. */
    int threshold() {
        return threshold;
    }

    /** Counts the rows already in {@code recent_events} (after connecting). */
    void load(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(COUNT)) {
            committed = rs.next() ? rs.getLong(1) : 0;
        }
        uncommitted = 0;
        oldestAt = System.nanoTime();
    }

    /** The open transaction appended one row to {@code recent_events}. */
    void added() {
        uncommitted++;
    }

    /** The open transaction committed. */
    void committed() {
        if (committed == 0 && uncommitted > 0) {
            oldestAt = System.nanoTime();
        }
        committed += uncommitted;
        uncommitted = 0;
    }

    /** The open transaction rolled back. */
    void rolledBack() {
        uncommitted = 0;
    }

    /** Whether a merge is due now: enough rows, or the oldest old enough (and no recent failure). */
    boolean due() {
        return nanosUntilDue() == 0;
    }

    /**
     * How long until a merge is due if no more rows come: 0 if due now, {@link Long#MAX_VALUE}
     * if no row waits.
     */
    long nanosUntilDue() {
        if (committed == 0) {
            return Long.MAX_VALUE;
        }
        long now = System.nanoTime();
        long at = committed >= threshold ? now : oldestAt + MAX_AGE_MILLIS * 1_000_000;
        at = Math.max(at, retryAt);
        return Math.max(0, at - now);
    }

    /** Merges committed since the writer started. */
    long merges() {
        return merges;
    }

    /** Events those merges moved. */
    long mergedRows() {
        return mergedRows;
    }

    /**
     * Nanoseconds those merges took, from their first statement to their commit: on PostgreSQL
     * time in which the writer committed nothing else; on SQLite the merger's own thread
     * ({@link SqliteMerger}) ran them beside the writer.
     */
    long mergeNanos() {
        return mergeNanos;
    }

    /**
     * Counts one merge for {@code /metrics}; called by one thread at a time (the writer, or the
     * SQLite merger), so the plain read-modify-writes lose nothing.
     */
    void record(long rows, long nanos) {
        mergeNanos += nanos;
        mergedRows += rows;
        merges++;
    }

    /** Whether any committed row waits in {@code recent_events}. */
    boolean pending() {
        return committed > 0;
    }

    /**
     * Moves every row of {@code recent_events} into {@code events} in one transaction on
     * {@code c}, which must not be in auto-commit mode and must have no open work. Returns the rows
     * moved, or -1 if the merge failed and was rolled back (it is logged).
     */
    long merge(Connection c) {
        long start = System.nanoTime();
        try (Statement s = c.createStatement()) {
            s.executeUpdate(NUMBER);
            int moved = s.executeUpdate(MOVE);
            int cleared = s.executeUpdate(CLEAR);
            if (moved != cleared) {
                throw new SQLException("moved " + moved + " events but cleared " + cleared);
            }
            c.commit();
            committed = 0;
            long took = System.nanoTime() - start;
            record(moved, took);
            if (log.isDebugEnabled()) {
                log.debug("merged {} events in {} ms", moved, took / 1_000_000);
            }
            return moved;
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException again) {
                e.addSuppressed(again);
            }
            retryAt = System.nanoTime() + RETRY_MILLIS * 1_000_000;
            log.error("could not merge {} recent events (they stay readable; next attempt in {} s): {}",
                    committed, RETRY_MILLIS / 1000, e.getMessage());
            return -1;
        }
    }
}
