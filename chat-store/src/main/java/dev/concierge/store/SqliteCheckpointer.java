package dev.concierge.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves SQLite's WAL checkpoints off the writer's commit path. By default SQLite checkpoints
 * inside a commit once the WAL passes 1,000 pages: that commit then also copies pages into the
 * database file and fsyncs it, and every acknowledgement waiting on it waits longer. Here the
 * connections turn automatic checkpoints off ({@code wal_autocheckpoint = 0}, see
 * {@link JdbcDatabase}) and this thread runs a {@code PASSIVE} checkpoint every quarter second on
 * its own connection, which never blocks the writer. Durability is unchanged: a write is
 * acknowledged only once the WAL is fsynced ({@link WalSyncer}).
 *
 * <p>Under steady load a {@code PASSIVE} checkpoint never quite catches up (the writer commits
 * new frames while it copies), and SQLite only rewinds the WAL to its start once every frame is
 * in the database file: the WAL would grow without end (600 MB in 20 seconds of the relay bench),
 * and every commit would extend the file, which the file system zeroes and allocates block by
 * block. So once a {@code PASSIVE} checkpoint leaves a WAL of more than {@link #REWIND_FRAMES}
 * frames, this asks the writer to rewind it ({@link JdbcWriter#requestWalRewind}): between two
 * transactions, when nothing can be committing, the writer runs one more {@code PASSIVE}
 * checkpoint itself, which copies only what was committed since this one and so finishes, and
 * its next commit writes from the start of the WAL file again, over blocks already allocated.
 * (A {@code RESTART} checkpoint from this thread did the same but stalled the writer for up to
 * 130 ms: SQLite's busy handler sleeps while it waits for the lock.)
 */
final class SqliteCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqliteCheckpointer.class);

    /** WAL frames (pages) above which the WAL is rewound: 4,096 pages of 4 KiB, 16 MiB. */
    static final int REWIND_FRAMES = 4096;

    private final JdbcDatabase database;
    private final Runnable rewind;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "concierge-store-checkpoint");
        t.setDaemon(true);
        return t;
    });
    private Connection connection; // checkpoint thread only

    /** @param rewind asks the writer to rewind the WAL (see above) */
    SqliteCheckpointer(JdbcDatabase database, Runnable rewind) {
        this.database = database;
        this.rewind = rewind;
        thread.scheduleWithFixedDelay(() -> checkpoint("PASSIVE"), 250, 250, TimeUnit.MILLISECONDS);
    }

    private void checkpoint(String mode) {
        try {
            if (connection == null) {
                connection = database.connect();
            }
            if (framesLeft(connection, mode) > REWIND_FRAMES) {
                rewind.run();
            }
        } catch (SQLException e) {
            log.warn("WAL checkpoint failed: {}", e.getMessage());
            closeConnection();
        }
    }

    /** Runs one checkpoint of the main file; returns the frames in its WAL after it, or 0 if it was not told. */
    static int framesLeft(Connection connection, String mode) throws SQLException {
        return framesLeft(connection, mode, "main");
    }

    /** Runs one checkpoint of the file attached as {@code schema}; returns the frames left in its WAL. */
    static int framesLeft(Connection connection, String mode, String schema) throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA " + schema + ".wal_checkpoint(" + mode + ")")) {
            // One row: busy (1 if it could not finish), frames in the WAL, frames checkpointed.
            return rs.next() ? rs.getInt(2) : 0;
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
            connection = null;
        }
    }

    /**
     * Stops, after a last full checkpoint that empties the WAL (the writer is closed by then).
     * Closing again does nothing.
     */
    @Override
    public void close() {
        if (thread.isShutdown()) {
            return;
        }
        try {
            thread.submit(() -> {
                        checkpoint("TRUNCATE");
                        closeConnection();
                    })
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("last WAL checkpoint did not finish: {}", e.toString());
        }
        thread.shutdownNow();
    }
}
