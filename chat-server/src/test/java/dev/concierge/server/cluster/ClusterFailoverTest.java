package dev.concierge.server.cluster;

import static dev.concierge.server.cluster.ClusterFixture.agent;
import static dev.concierge.server.cluster.ClusterFixture.from;
import static dev.concierge.server.cluster.ClusterFixture.visitor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.AgentClient;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.TranscriptEvent;
import dev.concierge.server.ChatServer;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ClusterNodes;
import dev.concierge.server.testing.HistoryChecker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Losing the deciding node: kill -9 in the middle of a burst, and a SIGSTOP long enough for the
 * cluster to move on. 10 visitors send 100 messages each, half of them connected to the node that
 * goes, the agent on another; afterwards every acknowledged message is stored exactly once, in
 * order, without seq gaps ({@link HistoryChecker}), assigned conversations are still with their
 * agent and the queue keeps its order. The takeover time is printed; the bound asserted is looser
 * than the 5 s the bench measures against, so that a busy machine does not fail the test.
 */
final class ClusterFailoverTest {
    private static final int VISITORS = 10;
    private static final int MESSAGES = 100;
    /** What the test allows for a takeover (the target, measured by the bench, is 5 s). */
    private static final Duration TAKEOVER_BOUND = Duration.ofSeconds(20);

    @Test
    void killingTheDecider_midBurst_losesNothingAcknowledged() throws Exception {
        try (ClusterNodes cluster = ClusterNodes.start(3)) {
            int decider = ClusterFixture.decider(cluster);
            int other = decider % 3 + 1;
            int third = other % 3 + 1;
            Burst burst = Burst.start(cluster, decider, other, third);

            Await.until("some acknowledgements before the kill", () -> burst.acked.get() >= 150);
            long killedAt = System.nanoTime();
            ClusterFixture.Lease before = ClusterFixture.lease(cluster).orElseThrow();
            cluster.node(decider).kill();
            ClusterFixture.Lease after = Await.value("another node takes the lease", TAKEOVER_BOUND, () -> {
                try {
                    return ClusterFixture.lease(cluster).filter(l -> l.token() > before.token());
                } catch (java.sql.SQLException e) {
                    return Optional.empty();
                }
            });
            long takeoverMs = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.printf(
                    "cluster takeover after kill -9 of %s: %d ms (lease to %s)%n",
                    cluster.nodeId(decider), takeoverMs, after.holder());
            assertThat(after.holder()).isNotEqualTo(cluster.nodeId(decider));

            burst.finishAndCheck(cluster);
        }
    }

