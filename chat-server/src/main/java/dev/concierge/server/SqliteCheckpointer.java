package dev.concierge.server;

import java.sql.Connection;
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
 * its own connection, which never blocks the writer. Durability is unchanged: commits still
 * fsync the WAL ({@code synchronous = FULL}).
 */
final class SqliteCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqliteCheckpointer.class);

    private final JdbcDatabase database;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "concierge-store-checkpoint");
        t.setDaemon(true);
        return t;
    });
    private Connection connection; // checkpoint thread only

    SqliteCheckpointer(JdbcDatabase database) {
        this.database = database;
        thread.scheduleWithFixedDelay(() -> checkpoint("PASSIVE"), 250, 250, TimeUnit.MILLISECONDS);
    }

    private void checkpoint(String mode) {
        try {
            if (connection == null) {
                connection = database.connect();
            }
            try (Statement s = connection.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(" + mode + ")");
            }
        } catch (SQLException e) {
            log.warn("WAL checkpoint failed: {}", e.getMessage());
            closeConnection();
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

    /** Stops, after a last full checkpoint that empties the WAL (the writer is closed by then). */
    @Override
    public void close() {
        try {
            thread.submit(() -> {
                checkpoint("TRUNCATE");
                closeConnection();
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("last WAL checkpoint did not finish: {}", e.toString());
        }
        thread.shutdownNow();
    }
}
