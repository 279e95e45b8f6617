package dev.concierge.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ChatTurns;
import dev.concierge.server.testing.ClusterFixture;
import dev.concierge.server.testing.ClusterNodes;
import dev.concierge.server.testing.WebhookApi;
import dev.concierge.server.testing.WebhookReceiver;
import dev.concierge.server.testing.WebhookReceiver.Request;
import dev.concierge.server.webhook.WebhookTypes;
import dev.concierge.store.JdbcConversationStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks in a cluster (docs/webhooks.md, "Crash, restart, cluster"): three real {@code serve}
 * nodes over PostgreSQL and NATS. The endpoint is created through a node that does not decide, so
 * its deliveries prove the endpoint reload reaches the decider. Visitors talk through every node;
 * the receiver holds its answers from its 25th request on, and the decider is killed (SIGKILL)
 * with requests in flight. After the takeover more visitors talk through the two nodes left.
 * Every event of every transcript in PostgreSQL arrives with a valid signature, in order per
 * conversation among first arrivals; an id arrives twice only when its first copy came before the
 * kill, with the same body; and {@code webhook_attempts} names only the old decider (every attempt
 * before the kill) and the new one (every attempt after), never the third node.
 */
final class ClusterWebhookTest {
    private static final String TOKEN = "admin-token-for-cluster-webhook-tests-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int HOLD_FROM = 25;
    /** Questions the demo FAQ answers (two misses in a row would hand the visitor to a person). */
    private static final List<String> QUESTIONS =
            List.of("Where is my order?", "How long does delivery take?", "How much does shipping cost?");

    @TempDir
    Path dir;

