package dev.concierge.server.cluster;

import static dev.concierge.server.testing.ClusterFixture.agent;
import static dev.concierge.server.testing.ClusterFixture.visitor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.AgentClient;
import dev.concierge.client.Stored;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.server.ChatServer;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ClusterBurst;
import dev.concierge.server.testing.ClusterChat;
import dev.concierge.server.testing.ClusterFixture;
import dev.concierge.server.testing.ClusterNodes;
import dev.concierge.server.testing.HistoryChecker;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.server.testing.TcpRelay;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cluster scenarios, on one cluster of 3 real {@code serve} processes, a NATS server and a
 * PostgreSQL schema the nodes reach through a {@link TcpRelay} (so the database can be cut
 * without stopping the server other tests share). Each scenario asserts from the {@code welcome}
 * frames that the parties are on different nodes, ends with a {@link HistoryChecker} over
 * everything acknowledged, and leaves all three nodes running and ready. One cluster for all
 * keeps the suite's added time to about two minutes; the takeover times are printed (the 5 s
 * target is the bench's, the bound here is looser so that a busy machine does not fail them).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class ClusterTest {
    private static final Pattern HOST_PORT = Pattern.compile("//([^/:?]+):(\\d+)/");
    private static final Duration TAKEOVER_BOUND = Duration.ofSeconds(20);

    private static TcpRelay database;
    private static ClusterNodes cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        String base = System.getenv()
                .getOrDefault("CONCIERGE_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/concierge_test");
        Matcher m = HOST_PORT.matcher(base);
        assertThat(m.find()).as("host and port in %s", base).isTrue();
        database = TcpRelay.to(m.group(1), Integer.parseInt(m.group(2)));
        cluster = ClusterNodes.start(
                3, url -> HOST_PORT.matcher(url).replaceFirst("//127.0.0.1:" + database.port() + "/"), n -> List.of());
        cluster.awaitReady();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        if (database != null) {
            database.close();
        }
    }

    /** Whatever a scenario did, the next one starts on three running, ready nodes. */
    @AfterEach
    void everyNodeBack() throws Exception {
        database.restore();
        if (!cluster.nats().running()) {
            cluster.nats().start();
        }
        for (int n = 1; n <= 3; n++) {
            if (!cluster.node(n).isAlive()) {
                cluster.restart(n);
            }
        }
        cluster.awaitReady();
    }

    @Test
    @Order(1)
    void conversation_withEachPartyOnAnotherNode_worksAsOnOneServer() throws Exception {
        HistoryChecker history = new HistoryChecker();
        VisitorClient visitor = visitor(List.of(cluster.uris().get(0)));
        AgentClient dana = agent(
                List.of(cluster.uris().get(1)), ChatServer.Builder.DEMO_USERNAME, ChatServer.Builder.DEMO_PASSWORD);
        AgentClient sam = agent(
                List.of(cluster.uris().get(2)), ChatServer.Builder.DEMO2_USERNAME, ChatServer.Builder.DEMO2_PASSWORD);
        assertThat(visitor.serverNode()).hasValue(cluster.nodeId(1));
        assertThat(dana.serverNode()).hasValue(cluster.nodeId(2));
        assertThat(sam.serverNode()).hasValue(cluster.nodeId(3));

        // The bot answers across nodes.
        sendAndRecord(history, "visitor", visitor.send("How long does shipping take?"), "How long does shipping take?");
        String conversation = visitor.conversationId().orElseThrow();
        Await.until("the bot answered", () -> visitor.transcript().stream().anyMatch(e -> e.kind() == Kind.BOT));

        // The handoff package reaches the agent on n2 with the bot's turn in it.
        visitor.requestHuman().get(10, TimeUnit.SECONDS);
        Await.until("n2's agent got the conversation", () -> dana.assignedConversations()
                .containsKey(conversation));
        HandoffPackage handoff = dana.assignedConversations().get(conversation);
        assertThat(handoff.transcript()).extracting(TranscriptEvent::text).contains("How long does shipping take?");
        assertThat(handoff.transcript()).extracting(TranscriptEvent::kind).contains(Kind.BOT);

        sendAndRecord(history, "dana", dana.send(conversation, "Hi, Dana here."), "Hi, Dana here.");
        Await.until("the visitor on n1 reads Dana", () -> texts(visitor.transcript())
                .contains("Hi, Dana here."));
        sendAndRecord(history, "visitor", visitor.send("My card was charged twice."), "My card was charged twice.");
        Await.until("Dana on n2 reads the visitor", () -> texts(dana.transcript(conversation))
                .contains("My card was charged twice."));

        // Transfer to the agent on n3, with a note: the package carries everything.
        dana.transfer(conversation, ChatServer.Builder.DEMO2_USERNAME, "Charged twice, see above")
                .get(10, TimeUnit.SECONDS);
        Await.until(
                "n3's agent got the transfer", () -> sam.assignedConversations().containsKey(conversation));
        HandoffPackage transfer = sam.assignedConversations().get(conversation);
        assertThat(transfer.transferNote()).isEqualTo("Charged twice, see above");
        assertThat(transfer.transferredFrom().id()).isEqualTo(ChatServer.Builder.DEMO_USERNAME);
        assertThat(texts(transfer.transcript()))
                .contains("How long does shipping take?", "Hi, Dana here.", "My card was charged twice.");
        Await.until(
                "Dana no longer holds it", () -> !dana.assignedConversations().containsKey(conversation));

        sendAndRecord(
                history, "sam", sam.send(conversation, "Sam from billing: refunded."), "Sam from billing: refunded.");
        Await.until("the visitor reads Sam", () -> texts(visitor.transcript()).contains("Sam from billing: refunded."));

        // The agent's history: the visitor's leaves out internal notes, such as the transfer's.
        history.transcript(
                conversation,
                sam.history(conversation, 0).get(10, TimeUnit.SECONDS).events());
        history.verify();
        assertThat(visitor.transcript().stream()
                        .filter(e -> e.kind() == Kind.MESSAGE && e.author().role() == Role.AGENT)
                        .count())
                .as("each agent message reached the visitor once")
                .isEqualTo(2);
        // Each node's metrics say which node they are from.
        assertThat(ClusterFixture.get(cluster.uris().get(1), "/metrics"))
                .contains("node=\"" + cluster.nodeId(2) + "\"");
        visitor.closeConversation("done").get(10, TimeUnit.SECONDS);
        visitor.close();
        dana.close();
        sam.close();
    }

    @Test
    @Order(2)
    void killingTheDecider_midBurst_losesNothingAcknowledged() throws Exception {
        int decider = ClusterFixture.decider(cluster);
        ClusterBurst burst = burstUnderway(decider);
        long before = ClusterFixture.lease(cluster).orElseThrow().token();
        long killedAt = System.nanoTime();
        cluster.node(decider).kill();
        ClusterFixture.Lease after = awaitTakeover(before);
        System.out.printf(
                "cluster takeover after kill -9 of %s: %d ms (lease to %s)%n",
                cluster.nodeId(decider), (System.nanoTime() - killedAt) / 1_000_000, after.holder());
        assertThat(after.holder()).isNotEqualTo(cluster.nodeId(decider));
        burst.finishAndCheck(cluster);
    }

    @Test
    @Order(3)
    void pausingTheDecider_theClusterMovesOn_andTheWokenNodeWritesNothingStale() throws Exception {
        int decider = ClusterFixture.decider(cluster);
        ClusterBurst burst = burstUnderway(decider);
        long before = ClusterFixture.lease(cluster).orElseThrow().token();
        cluster.node(decider).stop();
        long stoppedAt = System.nanoTime();
        try {
            ClusterFixture.Lease after = awaitTakeover(before);
            System.out.printf(
                    "cluster takeover after SIGSTOP of %s: %d ms (lease to %s)%n",
                    cluster.nodeId(decider), (System.nanoTime() - stoppedAt) / 1_000_000, after.holder());
            // The paused node stays stopped for 15 s while the others go on.
            long left = Duration.ofSeconds(15).toNanos() - (System.nanoTime() - stoppedAt);
            if (left > 0) {
                TimeUnit.NANOSECONDS.sleep(left);
            }
        } finally {
            cluster.node(decider).resume();
        }
        // Woken, it finds its lease gone (the writes it had queued are refused by the fence) and
        // serves again as an ordinary node.
        cluster.awaitReady(decider);
        burst.finishAndCheck(cluster);
        assertThat(ClusterFixture.lease(cluster).orElseThrow().holder()).isNotEqualTo(cluster.nodeId(decider));
    }

    @Test
    @Order(4)
    void restartingEveryNodeInTurn_underTraffic_losesNothing() throws Exception {
        int decider = ClusterFixture.decider(cluster);
        int other = decider % 3 + 1;
        int third = other % 3 + 1;
        ClusterBurst burst = ClusterBurst.start(cluster, decider, other, third, Duration.ofMillis(100));
        for (int node : new int[] {decider, other, third}) {
            long token = ClusterFixture.lease(cluster).orElseThrow().token();
            boolean deciding = cluster.nodeId(node)
                    .equals(ClusterFixture.lease(cluster).orElseThrow().holder());
            assertThat(cluster.node(node).terminate())
                    .as("%s exits on SIGTERM after its shutdown", cluster.nodeId(node))
                    .isIn(0, 143);
            if (deciding) {
                assertThat(released(token))
                        .as("the decider released its lease on the way out (or another node already took it)")
                        .isTrue();
            }
            cluster.restart(node);
            cluster.awaitReady();
        }
        burst.finishAndCheck(cluster);
    }

    @Test
    @Order(5)
    void natsAway_nodesTurnNotReady_andCatchUpWhenItReturns() throws Exception {
        ClusterChat chat = ClusterChat.open(cluster, 1, 2);
        chat.exchange("before the NATS outage");
        cluster.nats().stop();
        awaitNoNodeReady();
        assertEveryNodeLive();
        chat.history.sent("visitor", "sent while NATS is away");
        CompletableFuture<Stored> waiting = chat.visitor.send("sent while NATS is away");
        cluster.nats().start();
        cluster.awaitReady();
        chat.history.acknowledged("visitor", "sent while NATS is away", waiting.get(60, TimeUnit.SECONDS));
        chat.exchange("after the NATS outage");
        chat.checkAndClose();
    }

    @Test
    @Order(6)
    void postgresAway_nothingIsAcknowledged_nodesStayLive_andWritesResumeWhenItReturns() throws Exception {
        ClusterChat chat = ClusterChat.open(cluster, 3, 1);
        chat.exchange("before the PostgreSQL outage");
        database.cut();
        awaitNoNodeReady();
        assertEveryNodeLive();
        chat.history.sent("visitor", "sent while PostgreSQL is away");
        CompletableFuture<Stored> waiting = chat.visitor.send("sent while PostgreSQL is away");
        database.restore();
        cluster.awaitReady();
        chat.history.acknowledged("visitor", "sent while PostgreSQL is away", waiting.get(60, TimeUnit.SECONDS));
        chat.exchange("after the PostgreSQL outage");
        chat.checkAndClose();
    }

    @Test
    @Order(7)
    void signingOutOnOneNode_closesTheAgentsSocketsOnTheOthers_andTheTokenStopsWorkingEverywhere() throws Exception {
        // Signed in on n1; its token opens sockets on n2 and n3 (the sign-in reached them over NATS).
        String token = ClusterFixture.login(
                cluster.uris().get(0), ChatServer.Builder.DEMO2_USERNAME, ChatServer.Builder.DEMO2_PASSWORD);
        try (RawSocket onTwo = RawSocket.connect(cluster.uris().get(1), "/ws/agent");
                RawSocket onThree = RawSocket.connect(cluster.uris().get(2), "/ws/agent")) {
            for (RawSocket socket : List.of(onTwo, onThree)) {
                socket.send("{\"type\":\"hello\",\"id\":\"h1\",\"version\":2,\"token\":\"" + token + "\"}");
                assertThat(socket.awaitType("welcome").path("node").asText()).isNotEqualTo(cluster.nodeId(1));
            }
            assertThat(ClusterFixture.logout(cluster.uris().get(0), token)).isEqualTo(200);
            assertThat(onTwo.closedWith.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(onThree.closedWith.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
        }
        try (RawSocket again = RawSocket.connect(cluster.uris().get(2), "/ws/agent")) {
            again.send("{\"type\":\"hello\",\"id\":\"h2\",\"version\":2,\"token\":\"" + token + "\"}");
            assertThat(again.awaitType("error").path("code").asText()).isEqualTo("unauthorized");
        }
    }

    /**
     * A burst as fast as it goes, half the visitors on the deciding node, the agent and the other
     * half on the two others; returns once 150 messages are acknowledged.
     */
    private static ClusterBurst burstUnderway(int decider) throws Exception {
        int other = decider % 3 + 1;
        ClusterBurst burst = ClusterBurst.start(cluster, decider, other, other % 3 + 1, Duration.ZERO);
        Await.until("some acknowledgements", () -> burst.acked.get() >= 150);
        return burst;
    }

    private static ClusterFixture.Lease awaitTakeover(long token) {
        return Await.value("another node takes the lease", TAKEOVER_BOUND, () -> {
            try {
                return ClusterFixture.lease(cluster).filter(l -> l.token() > token);
            } catch (SQLException e) {
                return Optional.empty();
            }
        });
    }

    /** Whether the lease moved on from {@code token} or, still under it, has already expired. */
    private static boolean released(long token) throws SQLException {
        try (var c = cluster.schema().connect();
                var s = c.createStatement();
                var rs = s.executeQuery("SELECT token, expires_at < clock_timestamp() FROM cluster_leases")) {
            rs.next();
            return rs.getLong(1) > token || rs.getBoolean(2);
        }
    }

    private static void awaitNoNodeReady() {
        Await.value(
                "every node says it is not ready",
                Duration.ofSeconds(30),
                () -> !cluster.ready(1) && !cluster.ready(2) && !cluster.ready(3)
                        ? Optional.of(true)
                        : Optional.empty());
    }

    private static void assertEveryNodeLive() {
        for (int n = 1; n <= 3; n++) {
            assertThat(cluster.live(n))
                    .as("node %s is live (no restart wanted)", cluster.nodeId(n))
                    .isTrue();
        }
    }

    private static List<String> texts(List<TranscriptEvent> events) {
        return events.stream().map(TranscriptEvent::text).toList();
    }

    private static void sendAndRecord(HistoryChecker history, String sender, CompletableFuture<Stored> ack, String text)
            throws Exception {
        history.sent(sender, text);
        history.acknowledged(sender, text, ack.get(10, TimeUnit.SECONDS));
    }
}
