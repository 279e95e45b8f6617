package dev.concierge.server.cluster;

import static dev.concierge.server.testing.ClusterFixture.agent;
import static dev.concierge.server.testing.ClusterFixture.visitor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.AgentClient;
import dev.concierge.client.Stored;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.ChatServer;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ClusterNodes;
import dev.concierge.server.testing.HaproxyProcess;
import dev.concierge.server.testing.HistoryChecker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Three nodes behind a real haproxy that sends the PROXY protocol (v2) and checks
 * {@code GET /api/ready}, as docs/scaling.md configures it: a visitor and an agent chat through
 * the one URL; the visitor's node gets SIGTERM (a rolling restart's step); haproxy marks it down,
 * the visitor reconnects through haproxy to another node, and the conversation goes on, nothing
 * lost or doubled.
 */
final class ClusterLoadBalancerTest {

    @Test
    void sigtermOfTheVisitorsNode_behindHaproxy_movesTheVisitorToAnotherNode_andTheChatGoesOn() throws Exception {
        try (ClusterNodes cluster = ClusterNodes.start(3, "--trusted-proxy", "127.0.0.1/32");
                HaproxyProcess haproxy = HaproxyProcess.start(cluster.uris(), false, true)) {
            // The nodes trust 127.0.0.1 as a proxy: a request from it must carry a PROXY header.
            for (int n = 1; n <= 3; n++) {
                int node = n;
                Await.value(
                        "node " + cluster.nodeId(node) + " ready (asked as haproxy asks, with a PROXY header)",
                        Duration.ofSeconds(30),
                        () -> ready(cluster.uris().get(node - 1)).filter(status -> status == 200));
                assertThat(get(cluster.uris().get(node - 1), ""))
                        .as("a request from 127.0.0.1 without a PROXY header is closed unanswered")
                        .isEmpty();
            }
            List<URI> balancer = List.of(haproxy.baseUri());
            HistoryChecker history = new HistoryChecker();
            VisitorClient visitor = visitor(balancer);
            AgentClient dana = agent(balancer, ChatServer.Builder.DEMO_USERNAME, ChatServer.Builder.DEMO_PASSWORD);
            int visitorNode = number(cluster, visitor.serverNode());
            System.out.printf(
                    "load balancer: visitor on %s, agent on %s%n",
                    visitor.serverNode().orElseThrow(), dana.serverNode().orElseThrow());

            sendAndRecord(history, "visitor", visitor.send("Where is my parcel?"), "Where is my parcel?");
            String conversation = visitor.conversationId().orElseThrow();
            visitor.requestHuman().get(10, TimeUnit.SECONDS);
            Await.until("the agent got the conversation", () -> dana.assignedConversations()
                    .containsKey(conversation));
            sendAndRecord(
                    history, "dana", dana.send(conversation, "Dana here, let me look."), "Dana here, let me look.");
            Await.until(
                    "the visitor reads Dana", () -> texts(visitor.transcript()).contains("Dana here, let me look."));

            int logBefore = haproxy.output().length(); // a node not yet ready at the start was out then
            long stopping = System.nanoTime();
            assertThat(cluster.node(visitorNode).terminate())
                    .as(
                            "%s exits after its shutdown (143: the JVM's status after SIGTERM)",
                            cluster.nodeId(visitorNode))
                    .isIn(0, 143);
            Await.until(
                    "the visitor is back, through haproxy, on another node",
                    () -> visitor.state() == VisitorClient.State.OPEN
                            && visitor.serverNode().isPresent()
                            && !visitor.serverNode().get().equals(cluster.nodeId(visitorNode)));
            System.out.printf(
                    "load balancer: %s stopped, the visitor resumed on %s after %d ms%n",
                    cluster.nodeId(visitorNode),
                    visitor.serverNode().orElseThrow(),
                    (System.nanoTime() - stopping) / 1_000_000);
            Await.until("haproxy took node" + visitorNode + " out", () -> haproxy.output()
                    .substring(logBefore)
                    .contains("Server nodes/node" + visitorNode + " is DOWN"));
            Await.until("the agent is connected", () -> dana.state() == AgentClient.State.OPEN);

            sendAndRecord(history, "visitor", visitor.send("Still there?"), "Still there?");
            Await.until("Dana reads the visitor after the move", () -> texts(dana.transcript(conversation))
                    .contains("Still there?"));
            sendAndRecord(
                    history, "dana", dana.send(conversation, "Yes: it ships tomorrow."), "Yes: it ships tomorrow.");
            Await.until("the visitor reads Dana after the move", () -> texts(visitor.transcript())
                    .contains("Yes: it ships tomorrow."));

            history.transcript(
                    conversation,
                    dana.history(conversation, 0).get(10, TimeUnit.SECONDS).events());
            history.verify();
            System.out.println(
                    "load balancer: haproxy said\n" + haproxy.output().substring(logBefore));
            visitor.close();
            dana.close();
        }
    }

    /** The node number of a client's {@code welcome.node}. */
    private static int number(ClusterNodes cluster, Optional<String> node) {
        for (int n = 1; n <= cluster.count(); n++) {
            if (node.equals(Optional.of(cluster.nodeId(n)))) {
                return n;
            }
        }
        throw new AssertionError("the welcome named no node of the cluster: " + node);
    }

    /** {@code GET /api/ready} of a node, as haproxy's check sends it: after a PROXY header. */
    private static Optional<Integer> ready(URI node) {
        try {
            String answer = get(node, "PROXY TCP4 127.0.0.1 127.0.0.1 40000 " + node.getPort() + "\r\n");
            return answer.startsWith("HTTP/1.1 ")
                    ? Optional.of(Integer.parseInt(answer.substring(9, 12)))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@code GET /api/ready} after {@code header}, on a connection of its own: all it gets until closed. */
    private static String get(URI node, String header) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", node.getPort()), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream()
                    .write((header + "GET /api/ready HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                s.getInputStream().transferTo(got);
            } catch (SocketException reset) {
                // closed with unread bytes
            }
            return got.toString(StandardCharsets.US_ASCII);
        }
    }

    private static void sendAndRecord(HistoryChecker history, String sender, CompletableFuture<Stored> ack, String text)
            throws Exception {
        history.sent(sender, text);
        history.acknowledged(sender, text, ack.get(10, TimeUnit.SECONDS));
    }

    private static List<String> texts(List<TranscriptEvent> events) {
        return events.stream().map(TranscriptEvent::text).toList();
    }
}
