package dev.concierge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's copy of the files an admin edits at run time, in PostgreSQL: the rows of
 * {@code shared_files(name)}, each with a version that goes up by 1 with every edit. An edit is
 * stored only if the version it was made on is still the latest ({@link #replace}), so of two
 * concurrent edits the second is refused and made again on the first (docs/scaling.md). Each call
 * uses one connection of its own, in auto-commit; calls are serialised.
 */
public final class SharedFiles implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SharedFiles.class);

    static final String READ = "SELECT version, content, updated_at FROM shared_files WHERE name = ?";
    /** Stores version 1 unless a version is stored. */
    static final String INSERT = "INSERT INTO shared_files (name, version, content, updated_at)"
            + " VALUES (?, 1, ?, clock_timestamp()) ON CONFLICT (name) DO NOTHING RETURNING version";
    /** Moves version {@code expected} on by 1, unless another edit moved it first. */
    static final String UPDATE = "UPDATE shared_files SET version = version + 1, content = ?,"
            + " updated_at = clock_timestamp() WHERE name = ? AND version = ? RETURNING version";

    private static final int QUERY_TIMEOUT_SECONDS = 5;

    private final JdbcDatabase database;
    private Connection connection;

    private SharedFiles(JdbcDatabase database) {
        this.database = database;
    }

    /**
     * The shared files in the PostgreSQL database at {@code jdbcUrl}, whose schema a
     * {@link JdbcConversationStore} has already migrated.
     */
    public static SharedFiles postgres(String jdbcUrl, String user, String password) {
        return new SharedFiles(JdbcDatabase.postgres(jdbcUrl, user, password));
    }

    /**
     * One stored version of a file.
     *
     * @param version 1 for the first edit, then 1 more for each
     * @param content the whole file
     * @param updatedAt when it was stored, by the database's clock
     */
    public record Stored(long version, String content, Instant updatedAt) {
        /** Checks the values. */
        public Stored {
            Objects.requireNonNull(content, "content");
            Objects.requireNonNull(updatedAt, "updatedAt");
            if (version < 1) {
                throw new IllegalArgumentException("version must be at least 1, was " + version);
            }
        }
    }

    /**
     * The latest stored version of the file {@code name}, or empty if it was never edited.
     *
     * @throws StoreException if the database cannot be reached
     */
    public synchronized Optional<Stored> read(String name) {
        try (PreparedStatement ps = connection().prepareStatement(READ)) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Stored(
                                rs.getLong(1),
                                rs.getString(2),
                                rs.getTimestamp(3).toInstant()))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw failed("read", name, e);
        }
    }

    /**
     * Stores {@code content} as the next version of {@code name} if {@code expected} is still the
     * latest (0: none stored yet): the new version, or empty if another edit came first.
     *
     * @throws StoreException if the database cannot be reached
     */
    public synchronized OptionalLong replace(String name, long expected, String content) {
        try (PreparedStatement ps = connection().prepareStatement(expected == 0 ? INSERT : UPDATE)) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            if (expected == 0) {
                ps.setString(1, name);
                ps.setString(2, content);
            } else {
                ps.setString(1, content);
                ps.setString(2, name);
                ps.setLong(3, expected);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
        } catch (SQLException e) {
            throw failed("store", name, e);
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = database.connect();
        }
        return connection;
    }

    private StoreException failed(String what, String name, SQLException e) {
        log.debug("cannot {} shared file {}", what, name, e);
        if (connection != null) { // a lost connection is opened again by the next call
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already gone
            }
            connection = null;
        }
        return new StoreException("cannot " + what + " the cluster's copy of " + name + ": " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already gone
            }
            connection = null;
        }
        database.close();
    }
}
