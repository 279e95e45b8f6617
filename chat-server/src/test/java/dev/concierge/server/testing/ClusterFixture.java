package dev.concierge.server.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.client.AgentClient;
import dev.concierge.client.VisitorClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * What the cluster tests share: clients pinned to a first node (each next attempt goes round the
 * list), and the decider lease as PostgreSQL has it.
 */
public final class ClusterFixture {
    /**
     * A client's first attempt goes to the first URL of its list (the SDK draws the start with
     * {@code nextInt(bound)}), so where each client starts is the test's choice; the backoff's
     * jitter stays random.
     */
    public static RandomGenerator first(long seed) {
        SplittableRandom jitter = new SplittableRandom(seed);
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return jitter.nextLong();
            }

            @Override
            public int nextInt(int bound) {
                return 0;
            }
        };
    }

    private ClusterFixture() {}

    /** The node numbers in the order a client tries them, starting at {@code first}. */
    public static List<URI> from(ClusterNodes cluster, int first) {
        List<URI> all = cluster.uris();
        List<URI> order = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            order.add(all.get((first - 1 + i) % all.size()));
        }
        return order;
    }

    /** A visitor connected to the first of {@code servers} that answers, tried in order. */
    public static VisitorClient visitor(List<URI> servers) throws Exception {
        return VisitorClient.builder()
                .serverUris(servers)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .random(first(servers.hashCode()))
                .connectTimeout(Duration.ofSeconds(10))
                .connect()
                .get(30, TimeUnit.SECONDS);
    }

    /** An agent signed in at the first of {@code servers} that answers, tried in order. */
    public static AgentClient agent(List<URI> servers, String user, String password) throws Exception {
        return AgentClient.builder()
                .serverUris(servers)
                .credentials(user, password)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .random(first(servers.hashCode()))
                .connectTimeout(Duration.ofSeconds(10))
                .connect()
                .get(30, TimeUnit.SECONDS);
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Signs in over HTTP at the node {@code base}; the session token. */
    public static String login(URI base, String user, String password) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(base.resolve("/api/agent/login"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}"))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("sign-in at " + base + ": " + response.statusCode() + " " + response.body());
        }
        return new ObjectMapper().readTree(response.body()).path("token").asText();
    }

    /** The body of {@code GET path} at the node {@code base}. */
    public static String get(URI base, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** Signs out {@code token} at the node {@code base}; the HTTP status. */
    public static int logout(URI base, String token) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(base.resolve("/api/agent/logout"))
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /** The lease's holder and token as the database has them, if any node took it. */
    public record Lease(String holder, long token) {}

    /** The decider lease as the database has it, if any node took it. */
    public static Optional<Lease> lease(ClusterNodes cluster) throws SQLException {
        try (Connection c = cluster.schema().connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT holder, token FROM cluster_leases WHERE name = 'decider'")) {
            return rs.next() ? Optional.of(new Lease(rs.getString(1), rs.getLong(2))) : Optional.empty();
        }
    }

    /** The number of the node holding the lease, once one does and every node is ready. */
    public static int decider(ClusterNodes cluster) {
        cluster.awaitReady();
        Lease lease = Await.value("a node holds the decider lease", Duration.ofSeconds(30), () -> {
            try {
                return lease(cluster);
            } catch (SQLException e) {
                return Optional.empty();
            }
        });
        for (int n = 1; n <= cluster.count(); n++) {
            if (cluster.nodeId(n).equals(lease.holder())) {
                return n;
            }
        }
        throw new AssertionError("the lease is held by an unknown node: " + lease);
    }
}
