package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.AgentClient;
import dev.concierge.client.Stored;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.server.testing.ServerProcess;
import dev.concierge.store.JdbcConversationStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The "nothing lost" promise under SIGKILL: 10 visitors send 100 messages each; the server
 * process is killed mid-burst and restarted on the same data directory; the clients resume.
 * Every message is then stored exactly once, in the order sent, with gap-free seqs, and every
 * acknowledgement names the seq the message really has.
 */
final class CrashRecoveryTest {
    private static final int VISITORS = 10;
    private static final int MESSAGES = 100;

    @Test
    void sigkillMidBurst_losesNothingAcknowledged_andDuplicatesNothing() throws Exception {
        Path data = Files.createTempDirectory("concierge-crash");
        ServerProcess server = ServerProcess.start(data, 0);
        int port = server.port;
        try {
            AgentClient agent = AgentClient.builder()
                    .serverUri(server.baseUri())
                    .credentials(ChatServer.Builder.DEMO_USERNAME, ChatServer.Builder.DEMO_PASSWORD)
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
                    .random(new SplittableRandom(1))
                    .connectTimeout(Duration.ofSeconds(10)) // a cold server on a busy machine may take seconds
                    .connect()
                    .get(30, TimeUnit.SECONDS);
            List<VisitorClient> visitors = new ArrayList<>();
            for (int v = 0; v < VISITORS; v++) {
                visitors.add(VisitorClient.builder()
                        .serverUri(server.baseUri())
                        .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
                        .random(new SplittableRandom(v))
                        .connect()
                        .get(10, TimeUnit.SECONDS));
            }
            // Visitor 0 is with the agent; the others wait in the queue (the demo agent's cap is 5).
            for (VisitorClient visitor : visitors) {
                visitor.requestHuman().get(10, TimeUnit.SECONDS);
            }
            String withAgent = visitors.get(0).conversationId().orElseThrow();
            Await.until(
                    "agent owns visitor 0", () -> agent.assignedConversations().containsKey(withAgent));

            AtomicInteger acked = new AtomicInteger();
            List<List<CompletableFuture<Stored>>> sent = new ArrayList<>();
            for (int v = 0; v < VISITORS; v++) {
                sent.add(new ArrayList<>());
            }
            Thread burst = new Thread(() -> {
                for (int m = 0; m < MESSAGES; m++) {
                    for (int v = 0; v < VISITORS; v++) {
                        CompletableFuture<Stored> f = visitors.get(v).send("v" + v + "-m" + m);
                        f.thenRun(acked::incrementAndGet);
                        synchronized (sent) {
                            sent.get(v).add(f);
                        }
                    }
                }
            });
            burst.start();
            Await.value(
                    "some acks before the kill",
                    Duration.ofSeconds(60),
                    () -> acked.get() >= 150 ? java.util.Optional.of(true) : java.util.Optional.empty());
            server.kill();
            int ackedBeforeKill = acked.get();
            server = ServerProcess.start(data, port);
            burst.join(60_000);

            for (int v = 0; v < VISITORS; v++) {
                List<CompletableFuture<Stored>> futures;
                synchronized (sent) {
                    futures = List.copyOf(sent.get(v));
                }
                assertThat(futures).hasSize(MESSAGES);
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                        .get(60, TimeUnit.SECONDS);
                VisitorClient visitor = visitors.get(v);
                String conversation = visitor.conversationId().orElseThrow();
                List<TranscriptEvent> stored = visitor.history(conversation, 0)
                        .get(10, TimeUnit.SECONDS)
                        .events();

                assertThat(stored)
                        .extracting(TranscriptEvent::seq)
                        .as("visitor %d: seqs gap-free", v)
                        .containsExactlyElementsOf(
                                LongStream.rangeClosed(1, stored.size()).boxed().toList());
                List<String> texts = stored.stream()
                        .filter(e -> e.kind() == Kind.MESSAGE && e.author().role() == Role.VISITOR)
                        .map(TranscriptEvent::text)
                        .toList();
                List<String> expected = new ArrayList<>();
                for (int m = 0; m < MESSAGES; m++) {
                    expected.add("v" + v + "-m" + m);
                }
                assertThat(texts)
                        .as("visitor %d: every message exactly once, in order", v)
                        .containsExactlyElementsOf(expected);
                Set<Long> ackSeqs = new HashSet<>();
                for (int m = 0; m < MESSAGES; m++) {
                    Stored ack = futures.get(m).get();
                    TranscriptEvent at = stored.get((int) ack.seq() - 1);
                    assertThat(at.text())
                            .as("ack of v%d-m%d names its seq", v, m)
                            .isEqualTo("v" + v + "-m" + m);
                    ackSeqs.add(ack.seq());
                }
                assertThat(ackSeqs).hasSize(MESSAGES);
                // What the client shows has each event once.
                List<TranscriptEvent> shown = visitor.transcript();
                assertThat(shown.stream().map(TranscriptEvent::seq).distinct().count())
                        .isEqualTo(shown.size());
            }
            assertThat(ackedBeforeKill).isLessThan(VISITORS * MESSAGES);

            // The agent's client notices the dead server by itself (its heartbeat), signs in again
            // (sessions do not survive a restart) and gets the assigned conversation back, with
            // all 100 messages.
            Await.value(
                    "agent has visitor 0's messages after the restart",
                    Duration.ofSeconds(60),
                    () -> agent.transcript(withAgent).stream()
                                            .filter(e -> e.kind() == Kind.MESSAGE)
                                            .count()
                                    == MESSAGES
                            ? java.util.Optional.of(true)
                            : java.util.Optional.empty());
            assertThat(agent.assignedConversations()).containsKey(withAgent);
            visitors.forEach(VisitorClient::close);
            agent.close();
        } finally {
            server.close();
        }
    }

    @Test
    void sigterm_finishesWrites_andSaysGoingAway() throws Exception {
        Path data = Files.createTempDirectory("concierge-term");
        ServerProcess server = ServerProcess.start(data, 0);
        try (RawSocket socket = RawSocket.connect(new PortOnly(server.port), "/ws/visitor")) {
            socket.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            socket.awaitType("welcome");
            socket.send("{\"type\":\"handoff\",\"id\":\"x\"}");
            socket.awaitType("ack");
            for (int i = 0; i < 50; i++) {
                socket.send("{\"type\":\"message\",\"id\":\"m" + i + "\",\"text\":\"message " + i + "\"}");
            }
            socket.await(f -> f.path("ref").asText().equals("m49"));
            assertThat(server.terminate()).isIn(0, 143);
            assertThat(socket.closedWith.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
        }
        // Everything acknowledged is there after the restart.
        try (ServerProcess again = ServerProcess.start(data, 0)) {
            assertThat(again.port).isPositive();
        }
        try (JdbcConversationStore store = JdbcConversationStore.sqlite(data)) {
            var open = store.openConversations();
            assertThat(open).hasSize(1);
            assertThat(store.events(open.get(0).id(), 0))
                    .filteredOn(e -> e.kind() == Kind.MESSAGE)
                    .hasSize(50);
        }
    }

    /** Lets {@link RawSocket} reach a server in another process. */
    private record PortOnly(int port) implements ChatServer {
        @Override
        public java.net.URI baseUri() {
            return java.net.URI.create("http://127.0.0.1:" + port + "/");
        }

        @Override
        public void close() {}
    }
}
