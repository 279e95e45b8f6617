package dev.concierge.server.cluster;

import static dev.concierge.server.cluster.ClusterFixture.agent;
import static dev.concierge.server.cluster.ClusterFixture.visitor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.AgentClient;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.TranscriptEvent;
import dev.concierge.server.ChatServer;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ClusterNodes;
import dev.concierge.server.testing.HistoryChecker;
import dev.concierge.server.testing.TcpRelay;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The engines under the cluster going away and coming back. NATS down: no node can reach the
 * decider, so every node turns not-ready (and stays live), closes its sockets and refuses new
 * ones with {@code unavailable}; a message sent meanwhile is acknowledged only once NATS is back,
 * stored once. PostgreSQL down (cut at a relay, since other tests share the server): the decider
 * cannot renew its lease and stops deciding, nothing is acknowledged, nodes are not ready but
 * live; when it returns a node takes the lease, recovers, and the waiting message is stored once.
 */
final class ClusterOutageTest {
    private static final Pattern HOST_PORT = Pattern.compile("//([^/:?]+):(\\d+)/");

    @Test
    void natsAway_nodesTurnNotReady_andCatchUpWhenItReturns() throws Exception {
        try (ClusterNodes cluster = ClusterNodes.start(3)) {
            cluster.awaitReady();
            Chat chat = Chat.open(cluster);
            chat.exchange("before the outage");

            cluster.nats().stop();
            Await.until(
                    "every node says it is not ready",
                    () -> !cluster.ready(1) && !cluster.ready(2) && !cluster.ready(3));
            assertLive(cluster);
            chat.history.sent("visitor", "sent while NATS is away");
            CompletableFuture<ServerMessage.Ack> waiting = chat.visitor.send("sent while NATS is away");

            cluster.nats().start();
            cluster.awaitReady();
            chat.history.acknowledged("visitor", "sent while NATS is away", waiting.get(60, TimeUnit.SECONDS));
            chat.exchange("after the outage");
            chat.check();
        }
    }

    @Test
    void postgresAway_nothingIsAcknowledged_nodesStayLive_andWritesResumeWhenItReturns() throws Exception {
        String base = System.getenv()
                .getOrDefault("CONCIERGE_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/concierge_test");
        Matcher m = HOST_PORT.matcher(base);
        assertThat(m.find()).as("host and port in %s", base).isTrue();
        try (TcpRelay relay = TcpRelay.to(m.group(1), Integer.parseInt(m.group(2)));
                ClusterNodes cluster = ClusterNodes.start(
                        3,
                        url -> HOST_PORT.matcher(url).replaceFirst("//127.0.0.1:" + relay.port() + "/"),
                        n -> List.of())) {
            cluster.awaitReady();
            Chat chat = Chat.open(cluster);
            chat.exchange("before the outage");

            relay.cut();
            Await.value(
                    "every node says it is not ready",
                    Duration.ofSeconds(30),
                    () -> !cluster.ready(1) && !cluster.ready(2) && !cluster.ready(3)
                            ? java.util.Optional.of(true)
                            : java.util.Optional.empty());
            assertLive(cluster);
            chat.history.sent("visitor", "sent while PostgreSQL is away");
            CompletableFuture<ServerMessage.Ack> waiting = chat.visitor.send("sent while PostgreSQL is away");

            relay.restore();
            cluster.awaitReady();
            chat.history.acknowledged("visitor", "sent while PostgreSQL is away", waiting.get(60, TimeUnit.SECONDS));
            chat.exchange("after the outage");
            chat.check();
        }
    }

    private static void assertLive(ClusterNodes cluster) {
        for (int n = 1; n <= 3; n++) {
            assertThat(cluster.live(n))
                    .as("node %s is live (no restart wanted)", cluster.nodeId(n))
                    .isTrue();
        }
    }

    /** A visitor on n1 with the agent on n2, both able to move to the other nodes. */
    private static final class Chat {
        final HistoryChecker history = new HistoryChecker();
        VisitorClient visitor;
        AgentClient agent;
        String conversation;

        static Chat open(ClusterNodes cluster) throws Exception {
            Chat c = new Chat();
            c.visitor = visitor(ClusterFixture.from(cluster, 1));
            c.agent = agent(
                    ClusterFixture.from(cluster, 2),
                    ChatServer.Builder.DEMO_USERNAME,
                    ChatServer.Builder.DEMO_PASSWORD);
            c.visitor.requestHuman().get(10, TimeUnit.SECONDS);
            c.conversation = c.visitor.conversationId().orElseThrow();
            Await.until(
                    "the agent has the conversation",
                    () -> c.agent.assignedConversations().containsKey(c.conversation));
            return c;
        }

        void exchange(String label) throws Exception {
            String fromVisitor = "visitor: " + label;
            history.sent("visitor", fromVisitor);
            history.acknowledged(
                    "visitor", fromVisitor, visitor.send(fromVisitor).get(30, TimeUnit.SECONDS));
            Await.until("the agent reads: " + fromVisitor, () -> agent.transcript(conversation).stream()
                    .anyMatch(e -> fromVisitor.equals(e.text())));
            String fromAgent = "agent: " + label;
            history.sent("agent", fromAgent);
            history.acknowledged(
                    "agent", fromAgent, agent.send(conversation, fromAgent).get(30, TimeUnit.SECONDS));
            Await.until("the visitor reads: " + fromAgent, () -> visitor.transcript().stream()
                    .anyMatch(e -> fromAgent.equals(e.text())));
        }

        void check() throws Exception {
            List<TranscriptEvent> events =
                    agent.history(conversation, 0).get(10, TimeUnit.SECONDS).events();
            history.transcript(conversation, events);
            history.verify();
            visitor.close();
            agent.close();
        }
    }
}
