package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.ChatServer;
import dev.concierge.server.auth.ApiKeys;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.server.testing.RestClient;
import dev.concierge.store.JdbcDatabase;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API's keys and webhook management over the SQLite store of a real server: a key's hash,
 * never the key, in {@code api_keys}; revocation refusing the key at once; an endpoint created over
 * the API gets the rows of the very next event (the router reloaded before the answer), and its
 * deliveries show in the log.
 */
final class RestApiDatabaseTest {
    private static final String ADMIN = ApiKeysEndpointsTest.ADMIN;

    @TempDir
    Path dataDir;

    private ChatServer server;
    private RestClient rest;

    @BeforeEach
    void start() {
        server = ChatServer.builder().port(0).dataDir(dataDir).adminToken(ADMIN).start();
        rest = new RestClient(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String column(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(JdbcDatabase.SQLITE_FILE));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            StringBuilder all = new StringBuilder();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= columns; i++) {
                    all.append(rs.getString(i)).append('|');
                }
            }
            return all.toString();
        }
    }

    @Test
    void aKey_isStoredAsItsHash_worksAndIsRefusedOnceRevoked() throws Exception {
        HttpResponse<String> made = rest.post(
                "/api/v1/api-keys", ADMIN, "{\"kind\":\"admin\",\"scopes\":[\"webhooks:read\"],\"name\":\"reader\"}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String key = RestClient.json(made).path("key").asText();
        String id = RestClient.json(made).path("id").asText();

        String row = column("SELECT * FROM api_keys");
        assertThat(row).contains(id).contains(ApiKeys.sha256Hex(key)).doesNotContain(key.substring(26));

        assertThat(rest.get("/api/v1/webhooks", key).statusCode()).isEqualTo(200);
        assertThat(rest.call("DELETE", "/api/v1/api-keys/" + id, ADMIN, null).statusCode())
                .isEqualTo(204);
        assertThat(rest.get("/api/v1/webhooks", key).statusCode()).isEqualTo(401);
        assertThat(column("SELECT revoked_at IS NOT NULL FROM api_keys WHERE id = '" + id + "'"))
                .isEqualTo("1|");
    }

    @Test
    void anEndpointMadeOverTheApi_getsTheNextEventsRows_andTheLogShowsThem() throws Exception {
        HttpResponse<String> made = rest.post(
                "/api/v1/webhooks",
                ADMIN,
                "{\"site\":\"demo\",\"url\":\"https://hooks.example.com/in\",\"eventTypes\":[\"message.created\"]}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String id = RestClient.json(made).path("id").asText();

        HttpResponse<String> stale =
                rest.call("PATCH", "/api/v1/webhooks/" + id, ADMIN, "{\"description\":\"CRM\"}", "If-Match", "\"7\"");
        assertThat(stale.statusCode()).as(stale.body()).isEqualTo(409);
        assertThat(rest.call("PATCH", "/api/v1/webhooks/" + id, ADMIN, "{\"description\":\"CRM\"}", "If-Match", "\"1\"")
                        .statusCode())
                .isEqualTo(200);

        try (RawSocket visitor = RawSocket.connect(server, "/ws/visitor")) {
            visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Where is my order?\"}");
            visitor.awaitType("ack");
        }
        Await.until("a delivery of the visitor's message", () -> {
            try {
                return RestClient.json(rest.get("/api/v1/webhooks/" + id + "/deliveries", ADMIN))
                                .path("items")
                                .size()
                        > 0;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        JsonNode delivery = RestClient.json(rest.get("/api/v1/webhooks/" + id + "/deliveries", ADMIN))
                .path("items")
                .get(0);
        assertThat(delivery.path("type").asText()).isEqualTo("message.created");
        JsonNode one = RestClient.json(
                rest.get("/api/v1/webhook-deliveries/" + delivery.path("id").asText(), ADMIN));
        assertThat(one.path("body").asText())
                .contains("\"type\":\"message.created\"")
                .contains("Where is my order?");

        assertThat(rest.call("DELETE", "/api/v1/webhooks/" + id, ADMIN, null).statusCode())
                .isEqualTo(204);
        assertThat(column("SELECT COUNT(*) FROM webhook_endpoints")).isEqualTo("0|");
    }
}
