package dev.concierge.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The PostgreSQL server of a run ({@code --db URL}, or {@code --nodes N}): each server under test
 * gets a fresh schema ({@code bench_<random>}, named in its URL as {@code ?currentSchema=}), which
 * the bench creates before the server starts and drops when it has stopped. The login is
 * {@code CONCIERGE_DB_USER} / {@code CONCIERGE_DB_PASSWORD} ({@code concierge} / {@code concierge}
 * by default, as {@code .ci/postgres.sh} sets up), passed to the servers in the same variables.
 */
final class Postgres {
    /** The database {@code .ci/postgres.sh} creates. */
    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/concierge_test";

    private final String url;
    private final String user;
    private final String password;

    Postgres(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** The server at {@code url} with the login from the environment. */
    static Postgres fromEnvironment(String url) {
        return new Postgres(url, env("CONCIERGE_DB_USER", "concierge"), env("CONCIERGE_DB_PASSWORD", "concierge"));
    }

    String url() {
        return url;
    }

    /** Creates an empty schema {@code <prefix>_<random>}; the server's migrations fill it. */
    Schema createSchema(String prefix) {
        String name =
                prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(url, user, password);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + name);
        } catch (SQLException e) {
            throw new BenchException(
                    "PostgreSQL is not reachable at " + url + " as " + user + " (" + e.getMessage()
                            + "); run `bash .ci/postgres.sh` as root, or give --db URL and CONCIERGE_DB_USER,"
                            + " CONCIERGE_DB_PASSWORD of a server where that user may create schemas",
                    e);
        }
        return new Schema(name);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** One schema of the run, dropped with everything in it by {@link #close()}. */
    final class Schema implements AutoCloseable {
        private final String name;

        private Schema(String name) {
            this.name = name;
        }

        String name() {
            return name;
        }

        /** What {@code serve --db} takes: the server's URL naming this schema. */
        String jdbcUrl() {
            return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + name;
        }

        /** The login as a server takes it. */
        Map<String, String> serverEnv() {
            return Map.of("CONCIERGE_DB_USER", user, "CONCIERGE_DB_PASSWORD", password);
        }

        /** The decider lease's holder (a node id) and fencing token, if a node holds it. */
        Optional<Lease> lease() {
            try (Connection c = connect();
                    PreparedStatement s =
                            c.prepareStatement("SELECT holder, token FROM cluster_leases WHERE name = 'decider'");
                    ResultSet rows = s.executeQuery()) {
                return rows.next() ? Optional.of(new Lease(rows.getString(1), rows.getLong(2))) : Optional.empty();
            } catch (SQLException e) {
                return Optional.empty(); // not migrated yet, or the server is busy: asked again
            }
        }

        /** The client ids of every stored message, by conversation id (merged or not). */
        Map<String, Set<String>> storedMessageIds() {
            Map<String, Set<String>> out = new HashMap<>();
            try (Connection c = connect();
                    PreparedStatement s = c.prepareStatement("SELECT conversation_id, client_id FROM stored_events"
                            + " WHERE kind = 'message' AND client_id IS NOT NULL");
                    ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    out.computeIfAbsent(rows.getString(1), k -> new HashSet<>()).add(rows.getString(2));
                }
            } catch (SQLException e) {
                throw new BenchException(
                        "cannot read the stored messages of schema " + name + ": " + e.getMessage(), e);
            }
            return out;
        }

        private Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl(), user, password);
        }

        @Override
        public void close() {
            try (Connection c = DriverManager.getConnection(url, user, password);
                    Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
            } catch (SQLException e) {
                org.slf4j.LoggerFactory.getLogger(Postgres.class)
                        .warn("could not drop schema {}: {}", name, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "schema " + name + " of " + url;
        }
    }

    /** The decider lease: who holds it, under which fencing token. */
    record Lease(String holder, long token) {}
}
