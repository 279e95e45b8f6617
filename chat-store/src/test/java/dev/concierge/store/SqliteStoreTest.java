package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the embedded SQLite database, plus what only SQLite has to show. */
final class SqliteStoreTest extends StoreMergeContractTest {
    @TempDir
    Path dataDir;

    @Override
    void createDatabase() {
        // the store creates concierge.db in the temporary data directory
    }

    @Override
    void dropDatabase() {
        // @TempDir removes the directory
    }

    @Override
    JdbcConversationStore openStore(int mergeThreshold) {
        return JdbcConversationStore.open(JdbcDatabase.sqlite(dataDir), java.time.Clock.systemUTC(), mergeThreshold);
    }

    @Override
    JdbcDatabase secondDatabase() {
        return JdbcDatabase.sqlite(dataDir.resolve("second"));
    }

    @Override
    Connection rawConnection() throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(JdbcDatabase.SQLITE_FILE));
        MergedEvents.attach(c, dataDir.resolve(MergedEvents.FILE)); // as the store's connections have it
        return c;
    }

    @Override
    AutoCloseable holdMerges() throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(MergedEvents.FILE));
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE"); // the merged file's write lock: no merge can commit
        }
        return () -> {
            try (Statement s = c.createStatement()) {
                s.execute("ROLLBACK");
            }
            c.close();
        };
    }

    @Override
    String engine() {
        return "SQLite";
    }

    @Test
    void connections_useWalAndFullSync() throws Exception {
        assertThat(Files.exists(dataDir.resolve("concierge.db"))).isTrue();
        try (Connection c = rawConnection()) {
            assertThat(pragma(c, "journal_mode")).isEqualTo("wal"); // kept in the file
        }
        try (JdbcDatabase db = JdbcDatabase.sqlite(dataDir.resolve("other"));
                Connection c = db.connect()) {
            assertThat(pragma(c, "journal_mode")).isEqualTo("wal");
            assertThat(pragma(c, "synchronous")).isEqualTo("2"); // FULL
            assertThat(pragma(c, "busy_timeout")).isEqualTo(String.valueOf(JdbcDatabase.SQLITE_BUSY_TIMEOUT_MS));
        }
    }

    @Test
    void dataDirectory_cannotBeOpenedTwice() {
        assertThatThrownBy(() -> JdbcConversationStore.sqlite(dataDir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot lock data directory");
    }

    @Test
    void fromConfig_withoutJdbcUrl_isSqliteUnderTheDataDirectory() {
        store.close();
        Path elsewhere = dataDir.resolve("nested/data");
        try (JdbcConversationStore s = JdbcConversationStore.fromConfig(
                Optional.of(elsewhere), Optional.empty(), Optional.empty(), Optional.empty())) {
            assertThat(s.toString()).contains("jdbc:sqlite:").contains("concierge.db");
            assertThat(Files.exists(elsewhere.resolve("concierge.db"))).isTrue();
        }
    }

    @Test
    void schema_isManagedByFlyway() throws Exception {
        long migrations;
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("src/main/resources/db/migration"))) {
            migrations = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql"))
                    .count();
        }
        assertThat(migrations).isGreaterThanOrEqualTo(3);
        assertThat(count("SELECT COUNT(*) FROM flyway_schema_history WHERE success = 1"))
                .isEqualTo(migrations);
    }

    private static String pragma(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
