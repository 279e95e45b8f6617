package dev.concierge.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Where the SQLite store keeps its merged events: {@code events.db}, a file of its own beside
 * {@code concierge.db}, attached to every connection as the schema {@code merged}.
 *
 * <p>Why a second file: SQLite lets one connection write a database file at a time. With the
 * merged events in {@code concierge.db}, each merge ({@link Merger}: about 8,000 rows
 * sorted into the events index, 50–60 ms) held the file's write lock, and no message was
 * committed meanwhile: every conversation stood still for a sixth of the time under load. In a
 * file of their own, the merger writes them on its own thread while the store's writer goes on
 * committing new events to {@code concierge.db}; the merger only reads {@code recent_events}
 * there.
 *
 * <p>The merged file holds {@code events} and {@code conversation_keys} as migration V6 shaped
 * them, and {@code merge_mark}: one row, the highest {@code rowid} of {@code recent_events} that
 * is merged, written in the same transaction as the events it covers. The store's writer deletes
 * merged rows from {@code recent_events} afterwards, in its own transaction (the two files
 * commit apart). Each connection's temporary view {@code stored_events} shows every event once:
 * the merged ones, and the rows of {@code recent_events} above the mark. A statement starts
 * reading {@code concierge.db} before {@code events.db} (SQLite opens its databases in the order
 * they were attached), so a row it reads as not yet merged was not deleted, and a row it reads as
 * merged is in the merged file it reads.
 *
 * <p>Data directories of earlier releases, whose events are in {@code concierge.db}, are moved
 * once by {@link #split} after the migrations.
 */
public final class MergedEvents {
    /** The file name, beside {@code concierge.db}. */
    public static final String FILE = "events.db";
    /** The schema name the file is attached as on every connection. */
    static final String SCHEMA = "merged";

    private static final String[] CREATE = {
        "CREATE TABLE IF NOT EXISTS merged.events (event_key BIGINT NOT NULL, seq BIGINT NOT NULL,"
                + " client_id TEXT, ts BIGINT NOT NULL, kind TEXT NOT NULL, author_json TEXT, text TEXT,"
                + " bot_json TEXT, reason TEXT, agent_json TEXT, score INTEGER, comment TEXT)",
        "CREATE UNIQUE INDEX IF NOT EXISTS merged.events_by_key ON events (event_key)",
        "CREATE TABLE IF NOT EXISTS merged.conversation_keys (conversation_id TEXT NOT NULL PRIMARY KEY,"
                + " num BIGINT NOT NULL UNIQUE)",
        "CREATE TABLE IF NOT EXISTS merged.merge_mark (upto BIGINT NOT NULL)",
        "INSERT INTO merged.merge_mark (upto) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM merged.merge_mark)",
    };
    private static final String EVENT_COLUMNS =
            "event_key, seq, client_id, ts, kind, author_json, text," + " bot_json, reason, agent_json, score, comment";
    /**
     * Every stored event once, merged or still appended: what the store reads by conversation id,
     * so readers need not know whether an event has been merged yet
     * (docs/architecture.md#merges-beside-the-writer).
     */
    private static final String VIEW = "CREATE TEMP VIEW stored_events AS"
            + " SELECT k.conversation_id, e.seq, e.client_id, e.ts, e.kind, e.author_json, e.text, e.bot_json,"
            + " e.reason, e.agent_json, e.score, e.comment"
            + " FROM merged.conversation_keys k JOIN merged.events e"
            + " ON e.event_key BETWEEN k.num * 4294967296 AND k.num * 4294967296 + 4294967295"
            + " UNION ALL"
            + " SELECT conversation_id, seq, client_id, ts, kind, author_json, text, bot_json, reason, agent_json,"
            + " score, comment FROM main.recent_events"
            + " WHERE rowid > (SELECT upto FROM merged.merge_mark)";

    private MergedEvents() {}

    /**
     * Attaches the merged file to a new connection with the same settings as the main one, and
     * defines {@code stored_events} over both files once the store's events are split (before
     * that, as in a database an older release left, the main file's own view serves).
     */
    public static void attach(Connection c, Path file) throws SQLException {
        try (PreparedStatement attach = c.prepareStatement("ATTACH DATABASE ? AS " + SCHEMA)) {
            attach.setString(1, file.toString());
            attach.execute();
        }
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA merged.journal_mode = WAL");
            s.execute("PRAGMA merged.synchronous = FULL");
            s.execute("PRAGMA merged.journal_size_limit = " + JdbcDatabase.SQLITE_WAL_LIMIT_BYTES);
            s.execute("PRAGMA merged.cache_size = -32768");
            if (!exists(s, "main", "events") && exists(s, SCHEMA, "merge_mark")) {
                s.execute(VIEW);
            }
        }
    }

    /**
     * Creates the merged file's tables if missing, and moves the events of a database an older
     * release left (in {@code concierge.db}) into them. The copy commits first, then the old
     * tables are dropped: both steps may run again after a crash between them, since the copy
     * skips events already there. Runs after the migrations, before the store starts.
     */
    static void split(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : CREATE) {
                s.execute(sql);
            }
            if (exists(s, "main", "events")) {
                c.setAutoCommit(false);
                try {
                    s.executeUpdate("INSERT OR IGNORE INTO merged.conversation_keys (conversation_id, num)"
                            + " SELECT conversation_id, num FROM main.conversation_keys");
                    s.executeUpdate("INSERT OR IGNORE INTO merged.events (" + EVENT_COLUMNS + ") SELECT "
                            + EVENT_COLUMNS + " FROM main.events ORDER BY event_key");
                    c.commit();
                    s.execute("DROP VIEW IF EXISTS main.stored_events");
                    s.execute("DROP TABLE main.events");
                    s.execute("DROP TABLE IF EXISTS main.conversation_keys");
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            }
        }
    }

    private static boolean exists(Statement s, String schema, String table) throws SQLException {
        try (ResultSet rs = s.executeQuery(
                "SELECT 1 FROM " + schema + ".sqlite_master WHERE type = 'table'" + " AND name = '" + table + "'")) {
            return rs.next();
        }
    }
}
