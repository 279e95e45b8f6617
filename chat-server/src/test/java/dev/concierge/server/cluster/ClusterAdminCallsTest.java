package dev.concierge.server.cluster;

import static dev.concierge.server.testing.ClusterFixture.agent;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.client.AgentClient;
import dev.concierge.server.ChatServer;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ClusterFixture;
import dev.concierge.server.testing.ClusterNodes;
import dev.concierge.server.testing.RawSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API's erasure, the console's live dashboard and the REST API's conversation writes on
 * a node that does not decide: two real {@code serve} processes, a NATS server and a PostgreSQL
 * schema. The node that does not decide passes these calls to the deciding node over NATS and
 * answers as a single server would; while the deciding node does not answer (paused), it answers
 * 503 with {@code Retry-After}, and the writes waiting for it hold no thread of its API lane.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class ClusterAdminCallsTest {
    private static final String ADMIN = "admin-token-cluster-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;

    private static ClusterNodes cluster;
    /** The node that decides, and the one that does not (1 or 2). */
    private static int deciding;

    private static int other;

    @BeforeAll
    static void startCluster() throws Exception {
        Path token = Files.writeString(dir.resolve("admin-token"), ADMIN);
        cluster = ClusterNodes.start(2, n -> List.of("--admin-token-file", token.toString()));
        deciding = ClusterFixture.decider(cluster);
        other = 3 - deciding;
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void dashboard_onTheNodeThatDoesNotDecide_showsTheQueueAndAgentsOfTheDecider() throws Exception {
        URI there = cluster.uris().get(other - 1);
        String supervisor =
                ClusterFixture.login(there, ChatServer.Builder.DEMO2_USERNAME, ChatServer.Builder.DEMO2_PASSWORD);
        try (RawSocket visitor = RawSocket.connect(there, "/ws/visitor")) {
            String conversation = askForAPerson(visitor, "grace@example.com", "Where is my refund?")[1];

            JsonNode queued = live(there, supervisor);
            assertThat(queued.path("waiting").asInt()).isPositive();
            assertThat(queued.path("queue").findValuesAsText("conversationId")).contains(conversation);
            assertThat(queued.path("maxChatsPerAgent").asInt()).isPositive();

            AgentClient dana =
                    agent(List.of(there), ChatServer.Builder.DEMO_USERNAME, ChatServer.Builder.DEMO_PASSWORD);
            try {
                JsonNode holding = Await.value("the agent holds the conversation", Duration.ofSeconds(10), () -> {
                    JsonNode now = live(there, supervisor);
                    for (JsonNode a : now.path("agents")) {
                        if (a.path("id").asText().equals(dana.agent().id())
                                && a.path("assigned").asInt() >= 1) {
                            return Optional.of(now);
                        }
                    }
                    return Optional.empty();
                });
                assertThat(holding.path("queue").findValuesAsText("conversationId"))
                        .doesNotContain(conversation);
                HttpResponse<String> note = post(
                                there, "/api/v1/conversations/" + conversation + "/notes", "{\"text\":\"Forwarded\"}")
                        .get(30, TimeUnit.SECONDS);
                assertThat(note.statusCode()).as(note.body()).isEqualTo(201);
                assertThat(JSON.readTree(note.body()).path("event").path("kind").asText())
                        .isEqualTo("note");
            } finally {
                dana.close();
            }
        }
    }

    @Test
    @Order(2)
    void erase_onTheNodeThatDoesNotDecide_erasesOnTheDecider_closesTheSocket_andAnswersAsOneServer() throws Exception {
        URI there = cluster.uris().get(other - 1);
        try (RawSocket ada = RawSocket.connect(there, "/ws/visitor");
                RawSocket bob = RawSocket.connect(cluster.uris().get(deciding - 1), "/ws/visitor")) {
            String[] a = askForAPerson(ada, "ada@example.com", "My card number is 4111");
            String[] b = askForAPerson(bob, "bob@example.com", "Where is my order?");
            Await.until("both visitors stored", () -> rows(a[0]) >= 2 && rows(b[0]) >= 2);

            assertThat(call(there, "POST", "/api/admin/visitors/" + a[0] + "/erase", null)
                            .statusCode())
                    .isEqualTo(401);
            HttpResponse<String> erased = call(there, "POST", "/api/admin/visitors/" + a[0] + "/erase", ADMIN);
            assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(erased.body());
            assertThat(body.path("status").asText()).isEqualTo("erased");
            assertThat(body.path("visitorId").asText()).isEqualTo(a[0]);
            assertThat(body.path("conversations").asInt()).isEqualTo(1);
            assertThat(ada.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1000);

            assertThat(rows(a[0])).isZero();
            assertThat(JSON.readTree(call(there, "GET", "/api/admin/visitors?conversation=" + a[1], ADMIN)
                                    .body())
                            .path("visitorIds"))
                    .isEmpty();
            assertThat(rows(b[0])).as("the other visitor").isGreaterThanOrEqualTo(2);
            assertThat(bob.closedWith).isNotDone();

            // Erasing again is safe: nothing is left, so 404 as on one server.
            HttpResponse<String> again = call(there, "POST", "/api/admin/visitors/" + a[0] + "/erase", ADMIN);
            assertThat(again.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(again.body()).path("error").asText()).isEqualTo("not_found");
            assertThat(call(there, "POST", "/api/admin/visitors/bad%20id/erase", ADMIN)
                            .statusCode())
                    .isEqualTo(400);
        }
    }

    /**
     * Last: it pauses the deciding node. Its lease is lengthened in the database while it is
     * paused, so no other node takes over however slowly this machine runs: the call meets a
     * decider that holds the lease and does not answer.
     */
    @Test
    @Order(3)
    void whileTheDeciderDoesNotAnswer_theDashboardIs503_withRetryAfterAndTheReason() throws Exception {
        URI there = cluster.uris().get(other - 1);
        String supervisor =
                ClusterFixture.login(there, ChatServer.Builder.DEMO2_USERNAME, ChatServer.Builder.DEMO2_PASSWORD);
        cluster.node(deciding).stop(); // SIGSTOP: subscribed still, answering nothing
        try {
            assertThat(holdTheLease(cluster.nodeId(deciding)))
                    .as("the paused decider still held its lease")
                    .isEqualTo(1);
            HttpResponse<String> live = call(there, "GET", "/api/insights/live", supervisor);
            assertThat(live.statusCode()).as(live.body()).isEqualTo(503);
            assertThat(live.headers().firstValue("Retry-After")).hasValue("5");
            JsonNode body = JSON.readTree(live.body());
            assertThat(body.path("error").asText()).isEqualTo("unavailable");
            assertThat(body.path("message").asText()).contains("deciding node");
            assertThat(body.has("queue"))
                    .as("no empty queue that would look real")
                    .isFalse();

            // More forwarded writes than the API lane has threads wait for the decider; the
            // lane still serves a webhook listing (a store read) at once.
            List<CompletableFuture<HttpResponse<String>>> writes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                writes.add(post(there, "/api/v1/conversations/c-" + i + "/notes", "{\"text\":\"Waiting\"}"));
            }
            Thread.sleep(500); // lets the writes reach the node first (before the fix they held the lane)
            HttpResponse<String> listed = call(there, "GET", "/api/v1/webhooks", ADMIN);
            assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
            assertThat(writes).noneMatch(CompletableFuture::isDone);
        } finally {
            cluster.node(deciding).resume();
        }
    }

    /** A visitor who says hello, writes and asks for a person; their visitor id and conversation id. */
    private static String[] askForAPerson(RawSocket s, String email, String text) throws Exception {
        s.send(
                "{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\",\"context\":{\"name\":\"V\",\"email\":\""
                        + email + "\"}}");
        JsonNode welcome = s.awaitType("welcome");
        s.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"" + text + "\"}");
        String conversationId = s.awaitType("ack").path("conversationId").asText();
        s.send("{\"type\":\"handoff\",\"id\":\"x1\",\"conversationId\":\"" + conversationId + "\"}");
        s.await(f ->
                f.path("type").asText().equals("ack") && f.path("ref").asText().equals("x1"));
        return new String[] {welcome.path("visitorId").asText(), conversationId};
    }

    private static JsonNode live(URI base, String token) {
        try {
            HttpResponse<String> response = call(base, "GET", "/api/insights/live", token);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A POST of {@code json} with the admin token, answered later. */
    private static CompletableFuture<HttpResponse<String>> post(URI base, String path, String json) {
        return HTTP.sendAsync(
                HttpRequest.newBuilder(base.resolve(path))
                        .header("Authorization", "Bearer " + ADMIN)
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> call(URI base, String method, String path, String bearer) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(base.resolve(path)).method(method, HttpRequest.BodyPublishers.noBody());
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Lengthens the unexpired lease of {@code holder} to a minute; the rows changed. */
    private static int holdTheLease(String holder) throws SQLException {
        try (Connection c = cluster.schema().connect();
                PreparedStatement s = c.prepareStatement("UPDATE cluster_leases"
                        + " SET expires_at = clock_timestamp() + INTERVAL '60 seconds'"
                        + " WHERE name = 'decider' AND holder = ? AND expires_at > clock_timestamp()")) {
            s.setString(1, holder);
            return s.executeUpdate();
        }
    }

    /** The visitor's row and their conversations' rows in PostgreSQL. */
    private static long rows(String visitorId) {
        try (Connection c = cluster.schema().connect()) {
            return count(c, "SELECT COUNT(*) FROM visitors WHERE id = ?", visitorId)
                    + count(c, "SELECT COUNT(*) FROM conversations WHERE visitor_id = ?", visitorId);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static long count(Connection c, String sql, String value) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, value);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
