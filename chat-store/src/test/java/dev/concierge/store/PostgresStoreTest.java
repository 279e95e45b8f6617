package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The store contract on a real PostgreSQL ({@code .ci/postgres.sh} provides one). Each test gets
 * a schema of its own, dropped afterwards. An unreachable server fails the test: never skipped.
 */
final class PostgresStoreTest extends StoreMergeContractTest {
    static final String URL = env("CONCIERGE_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/concierge_test");
    static final String USER = env("CONCIERGE_TEST_PG_USER", "concierge");
    static final String PASSWORD = env("CONCIERGE_TEST_PG_PASSWORD", "concierge");

    private final String schema = "store_test_" + UUID.randomUUID().toString().replace("-", "");

    @Override
    void createDatabase() {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new AssertionError(
                    "PostgreSQL is not reachable at " + URL + " as " + USER + " (" + e.getMessage()
                            + "). Run .ci/postgres.sh, or point CONCIERGE_TEST_PG_URL, CONCIERGE_TEST_PG_USER and"
                            + " CONCIERGE_TEST_PG_PASSWORD at a server where that user may create schemas.",
                    e);
        }
    }

    @Override
    void dropDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("DROP SCHEMA IF EXISTS " + schema + "_second CASCADE");
        }
    }

    @Override
    JdbcConversationStore openStore(int mergeThreshold) {
        return JdbcConversationStore.open(
                JdbcDatabase.postgres(schemaUrl(), USER, PASSWORD), java.time.Clock.systemUTC(), mergeThreshold);
    }

    @Override
    JdbcDatabase secondDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + schema + "_second");
        }
        return JdbcDatabase.postgres(
                URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema + "_second", USER, PASSWORD);
    }

    @Override
    Connection rawConnection() throws SQLException {
        return DriverManager.getConnection(schemaUrl(), USER, PASSWORD);
    }

    @Override
    AutoCloseable holdMerges() throws SQLException {
        Connection c = rawConnection();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE events IN EXCLUSIVE MODE"); // reads go on; a merge's insert waits
        }
        return () -> {
            c.rollback();
            c.close();
        };
    }

    @Override
    String engine() {
        return "PostgreSQL";
    }

    @Test
    void fromConfig_withJdbcUrl_isPostgres() {
        try (JdbcConversationStore s = JdbcConversationStore.fromConfig(
                Optional.empty(), Optional.of(schemaUrl()), Optional.of(USER), Optional.of(PASSWORD))) {
            assertThat(s.toString()).contains("jdbc:postgresql:").contains(schema);
        }
    }

    @Test
    void fromConfig_rejectsOtherUrls() {
        assertThatThrownBy(() -> JdbcConversationStore.fromConfig(
                        Optional.empty(), Optional.of("jdbc:mysql://localhost/x"), Optional.empty(), Optional.empty()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("jdbc:postgresql:");
    }

    @Test
    void tablesLiveInTheUrlsSchema_managedByFlyway() throws Exception {
        assertThat(count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + schema
                        + "' AND table_name IN ('visitors', 'conversations', 'events', 'flyway_schema_history')"))
                .isEqualTo(4);
    }

    private String schemaUrl() {
        return URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
