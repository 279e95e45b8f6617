package dev.concierge.store;

/**
 * When new events are moved from {@code recent_events} into {@code events} (a merge), and what
 * the merges did, for {@code /metrics}. The merges themselves run on their own thread
 * ({@link Merger}), beside the store's writer.
 *
 * <p>Why two tables (migration V5): {@code events} is keyed by conversation and seq, so a row
 * written straight into it lands on the index page of its own conversation. With one message in
 * flight per conversation, as in a live chat, a group commit of 150 messages dirtied about 150
 * pages, each written twice (to the WAL, then by the checkpoint): about 3.3 {@code pwrite}
 * calls and 8 KB per message. {@code recent_events} has no index, so appended rows share pages;
 * a merge then inserts them sorted by conversation and seq, writing each conversation's page once
 * for all its new rows. Readers see both tables through the {@code stored_events} view, so no
 * reader ever misses an event or sees one twice.
 *
 * <p>The writer numbers the events it appends and reports the highest number on disk
 * ({@link #durable}). A merge is due once {@link #threshold} numbered rows wait above the last
 * merge's number, or once the first of them has waited {@link #MAX_AGE_MILLIS}, whichever comes
 * first: so the table holds at most a second's worth of events, or the threshold under heavy
 * load, and at rest it is empty, and a read scans little extra. After a failed merge (its rows
 * stay where they were, readable) the next waits {@link #RETRY_MILLIS}, so that a persistent
 * failure costs neither every batch nor the log.
 *
 * <p>Not thread-safe: the {@link Merger} calls it under its own lock, and passes the time
 * ({@code System.nanoTime()}) in, so a test can run the schedule without waiting.
 */
public final class EventMerge {
    /** Rows in {@code recent_events} that start a merge. */
    static final int DEFAULT_THRESHOLD = 8192;
    /** How long a committed row may wait in {@code recent_events} before a merge. */
    static final long MAX_AGE_MILLIS = 1000;
    /** How long after a failed merge the next is tried. */
    static final long RETRY_MILLIS = 30_000;

    /**
     * Numbers the conversations of {@code recent_events} that have none yet, after the highest
     * number given (migration V6: the events' key is the number times 2<sup>32</sup> plus the seq).
     * PostgreSQL; SQLite's is {@link Merger#NUMBER}.
     */
    static final String NUMBER = "INSERT INTO conversation_keys (conversation_id, num)"
            + " SELECT conversation_id, (SELECT COALESCE(MAX(num), 0) FROM conversation_keys)"
            + " + ROW_NUMBER() OVER (ORDER BY conversation_id)"
            + " FROM (SELECT DISTINCT conversation_id FROM recent_events r WHERE NOT EXISTS"
            + " (SELECT 1 FROM conversation_keys k WHERE k.conversation_id = r.conversation_id)) fresh";
    /**
     * The move on PostgreSQL, in one statement: deletes every row of {@code recent_events} the
     * merge's snapshot sees (rows the writer commits meanwhile stay for the next merge), inserts
     * them into {@code events} sorted by key, and returns how many it deleted and inserted. The
     * two counts differ only if a row found no conversation number, and then the merge rolls back.
     */
    static final String MOVE = "WITH moved AS (DELETE FROM recent_events RETURNING conversation_id, seq, client_id,"
            + " ts, kind, author_json, text, bot_json, reason, agent_json, score, comment),"
            + " inserted AS (INSERT INTO events (event_key, seq, client_id, ts, kind, author_json, text, bot_json,"
            + " reason, agent_json, score, comment)"
            + " SELECT k.num * 4294967296 + m.seq, m.seq, m.client_id, m.ts, m.kind, m.author_json, m.text,"
            + " m.bot_json, m.reason, m.agent_json, m.score, m.comment"
            + " FROM moved m JOIN conversation_keys k ON k.conversation_id = m.conversation_id"
            + " ORDER BY k.num, m.seq RETURNING 1)"
            + " SELECT (SELECT COUNT(*) FROM moved), (SELECT COUNT(*) FROM inserted)";

    private final int threshold;
    private long mark; // the highest number merged
    private long durable; // the highest number on disk
    private long waitingSince; // nanoTime when the first row above the mark became durable
    private long retryAt; // no merge before this nanoTime, after a failure
    // What the merges did, for /metrics (written by the merger, read by a scrape).
    private volatile long merges;
    private volatile long mergedRows;
    private volatile long mergeNanos;
    private volatile long begun;

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

    /** Starts from a merged number and the highest number on disk, as the store opens. */
    void start(long mergedUpTo, long onDisk, long now) {
        mark = mergedUpTo;
        durable = Math.max(onDisk, mergedUpTo);
        waitingSince = now;
    }

    /** The highest number merged. */
    long mark() {
        return mark;
    }

    /** The highest number on disk. */
    long durable() {
        return durable;
    }

    /**
     * The rows up to {@code number} are on disk. Returns whether the merger should look again
     * at when it is due: the first row to wait, or the threshold reached.
     */
    boolean durable(long number, long now) {
        if (number <= durable) {
            return false;
        }
        boolean first = durable == mark;
        if (first) {
            waitingSince = now;
        }
        durable = number;
        return first || durable - mark >= threshold;
    }

    /** A merge moved the rows up to {@code number}. */
    void merged(long number, long now) {
        mark = Math.max(mark, number);
        if (durable > mark) {
            waitingSince = now; // those came during the merge
        }
    }

    /** A merge failed: none is due before {@link #RETRY_MILLIS}. */
    void failed(long now) {
        retryAt = now + RETRY_MILLIS * 1_000_000;
    }

    /** How long until a merge is due if no more rows come: 0 if due now, {@link Long#MAX_VALUE} if none waits. */
    long nanosUntilDue(long now) {
        if (durable <= mark) {
            return Long.MAX_VALUE;
        }
        long at = durable - mark >= threshold ? now : waitingSince + MAX_AGE_MILLIS * 1_000_000;
        return Math.max(0, Math.max(at, retryAt) - now);
    }

    /** Merges committed since the store opened. */
    public long merges() {
        return merges;
    }

    /** Events those merges moved. */
    public long mergedRows() {
        return mergedRows;
    }

    /** Nanoseconds those merges took, from their first statement to their commit, beside the writer. */
    public long mergeNanos() {
        return mergeNanos;
    }

    /**
     * Merges begun since the store opened, committed or not: a test waits for one to be under
     * way (held up by a lock) instead of sleeping.
     */
    long begun() {
        return begun;
    }

    /** A merge is about to run its first statement; one thread at a time, as {@link #record}. */
    void begin() {
        begun++;
    }

    /** Counts one merge; called by one thread at a time, so the plain read-modify-writes lose nothing. */
    void record(long rows, long nanos) {
        mergeNanos += nanos;
        mergedRows += rows;
        merges++;
    }
}
