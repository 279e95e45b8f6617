package dev.concierge.server.testing;

import static dev.concierge.server.testing.ClusterFixture.agent;
import static dev.concierge.server.testing.ClusterFixture.from;
import static dev.concierge.server.testing.ClusterFixture.visitor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.AgentClient;
import dev.concierge.client.Stored;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.ChatServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Traffic for the cluster tests: 10 visitors sending 100 messages each ({@code between} rounds
 * apart, or as fast as they go), the even ones starting on one node, the odd ones on another, the
 * agent on a third, with every send and acknowledgement recorded in a {@link HistoryChecker}. The
 * demo agent takes 5 conversations; the other 5 wait in the queue.
 */
public final class ClusterBurst {
    static final int VISITORS = 10;
    static final int MESSAGES = 100;

    final HistoryChecker history = new HistoryChecker();
    /** The number of messages acknowledged so far. */
    public final AtomicInteger acked = new AtomicInteger();

    final List<VisitorClient> visitors = new ArrayList<>();
    final List<List<CompletableFuture<Stored>>> sent = new ArrayList<>();
    AgentClient agent;
    Thread thread;
    List<String> assignedBefore;
    List<String> queueBefore;

    /**
     * Starts the burst: visitors on the nodes {@code going} (even) and {@code third} (odd), the agent
     * on {@code staying}; returns once they are connected and the traffic runs.
     */
    public static ClusterBurst start(ClusterNodes cluster, int going, int staying, int third, Duration between)
            throws Exception {
        ClusterBurst b = new ClusterBurst();
        try {
            b.open(cluster, going, staying, third);
        } catch (Exception | AssertionError e) {
            b.closeClients(); // a failed start leaves no client for the next scenario's agent to meet
            throw e;
        }
        b.thread = new Thread(
                () -> {
                    for (int m = 0; m < MESSAGES; m++) {
                        for (int v = 0; v < VISITORS; v++) {
                            String text = "v" + v + "-m" + m;
                            String sender = "v" + v;
                            b.history.sent(sender, text);
                            CompletableFuture<Stored> f = b.visitors.get(v).send(text);
                            f.thenAccept(ack -> {
                                b.history.acknowledged(sender, text, ack);
                                b.acked.incrementAndGet();
                            });
                            synchronized (b.sent) {
                                b.sent.get(v).add(f);
                            }
                        }
                        pace(between); // spreads the traffic over the scenario: load, not synchronisation
                    }
                },
                "burst");
        b.thread.start();
        return b;
    }

    /** Connects the agent and the visitors, asks for humans and waits until 5 are assigned and 5 queued. */
    private void open(ClusterNodes cluster, int going, int staying, int third) throws Exception {
        agent = agent(from(cluster, staying), ChatServer.Builder.DEMO_USERNAME, ChatServer.Builder.DEMO_PASSWORD);
        for (int v = 0; v < VISITORS; v++) {
            visitors.add(visitor(from(cluster, v % 2 == 0 ? going : third)));
            sent.add(new ArrayList<>());
        }
        assertThat(agent.serverNode()).hasValue(cluster.nodeId(staying));
        for (int v = 0; v < VISITORS; v++) {
            assertThat(visitors.get(v).serverNode())
                    .as("visitor %d's node", v)
                    .hasValue(cluster.nodeId(v % 2 == 0 ? going : third));
        }
        // The demo agent takes 5; the other visitors wait in the queue, in order.
        for (VisitorClient visitor : visitors) {
            visitor.requestHuman().get(10, TimeUnit.SECONDS);
        }
        Await.until(
                "the agent holds 5 and 5 wait",
                () -> agent.assignedConversations().size() == 5 && agent.queue().size() == 5);
        assignedBefore = List.copyOf(agent.assignedConversations().keySet());
        queueBefore = agent.queue().stream().map(QueueEntry::conversationId).toList();
    }

    private static void pace(Duration between) {
        if (between.isZero()) {
            return;
        }
        try {
            Thread.sleep(between.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Best effort: closes the conversations opened so far and every client. */
    private void closeClients() {
        for (VisitorClient visitor : visitors) {
            if (visitor.conversationId().isPresent()) {
                try {
                    visitor.closeConversation("done").get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // the scenario fails anyway; the next one may still start clean
                }
            }
            visitor.close();
        }
        if (agent != null) {
            agent.close();
        }
    }

    /** Waits for every acknowledgement, then checks the stored history and the agent's view. */
    public void finishAndCheck(ClusterNodes cluster) throws Exception {
        thread.join(120_000);
        for (int v = 0; v < VISITORS; v++) {
            List<CompletableFuture<Stored>> futures;
            synchronized (sent) {
                futures = List.copyOf(sent.get(v));
            }
            assertThat(futures).hasSize(MESSAGES);
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
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
        // Leaves the cluster as it found it: the conversations closed, the agent signed off.
        for (VisitorClient visitor : visitors) {
            visitor.closeConversation("done").get(30, TimeUnit.SECONDS);
            visitor.close();
        }
        agent.close();
    }

    private List<TranscriptEvent> agentHistory(String conversation) throws Exception {
        return agent.history(conversation, 0).get(10, TimeUnit.SECONDS).events(); // every page
    }
}