    @Test
    void onlyTheLeaseHolderSends_andAfterItsKillTheNextDeciderDeliversEveryEvent() throws Exception {
        long started = System.nanoTime();
        Path token = dir.resolve("admin-token");
        Files.writeString(token, TOKEN + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        List<String> args = List.of(
                "--admin-token-file",
                token.toString(),
                "--webhook-allow",
                "loopback",
                "--webhook-allow-http",
                "--webhook-backoff",
                "100ms,200ms,400ms");
        try (WebhookReceiver receiver = WebhookReceiver.start();
                ClusterNodes cluster =
                        ClusterNodes.start(3, Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1"), n -> args)) {
            int decider = ClusterFixture.decider(cluster);
            List<Integer> others = new ArrayList<>(List.of(1, 2, 3));
            others.remove(Integer.valueOf(decider));
            long clusterUp = System.nanoTime();

            JsonNode endpoint = new WebhookApi(cluster.uris().get(others.get(0) - 1), TOKEN)
                    .create("demo", receiver.url("/hooks"), WebhookTypes.ALL);
            String secret = endpoint.path("secret").asText();
            receiver.holdFrom(HOLD_FROM);
            List<String> conversations = new ArrayList<>(converse(cluster, List.of(1, 2, 3), 6));
            receiver.await("a held answer", WAIT, HOLD_FROM, r -> true);
            Await.until("answers held", () -> receiver.held() > 0);
            long lease = ClusterFixture.lease(cluster).orElseThrow().token();
            long killedAt = System.nanoTime();
            cluster.node(decider).kill();
            receiver.answerFreely();

            ClusterFixture.Lease taken = Await.value("another node takes the lease", WAIT, () -> {
                try {
                    return ClusterFixture.lease(cluster).filter(l -> l.token() > lease);
                } catch (SQLException e) {
                    return Optional.empty();
                }
            });
            int next = others.stream()
                    .filter(n -> cluster.nodeId(n).equals(taken.holder()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("the lease went to " + taken));
            for (int n : others) {
                String line = n == next
                        ? "decides now (token " + taken.token() + ")"
                        : "decider is node " + taken.holder() + " (token " + taken.token() + ")";
                Await.until(
                        cluster.nodeId(n) + " logs: " + line,
                        () -> cluster.node(n).output().contains(line));
                cluster.awaitReady(n);
            }
            conversations.addAll(converse(cluster, others, 4));

            int expected = expectedWebhooks(cluster, conversations);
            List<Request> all = receiver.await("every event", WAIT, expected, r -> r.answered() == 200);
            Await.until("every delivery recorded delivered", () -> allDelivered(cluster, expected));
            long deliveredAt = System.nanoTime();

            all = receiver.requests();
            assertThat(all).allSatisfy(r -> assertThat(r.verifies(secret))
                    .as("signature of %s", r.id())
                    .isTrue());
            assertThat(ids(all)).hasSize(expected);
            Map<String, Integer> copies = all.stream()
                    .collect(Collectors.groupingBy(Request::id, TreeMap::new, Collectors.summingInt(r -> 1)));
            Map<String, List<String>> attempts = attemptsByEvent(cluster);
            String old = cluster.nodeId(decider);
            copies.forEach((id, n) -> {
                assertThat(attempts.getOrDefault(id, List.of()))
                        .as("attempts at %s, received %d times", id, n)
                        .hasSizeGreaterThanOrEqualTo(n);
                if (n > 1) {
                    assertThat(n).as("copies of %s", id).isEqualTo(2);
                    assertThat(attempts.get(id)).as("nodes that sent %s", id).contains(old);
                }
            });
            assertAttemptsByLeaseHolders(cluster, cluster.nodeId(decider), cluster.nodeId(next));
            System.out.printf(
                    "cluster webhooks: cluster up %d ms, %d webhooks (%d sent twice), kill to all delivered %d ms,"
                            + " total %d ms%n",
                    (clusterUp - started) / 1_000_000,
                    expected,
                    all.size() - expected,
                    (deliveredAt - killedAt) / 1_000_000,
                    (System.nanoTime() - started) / 1_000_000);
        }
    }

    /** {@code count} visitors, the k-th on node {@code nodes[k % size]}, each asking three questions. */
    private static List<String> converse(ClusterNodes cluster, List<Integer> nodes, int count) throws Exception {
        List<String> conversations = new ArrayList<>();
        for (int v = 0; v < count; v++) {
            URI base = cluster.uris().get(nodes.get(v % nodes.size()) - 1);
            try (ChatTurns chat = ChatTurns.open(base)) {
                for (String question : QUESTIONS) {
                    chat.ask(question);
                }
                conversations.add(chat.conversation());
            }
        }
        return conversations;
    }

    /** One webhook per stored event but queued lines and notes, plus a start, per conversation. */
    private static int expectedWebhooks(ClusterNodes cluster, List<String> conversations) {
        try (JdbcConversationStore store = store(cluster)) {
            return conversations.stream()
                    .mapToInt(c -> 1 + stored(store, c).size())
                    .sum();
        }
    }

    /** Per conversation: first arrivals start with {@code conversation.started}, then the stored seqs in order. */
    private static void assertArrivedInOrder(ClusterNodes cluster, List<String> conversations, List<Request> all) {
        try (JdbcConversationStore store = store(cluster)) {
            for (String conversation : conversations) {
                Map<String, Request> first = new LinkedHashMap<>();
                for (Request r : all) {
                    if (r.conversation().equals(conversation)) {
                        Request earlier = first.putIfAbsent(r.id(), r);
                        if (earlier != null) {
                            assertThat(r.bodyText())
                                    .as("a repeat of %s", r.id())
                                    .isEqualTo(earlier.bodyText());
                        }
                    }
                }
                List<Request> firsts = List.copyOf(first.values());
                assertThat(firsts.get(0).type())
                        .as("first webhook of %s", conversation)
                        .isEqualTo(WebhookTypes.CONVERSATION_STARTED);
                assertThat(firsts.subList(1, firsts.size()))
                        .extracting(Request::seq)
                        .as("webhooks of %s, in order", conversation)
                        .containsExactlyElementsOf(stored(store, conversation));
            }
        }
    }

    /** The nodes of the attempts at each event id, in attempt order. */
    private static Map<String, List<String>> attemptsByEvent(ClusterNodes cluster) throws SQLException {
        Map<String, List<String>> nodes = new TreeMap<>();
        try (Connection c = cluster.schema().connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT d.event_id, a.node FROM webhook_attempts a"
                        + " JOIN webhook_deliveries d ON d.id = a.delivery_id ORDER BY d.event_id, a.attempt")) {
            while (rs.next()) {
                nodes.computeIfAbsent(rs.getString(1), id -> new ArrayList<>()).add(rs.getString(2));
            }
        }
        return nodes;
    }

    /** Only the two lease holders made attempts, the old one's all before the new one's. */
    private static void assertAttemptsByLeaseHolders(ClusterNodes cluster, String old, String next)
            throws SQLException {
        Map<String, long[]> spans = new TreeMap<>();
        try (Connection c = cluster.schema().connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT node, min(started_at), max(started_at) FROM webhook_attempts GROUP BY node")) {
            while (rs.next()) {
                spans.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
            }
        }
        assertThat(spans.keySet()).as("nodes in webhook_attempts").containsExactlyInAnyOrder(old, next);
        assertThat(spans.get(old)[1])
                .as("last attempt of %s before the first of %s", old, next)
                .isLessThanOrEqualTo(spans.get(next)[0]);
    }

    /** Whether the outbox holds {@code count} deliveries, every one delivered. */
    private static boolean allDelivered(ClusterNodes cluster, int count) {
        String sql = "SELECT count(*) FILTER (WHERE state = 'delivered'), count(*) FROM webhook_deliveries";
        try (Connection c = cluster.schema().connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return rs.next() && rs.getInt(1) == count && rs.getInt(2) == count;
        } catch (SQLException e) {
            return false;
        }
    }

    private static List<Long> stored(JdbcConversationStore store, String conversation) {
        return store.events(conversation, 0).stream()
                .filter(e -> e.kind() != TranscriptEvent.Kind.QUEUED && e.kind() != TranscriptEvent.Kind.NOTE)
                .map(TranscriptEvent::seq)
                .toList();
    }

    private static JdbcConversationStore store(ClusterNodes cluster) {
        return JdbcConversationStore.postgres(
                cluster.schema().jdbcUrl(),
                cluster.schema().user(),
                cluster.schema().password());
    }

    private static Set<String> ids(List<Request> requests) {
        return requests.stream().map(Request::id).collect(Collectors.toCollection(TreeSet::new));
    }
}
