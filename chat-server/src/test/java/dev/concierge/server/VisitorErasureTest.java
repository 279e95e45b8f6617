package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.store.JdbcDatabase;
import dev.concierge.store.MergedEvents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An admin finds a visitor by a conversation or an email address and erases them over the admin
 * API: their sockets close, every row of theirs leaves both SQLite files, their old token starts
 * a new visitor, and other visitors are untouched.
 */
final class VisitorErasureTest {
    private static final String ADMIN = "admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    private ChatServer server;

    @BeforeEach
    void start() {
        server = ChatServer.builder().port(0).dataDir(dataDir).adminToken(ADMIN).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> call(String method, String path, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private long count(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(JdbcDatabase.SQLITE_FILE))) {
            MergedEvents.attach(c, dataDir.resolve(MergedEvents.FILE));
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private long rowsOf(String visitorId, String conversationId) throws SQLException {
        return count("SELECT COUNT(*) FROM visitors WHERE id = '" + visitorId + "'")
                + count("SELECT COUNT(*) FROM conversations WHERE visitor_id = '" + visitorId + "'")
                + count("SELECT COUNT(*) FROM stored_events WHERE conversation_id = '" + conversationId + "'")
                + count("SELECT COUNT(*) FROM recent_events WHERE conversation_id = '" + conversationId + "'")
                + count("SELECT COUNT(*) FROM merged.conversation_keys WHERE conversation_id = '" + conversationId
                        + "'");
    }

    /** A visitor who says hello with this email and writes one message; returns welcome then the conversation id. */
    private String[] chat(RawSocket s, String email, String text) throws Exception {
        s.send(
                "{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\",\"context\":{\"name\":\"Ada\",\"email\":\""
                        + email + "\"}}");
        JsonNode welcome = s.awaitType("welcome");
        s.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"" + text + "\"}");
        String conversationId = s.awaitType("ack").path("conversationId").asText();
        return new String[] {
            welcome.path("visitorId").asText(), welcome.path("visitorToken").asText(), conversationId
        };
    }

    @Test
    void adminFindsAndErasesAVisitor_everyRowGoes_socketsClose_theOldTokenStartsAfresh() throws Exception {
        try (RawSocket ada = RawSocket.connect(server, "/ws/visitor");
                RawSocket bob = RawSocket.connect(server, "/ws/visitor")) {
            String[] a = chat(ada, "ada@example.com", "My card number is 4111");
            String[] b = chat(bob, "bob@example.com", "Where is my order?");
            Await.until("both conversations stored", () -> {
                try {
                    return rowsOf(a[0], a[2]) >= 3 && rowsOf(b[0], b[2]) >= 3;
                } catch (SQLException e) {
                    throw new AssertionError(e);
                }
            });

            HttpResponse<String> byConversation = call("GET", "/api/admin/visitors?conversation=" + a[2], ADMIN);
            assertThat(byConversation.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(byConversation.body())
                            .path("visitorIds")
                            .get(0)
                            .asText())
                    .isEqualTo(a[0]);
            HttpResponse<String> byEmail = call("GET", "/api/admin/visitors?email=ADA@example.com", ADMIN);
            assertThat(JSON.readTree(byEmail.body()).path("visitorIds")).hasSize(1);
            assertThat(JSON.readTree(byEmail.body()).path("visitorIds").get(0).asText())
                    .isEqualTo(a[0]);

            assertThat(call("POST", "/api/admin/visitors/" + a[0] + "/erase", null)
                            .statusCode())
                    .isEqualTo(401);
            assertThat(call("POST", "/api/admin/visitors/" + a[0] + "/erase", "wrong-admin-token-000")
                            .statusCode())
                    .isEqualTo(401);
            assertThat(rowsOf(a[0], a[2])).isPositive();

            HttpResponse<String> erased = call("POST", "/api/admin/visitors/" + a[0] + "/erase", ADMIN);
            assertThat(erased.statusCode()).isEqualTo(200);
            JsonNode body = JSON.readTree(erased.body());
            assertThat(body.path("status").asText()).isEqualTo("erased");
            assertThat(body.path("conversations").asInt()).isEqualTo(1);
            assertThat(ada.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1000);

            assertThat(rowsOf(a[0], a[2])).isZero();
            assertThat(count("SELECT COUNT(*) FROM stored_events WHERE text LIKE '%4111%'"))
                    .isZero();
            assertThat(count("SELECT COUNT(*) FROM merged.events WHERE text LIKE '%4111%'"))
                    .isZero();
            assertThat(count("SELECT COUNT(*) FROM recent_events WHERE text LIKE '%4111%'"))
                    .isZero();
            assertThat(count("SELECT COUNT(*) FROM conversation_figures")).isEqualTo(1);
            assertThat(rowsOf(b[0], b[2])).as("the other visitor").isGreaterThanOrEqualTo(3);
            assertThat(bob.closedWith).isNotDone();
            assertThat(JSON.readTree(call("GET", "/api/admin/visitors?conversation=" + a[2], ADMIN)
                                    .body())
                            .path("visitorIds"))
                    .isEmpty();

            // Coming back with the old token: a new visitor, nothing of the old one.
            try (RawSocket again = RawSocket.connect(server, "/ws/visitor")) {
                again.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\",\"visitorToken\":\"" + a[1]
                        + "\"}");
                JsonNode welcome = again.awaitType("welcome");
                assertThat(welcome.path("visitorId").asText()).isNotEqualTo(a[0]);
                assertThat(welcome.path("conversationId").isMissingNode()
                                || welcome.path("conversationId").isNull())
                        .isTrue();
                assertThat(welcome.path("earlierConversations")).isEmpty();
            }
        }
    }

    @Test
    void badVisitorCalls_getClearErrors() throws Exception {
        assertThat(call("POST", "/api/admin/visitors/v_nobody12345/erase", ADMIN)
                        .statusCode())
                .isEqualTo(404);
        HttpResponse<String> bad = call("POST", "/api/admin/visitors/bad%20id/erase", ADMIN);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("message").asText()).contains("visitor id");
        assertThat(call("GET", "/api/admin/visitors", ADMIN).statusCode()).isEqualTo(400);
        assertThat(call("GET", "/api/admin/visitors?email=a@b.c&conversation=c_1", ADMIN)
                        .statusCode())
                .isEqualTo(400);
        assertThat(call("GET", "/api/admin/visitors?email=" + "x".repeat(400) + "@b.c", ADMIN)
                        .statusCode())
                .isEqualTo(400);
        assertThat(call("GET", "/api/admin/visitors?conversation=c_1", null).statusCode())
                .isEqualTo(401);
        assertThat(call("DELETE", "/api/admin/visitors/v_1", ADMIN).statusCode())
                .isEqualTo(404);
    }
}
