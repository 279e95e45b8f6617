package dev.concierge.bench;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Handoff latency between two servers: a new visitor on one asks for a human ({@code handoff}),
 * an agent signed in on the other receives {@code assigned}. One handoff at a time, so each figure
 * is the path's latency, not a queue's: from the visitor's write of {@code handoff} to the agent's
 * read of {@code assigned} (both ends live in this process, so one clock serves).
 */
final class CrossHandoff {
    private volatile CompletableFuture<Long> assigned = new CompletableFuture<>();

    private CrossHandoff() {}

    /**
     * Hands off {@code count} new visitors of {@code visitorPort}, one after the other, to the agent
     * {@code agent} signed in on {@code agentPort} (whose cap must leave room for them).
     *
     * @return the latencies, and as rate the handoffs per second of the sequence
     */
    static Latency.Stats measure(WsClient client, int visitorPort, int agentPort, Servers.Credentials agent, int count)
            throws InterruptedException {
        return new CrossHandoff().run(client, visitorPort, agentPort, agent, count);
    }

    private Latency.Stats run(WsClient client, int visitorPort, int agentPort, Servers.Credentials agent, int count)
            throws InterruptedException {
        Latency latency = new Latency();
        String token = AgentLogin.tokens(agentPort, java.util.List.of(agent)).get(0);
        try {
            CompletableFuture<Boolean> welcomed = new CompletableFuture<>();
            client.connect(URI.create("ws://127.0.0.1:" + agentPort + "/ws/agent"), new AgentSocket(token) {
                        @Override
                        public void text(WsConnection connection, String text) {
                            Frame f = Frame.parse(text);
                            if (f.is("welcome")) {
                                welcomed.complete(true);
                            } else if (f.is("assigned")) {
                                assigned.complete(System.nanoTime());
                            }
                        }
                    })
                    .get(30, TimeUnit.SECONDS);
            welcomed.get(30, TimeUnit.SECONDS);
            URI visitorUri = URI.create("ws://127.0.0.1:" + visitorPort + "/ws/visitor");
            latency.startWindow();
            for (int i = 0; i < count; i++) {
                assigned = new CompletableFuture<>();
                java.util.concurrent.atomic.AtomicLong sentAt = new java.util.concurrent.atomic.AtomicLong();
                WsConnection visitor = client.connect(visitorUri, new WsClient.Listener() {
                            @Override
                            public void opened(WsConnection connection) {
                                connection.send(Hellos.visitor("Handoff"));
                            }

                            @Override
                            public void text(WsConnection connection, String text) {
                                if (Frame.parse(text).is("welcome")) {
                                    sentAt.set(System.nanoTime());
                                    connection.send("{\"type\":\"handoff\",\"id\":\"handoff\"}");
                                }
                            }
                        })
                        .get(30, TimeUnit.SECONDS);
                long at = assigned.get(30, TimeUnit.SECONDS);
                latency.record(at - sentAt.get());
                visitor.close();
            }
            return latency.endWindow();
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            throw new BenchException("handoff across nodes: no assigned frame within 30 s (" + e + ")", e);
        } finally {
            client.closeAll();
        }
    }
}
