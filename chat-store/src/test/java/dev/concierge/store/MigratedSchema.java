package dev.concierge.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh schema in the test PostgreSQL ({@link PostgresStoreTest#URL}), migrated by the store,
 * for a test that reaches it with several connections as several nodes would; dropped on close.
 */
final class MigratedSchema implements AutoCloseable {
    private final String name;
    private final String url;

    private MigratedSchema(String name, String url) {
        this.name = name;
        this.url = url;
    }

    /** Creates {@code prefix_<random>} and lets the store migrate it. */
    static MigratedSchema create(String prefix) throws SQLException {
        String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "");
        execute("CREATE SCHEMA " + name);
        String base = PostgresStoreTest.URL;
        String url = base + (base.contains("?") ? "&" : "?") + "currentSchema=" + name;
        JdbcConversationStore.postgres(url, PostgresStoreTest.USER, PostgresStoreTest.PASSWORD)
                .close(); // migrates
        return new MigratedSchema(name, url);
    }

    /** The JDBC URL of the schema. */
    String url() {
        return url;
    }

    @Override
    public void close() throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(
                        PostgresStoreTest.URL, PostgresStoreTest.USER, PostgresStoreTest.PASSWORD);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