    @Test
    void pausingTheDecider_theClusterMovesOn_andTheWokenNodeWritesNothingStale() throws Exception {
        try (ClusterNodes cluster = ClusterNodes.start(3)) {
            int decider = ClusterFixture.decider(cluster);
            int other = decider % 3 + 1;
            int third = other % 3 + 1;
            Burst burst = Burst.start(cluster, decider, other, third);

            Await.until("some acknowledgements before the pause", () -> burst.acked.get() >= 150);
            ClusterFixture.Lease before = ClusterFixture.lease(cluster).orElseThrow();
            cluster.node(decider).stop();
            long stoppedAt = System.nanoTime();
            try {
                ClusterFixture.Lease after = Await.value("another node takes the lease", TAKEOVER_BOUND, () -> {
                    try {
                        return ClusterFixture.lease(cluster).filter(l -> l.token() > before.token());
                    } catch (java.sql.SQLException e) {
                        return Optional.empty();
                    }
                });
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
            // Woken, it notices it lost the lease (its stale writes are refused by the fence) and
            // serves again as an ordinary node.
            cluster.awaitReady(decider);
            burst.finishAndCheck(cluster);
            assertThat(ClusterFixture.lease(cluster).orElseThrow().holder()).isNotEqualTo(cluster.nodeId(decider));
        }
    }

    /** Ten visitors sending a hundred messages each, half starting on the node that will go. */
    private static final class Burst {
        final HistoryChecker history = new HistoryChecker();
        final AtomicInteger acked = new AtomicInteger();
        final List<VisitorClient> visitors = new ArrayList<>();
        final List<List<CompletableFuture<ServerMessage.Ack>>> sent = new ArrayList<>();
        AgentClient agent;
        Thread thread;
        List<String> assignedBefore;
        List<String> queueBefore;

        static Burst start(ClusterNodes cluster, int going, int staying, int third) throws Exception {
            Burst b = new Burst();
            b.agent = agent(from(cluster, staying), ChatServer.Builder.DEMO_USERNAME, ChatServer.Builder.DEMO_PASSWORD);
            for (int v = 0; v < VISITORS; v++) {
                b.visitors.add(visitor(from(cluster, v % 2 == 0 ? going : third)));
                b.sent.add(new ArrayList<>());
            }
            assertThat(b.agent.serverNode()).hasValue(cluster.nodeId(staying));
            for (int v = 0; v < VISITORS; v++) {
                assertThat(b.visitors.get(v).serverNode())
                        .as("visitor %d's node", v)
                        .hasValue(cluster.nodeId(v % 2 == 0 ? going : third));
            }
            // The demo agent takes 5; the other visitors wait in the queue, in order.
            for (VisitorClient visitor : b.visitors) {
                visitor.requestHuman().get(10, TimeUnit.SECONDS);
            }
            Await.until(
                    "the agent holds 5 and 5 wait",
                    () -> b.agent.assignedConversations().size() == 5
                            && b.agent.queue().size() == 5);
            b.assignedBefore = List.copyOf(b.agent.assignedConversations().keySet());
            b.queueBefore =
                    b.agent.queue().stream().map(QueueEntry::conversationId).toList();
            b.thread = new Thread(
                    () -> {
                        for (int m = 0; m < MESSAGES; m++) {
                            for (int v = 0; v < VISITORS; v++) {
                                String text = "v" + v + "-m" + m;
                                String sender = "v" + v;
                                b.history.sent(sender, text);
                                CompletableFuture<ServerMessage.Ack> f =
                                        b.visitors.get(v).send(text);
                                f.thenAccept(ack -> {
                                    b.history.acknowledged(sender, text, ack);
                                    b.acked.incrementAndGet();
                                });
                                synchronized (b.sent) {
                                    b.sent.get(v).add(f);
                                }
                            }
                        }
                    },
                    "burst");
            b.thread.start();
            return b;
        }

        /** Waits for every acknowledgement, then checks the stored history and the agent's view. */
        void finishAndCheck(ClusterNodes cluster) throws Exception {
            thread.join(120_000);
            for (int v = 0; v < VISITORS; v++) {
                List<CompletableFuture<ServerMessage.Ack>> futures;
                synchronized (sent) {
                    futures = List.copyOf(sent.get(v));
                }
                assertThat(futures).hasSize(MESSAGES);
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                        .get(120, TimeUnit.SECONDS);
            }
            for (VisitorClient visitor : visitors) {
                String conversation = visitor.conversationId().orElseThrow();
                history.transcript(conversation, agentHistory(conversation));
                List<TranscriptEvent> shown = visitor.transcript();
                assertThat(shown.stream().map(TranscriptEvent::seq).distinct().count())
                        .as("the visitor's client shows each event once")
                        .isEqualTo(shown.size());
            }
            history.verify();
            Await.until(
                    "the agent is back with the same conversations",
                    () -> agent.assignedConversations().keySet().containsAll(assignedBefore));
            assertThat(agent.queue().stream().map(QueueEntry::conversationId).toList())
                    .as("the queue keeps its order")
                    .containsExactlyElementsOf(queueBefore);
            visitors.forEach(VisitorClient::close);
            agent.close();
        }

        private List<TranscriptEvent> agentHistory(String conversation) throws Exception {
            List<TranscriptEvent> all = new ArrayList<>();
            long after = 0;
            while (true) {
                ServerMessage.Transcript page =
                        agent.history(conversation, after).get(10, TimeUnit.SECONDS);
                all.addAll(page.events());
                if (!Boolean.TRUE.equals(page.more()) || page.events().isEmpty()) {
                    return all;
                }
                after = page.events().get(page.events().size() - 1).seq();
            }
        }
    }
}
