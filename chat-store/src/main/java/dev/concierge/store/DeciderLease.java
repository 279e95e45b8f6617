package dev.concierge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lease in PostgreSQL that at most one node holds at a time, with a fencing token: the row
 * {@code cluster_leases(name)}. Expiry is judged by the database's clock alone, so the nodes'
 * clocks need not agree. Taking an expired lease adds 1 to its token; a store opened with
 * {@link Fencing} under a token commits nothing once the token has moved on, so a holder that was
 * paused past its lease cannot write stale state (docs/scaling.md).
 *
 * <p>The holder must treat the lease as lost at the latest {@code ttl} after it <em>sent</em> the
 * statement that took or renewed it: the database set the expiry at least that late. Each call
 * uses one connection of its own, in auto-commit; not thread-safe (one lease thread calls it).
 */
public final class DeciderLease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeciderLease.class);

    /** Inserts the lease, or takes it over once expired; returns the new token, or no row. */
    static final String ACQUIRE = "INSERT INTO cluster_leases (name, token, holder, expires_at)"
            + " VALUES (?, 1, ?, clock_timestamp() + ? * INTERVAL '1 millisecond')"
            + " ON CONFLICT (name) DO UPDATE SET token = cluster_leases.token + 1,"
            + " holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at"
            + " WHERE cluster_leases.expires_at < clock_timestamp() RETURNING token";

    static final String RENEW =
            "UPDATE cluster_leases SET expires_at = clock_timestamp() + ? * INTERVAL '1 millisecond'"
                    + " WHERE name = ? AND token = ?";
    static final String RELEASE = "UPDATE cluster_leases SET expires_at = clock_timestamp() - INTERVAL '1 second'"
            + " WHERE name = ? AND token = ?";
    static final String CURRENT = "SELECT token, holder,"
            + " GREATEST(0, CAST(EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000 AS BIGINT))"
            + " FROM cluster_leases WHERE name = ?";
    /** The check every fenced write transaction runs first (see {@link Fencing}). */
    static final String FENCE = "SELECT token FROM cluster_leases WHERE name = ? FOR SHARE";

    /** A statement that takes longer fails: a lease that cannot be renewed in time is lost anyway. */
    private static final int QUERY_TIMEOUT_SECONDS = 2;
    /** How long taking or renewing the lease waits for a lock on its row. */
    private static final int LOCK_WAIT_MS = 1_000;

    private final JdbcDatabase database;
    private final String name;
    private Connection connection;

    private DeciderLease(JdbcDatabase database, String name) {
        this.database = database;
        this.name = name;
    }

    /**
     * The lease {@code name} in the PostgreSQL database at {@code jdbcUrl}, whose schema a
     * {@link JdbcConversationStore} has already migrated.
     */
    public static DeciderLease postgres(String jdbcUrl, String user, String password, String name) {
        Objects.requireNonNull(name, "name");
        return new DeciderLease(JdbcDatabase.postgres(jdbcUrl, user, password), name);
    }

    /** Who holds the lease now, as the database sees it. */
    public record Holder(long token, String holder, Duration expiresIn) {}

    /**
     * Takes the lease for {@code holder} for {@code ttl} if nobody holds it or it has expired:
     * the new fencing token, or empty while another holds it.
     *
     * @throws StoreException if the database cannot be reached
     */
    public OptionalLong acquire(String holder, Duration ttl) {
        try (PreparedStatement ps = connection().prepareStatement(ACQUIRE)) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            ps.setString(1, name);
            ps.setString(2, holder);
            ps.setLong(3, ttl.toMillis());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
        } catch (SQLException e) {
            throw failed("take", e);
        }
    }

    /**
     * Extends the lease by {@code ttl} from now if {@code token} still holds it: false once
     * another node has taken it.
     *
     * @throws StoreException if the database cannot be reached
     */
    public boolean renew(long token, Duration ttl) {
        try (PreparedStatement ps = connection().prepareStatement(RENEW)) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            ps.setLong(1, ttl.toMillis());
            ps.setString(2, name);
            ps.setLong(3, token);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw failed("renew", e);
        }
    }

    /** Ends the lease at once if {@code token} still holds it, so that another node takes it without waiting. */
    public void release(long token) {
        try (PreparedStatement ps = connection().prepareStatement(RELEASE)) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            ps.setString(1, name);
            ps.setLong(2, token);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failed("release", e);
        }
    }

    /** The lease as the database has it, or empty if it was never taken. */
    public Optional<Holder> current() {
        try (PreparedStatement ps = connection().prepareStatement(CURRENT)) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Holder(rs.getLong(1), rs.getString(2), Duration.ofMillis(rs.getLong(3))))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw failed("read", e);
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection c = database.connect();
            try (Statement s = c.createStatement()) {
                // The holder's writer keeps the row locked while it commits; a wait longer than
                // this is a paused holder, which PostgreSQL ends (see JdbcTransaction).
                s.execute("SET lock_timeout = " + LOCK_WAIT_MS);
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            connection = c;
        }
        return connection;
    }

    private StoreException failed(String what, SQLException e) {
        log.debug("cannot {} lease {}", what, name, e);
        closeConnection(); // a lost connection is opened again by the next call
        return new StoreException("cannot " + what + " lease " + name + ": " + e.getMessage(), e);
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already gone
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeConnection();
        database.close();
    }
}
