package dev.concierge.server.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/**
 * A schema of its own in the test PostgreSQL ({@code .ci/postgres.sh} provides one), so that tests
 * sharing the database stay apart; dropped with everything in it by {@link #close()}.
 *
 * <p>The server is {@code CONCIERGE_TEST_PG_URL} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/concierge_test}), the login {@code CONCIERGE_TEST_PG_USER}
 * and {@code CONCIERGE_TEST_PG_PASSWORD} (default {@code concierge} / {@code concierge}). The
 * schema is created at once (empty; the store's migrations fill it), so that several nodes started
 * together find it, and an unreachable server fails the test here, saying what to run: never
 * skipped.
 */
public final class PostgresSchema implements AutoCloseable {
    private static final String URL = env("CONCIERGE_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/concierge_test");
    private static final String USER = env("CONCIERGE_TEST_PG_USER", "concierge");
    private static final String PASSWORD = env("CONCIERGE_TEST_PG_PASSWORD", "concierge");

    private final String name;

    private PostgresSchema(String name) {
        this.name = name;
    }

    /** Creates a fresh, empty schema {@code cluster_<random>}. */
    public static PostgresSchema create() {
        return create("cluster");
    }

    /**
     * Creates a fresh, empty schema {@code <prefix>_<random>}.
     *
     * @param prefix lower-case letters, digits and underscores, starting with a letter
     */
    public static PostgresSchema create(String prefix) {
        if (!prefix.matches("[a-z][a-z0-9_]{0,30}")) {
            throw new IllegalArgumentException("prefix must be 1-31 of [a-z0-9_], starting with a letter: " + prefix);
        }
        String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + name);
        } catch (SQLException e) {
            throw new AssertionError(
                    "PostgreSQL is not reachable at " + URL + " as " + USER + " (" + e.getMessage()
                            + "). Run `bash .ci/postgres.sh` as root, or point CONCIERGE_TEST_PG_URL,"
                            + " CONCIERGE_TEST_PG_USER and CONCIERGE_TEST_PG_PASSWORD at a server where that"
                            + " user may create schemas.",
                    e);
        }
        return new PostgresSchema(name);
    }

    /** The schema's name. */
    public String name() {
        return name;
    }

    /** The database URL naming this schema ({@code ...?currentSchema=NAME}): what {@code --db} takes. */
    public String jdbcUrl() {
        return URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + name;
    }

    /** The database user. */
    public String user() {
        return USER;
    }

    /** The database user's password. */
    public String password() {
        return PASSWORD;
    }

    /** The login as a server process takes it: {@code CONCIERGE_DB_USER} and {@code CONCIERGE_DB_PASSWORD}. */
    public Map<String, String> serverEnv() {
        return Map.of("CONCIERGE_DB_USER", USER, "CONCIERGE_DB_PASSWORD", PASSWORD);
    }

    /** A new connection whose current schema is this one, for tests that look at the tables. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    /** Whether the schema exists (it does from {@link #create()} until {@link #close()}). */
    public boolean exists() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                var s = c.prepareStatement("SELECT 1 FROM information_schema.schemata WHERE schema_name = ?")) {
            s.setString(1, name);
            try (var rows = s.executeQuery()) {
                return rows.next();
            }
        }
    }

    /** Drops the schema and everything in it ({@code DROP SCHEMA ... CASCADE}). */
    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL schema " + name + " (" + URL + ")";
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
