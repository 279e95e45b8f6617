package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The attachment contract on a real PostgreSQL ({@code .ci/postgres.sh}): bytes in the database,
 * so that every node of a cluster serves every file. A schema per test; an unreachable server
 * fails the test.
 */
final class PostgresAttachmentStoreTest extends AttachmentStoreContractTest {
    private final String schema = "att_test_" + UUID.randomUUID().toString().replace("-", "");

    @Override
    void createDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(
                        PostgresStoreTest.URL, PostgresStoreTest.USER, PostgresStoreTest.PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
    }

    @Override
    void dropDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(
                        PostgresStoreTest.URL, PostgresStoreTest.USER, PostgresStoreTest.PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    @Override
    JdbcDatabase database() {
        return JdbcDatabase.postgres(schemaUrl(), PostgresStoreTest.USER, PostgresStoreTest.PASSWORD);
    }

    @Override
    Connection rawConnection() throws SQLException {
        return DriverManager.getConnection(schemaUrl(), PostgresStoreTest.USER, PostgresStoreTest.PASSWORD);
    }

    @Override
    boolean bytesStored(String sha256) throws SQLException {
        try (Connection c = rawConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT bytes IS NOT NULL FROM attachment_contents WHERE sha256 = ?")) {
            ps.setString(1, sha256);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    @Test
    void bytesLiveInTheDatabase() throws Exception {
        String sha = put("a scanned invoice");

        try (Connection c = rawConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT bytes, size FROM attachment_contents WHERE sha256 = ?")) {
            ps.setString(1, sha);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(new String(rs.getBytes(1), java.nio.charset.StandardCharsets.UTF_8))
                        .isEqualTo("a scanned invoice");
                assertThat(rs.getLong(2)).isEqualTo(17);
            }
        }
    }

    @Test
    void signingKey_isSharedByTwoStoresOnOneDatabase_whicheverAsksFirst() throws Exception {
        JdbcConversationStore first = store;
        JdbcConversationStore second = reopen();

        byte[] key = second.attachments().orElseThrow().signingKey();

        assertThat(first.attachments().orElseThrow().signingKey()).isEqualTo(key);
        assertThat(count("SELECT COUNT(*) FROM store_settings")).isEqualTo(1);
    }

    @Test
    void twoStoresOnOneDatabase_serveEachOthersBytes() throws Exception {
        JdbcConversationStore first = store;
        String sha = put("uploaded on one node");
        reopen();

        assertThat(read(sha)).isEqualTo("uploaded on one node");
        assertThat(first.attachments().orElseThrow().openContent(sha)).isPresent();
    }

    private String schemaUrl() {
        String url = PostgresStoreTest.URL;
        return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }
}
