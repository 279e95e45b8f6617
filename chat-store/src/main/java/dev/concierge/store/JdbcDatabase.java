package dev.concierge.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.sqlite.JDBC;

/**
 * Where the store's data lives and how to connect to it: the one place where SQLite and
 * PostgreSQL differ. A SQLite connection has the merged events' file attached
 * ({@link MergedEvents}). SQLite connections get WAL mode and {@code synchronous=FULL}, so a commit
 * that returned has reached the disk and survives kill -9 and power loss alike. The one
 * exception is the writer's connection, which commits with {@code synchronous=NORMAL} and
 * acknowledges a write only after its {@link WalSyncer} has fsynced the WAL: the same promise,
 * without the writer waiting for the disk.
 */
public final class JdbcDatabase implements AutoCloseable {
    /** How long a SQLite connection waits for a lock before giving up. */
    static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;
    /** The WAL size SQLite cuts the file back to when the WAL rewinds: 64 MiB. */
    static final long SQLITE_WAL_LIMIT_BYTES = 64L << 20;
    /** The name of the SQLite database file in the data directory. */
    public static final String SQLITE_FILE = "concierge.db";

    private final boolean sqlite;
    private final Path sqliteFile;
    private final String url;
    private final Properties credentials = new Properties();
    private final Driver driver;
    private final FileChannel lockChannel;

    private JdbcDatabase(
            Path sqliteFile, String url, String user, String password, Driver driver, FileChannel lockChannel) {
        this.sqlite = sqliteFile != null;
        this.sqliteFile = sqliteFile;
        this.url = url;
        this.driver = driver;
        this.lockChannel = lockChannel;
        if (user != null) {
            credentials.setProperty("user", user);
        }
        if (password != null) {
            credentials.setProperty("password", password);
        }
    }

    /**
     * The SQLite database {@code dataDir/concierge.db}, creating the directory if needed. Takes
     * an exclusive lock on {@code dataDir/concierge.lock} so that two servers never share a data
     * directory; the operating system releases it when the process dies, even by kill -9.
     */
    static JdbcDatabase sqlite(Path dataDir) {
        Objects.requireNonNull(dataDir, "dataDir");
        FileChannel channel = null;
        try {
            Files.createDirectories(dataDir);
            channel = FileChannel.open(
                    dataDir.resolve("concierge.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new StoreException("data directory " + dataDir + " is in use by another process");
            }
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new StoreException(
                    "cannot lock data directory " + dataDir
                            + (e instanceof OverlappingFileLockException ? ": already open in this process" : ""),
                    e);
        } catch (StoreException e) {
            closeQuietly(channel);
            throw e;
        }
        Path file = dataDir.resolve(SQLITE_FILE).toAbsolutePath();
        return new JdbcDatabase(file, "jdbc:sqlite:" + file, null, null, new JDBC(), channel);
    }

    /** A PostgreSQL database; the URL may name a schema with {@code ?currentSchema=...}. */
    static JdbcDatabase postgres(String jdbcUrl, String user, String password) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new StoreException("jdbcUrl must start with jdbc:postgresql:, got " + jdbcUrl);
        }
        // Named in full: its simple name clashes with java.sql.Driver.
        return new JdbcDatabase(null, jdbcUrl, user, password, new org.postgresql.Driver(), null);
    }

    /** Whether this is the embedded SQLite database. */
    boolean isSqlite() {
        return sqlite;
    }

    /** The SQLite file of the merged events ({@link MergedEvents}); null for PostgreSQL. */
    Path mergedFile() {
        return sqlite ? sqliteFile.resolveSibling(MergedEvents.FILE) : null;
    }

    /** The data directory of the SQLite database; null for PostgreSQL. */
    Path dataDir() {
        return sqlite ? sqliteFile.getParent() : null;
    }

    /** SQLite's write-ahead log file, {@code concierge.db-wal}; null for PostgreSQL. */
    Path sqliteWal() {
        return sqlite ? sqliteFile.resolveSibling(SQLITE_FILE + "-wal") : null;
    }

    /** How many read connections are worth keeping open. */
    int readConnections() {
        return 2;
    }

    /** The JDBC URL, for messages (it holds no password unless the caller put one there). */
    String url() {
        return url;
    }

    /** Brings the schema up to date with the scripts in {@code db/migration}. */
    void migrate() {
        migrate("latest");
    }

    /**
     * Runs the scripts in {@code db/migration} up to version {@code target} ({@code "latest"}
     * for all): tests use it to make a database as an older release left it.
     */
    void migrate(String target) {
        Flyway.configure(JdbcDatabase.class.getClassLoader())
                .dataSource(url, credentials.getProperty("user"), credentials.getProperty("password"))
                .locations("classpath:db/migration")
                .failOnMissingLocations(true)
                .target(target)
                .load()
                .migrate();
        if (sqlite && "latest".equals(target)) {
            try (Connection c = connect()) {
                MergedEvents.split(c);
            } catch (SQLException e) {
                throw new StoreException("cannot set up " + mergedFile() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Opens a new connection in auto-commit mode, configured for this engine. */
    Connection connect() throws SQLException {
        // The driver is called directly rather than through DriverManager, so the store works
        // in a shaded jar or an application server whatever the driver registration.
        Connection c = driver.connect(url, credentials);
        if (c == null) {
            throw new SQLException("driver refused URL " + url);
        }
        if (sqlite) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = " + SQLITE_BUSY_TIMEOUT_MS);
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = FULL");
                s.execute("PRAGMA wal_autocheckpoint = 0"); // SqliteCheckpointer does it off the commit path
                // A WAL a burst made large is cut back to this when it rewinds (SqliteCheckpointer).
                s.execute("PRAGMA journal_size_limit = " + SQLITE_WAL_LIMIT_BYTES);
                // 32 MiB of page cache rather than 2: the writer re-reads index pages far less.
                s.execute("PRAGMA cache_size = -32768");
                MergedEvents.attach(c, mergedFile());
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    /** Releases the data directory lock, if any. */
    @Override
    public void close() {
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
        }
    }
}
