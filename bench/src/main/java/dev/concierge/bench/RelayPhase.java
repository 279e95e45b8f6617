package dev.concierge.bench;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relay: N conversations, each handed off to an agent, then played ping-pong: the visitor
 * sends a {@code message}, the agent's socket receives its {@code event} and replies at once,
 * the visitor receives the reply's {@code event} and sends the next. One message in flight per
 * conversation, so throughput is conversations divided by the round trip. Each message's
 * latency is from the sender's write to the other side's read of the event (both sides live in
 * this process, so one clock serves).
 */
final class RelayPhase {
    private static final Logger log = LoggerFactory.getLogger(RelayPhase.class);
    /** Handoffs under way at once while setting up, so the queue stays short. */
    private static final int HANDOFF_WINDOW = 32;

    static final String TEXT = "Hello, I have a question about my last order";

    /**
     * Relay figures.
     *
     * @param requested conversations asked for
     * @param conversations conversations assigned and measured
     * @param agentSockets agent sockets that carried them
     * @param tookFromQueue whether agents had to {@code accept} conversations beyond their cap
     * @param setupSeconds connecting, handing off and assigning every conversation
     * @param visitorToAgent visitor {@code message} to the agent's {@code event}
     * @param agentToVisitor agent {@code message} to the visitor's {@code event}
     * @param all both directions
     * @param rateLimited messages the server refused with {@code rate_limited} (each resent after a back-off)
     * @param errors other error frames received
     * @param cpu cores used by the server and by the load clients during the window
     * @param merges the store's merges of new events during the window (the writer commits nothing else meanwhile)
     * @param processes on a cluster, the cores each process used in the window by name (every node, and
     *     {@code nats-server}); empty on a single server, whose figures are {@code cpu}
     * @param acks the messages acknowledged to their senders against those in the store
     * @param visitorNode the node the visitors' {@code welcome} named, or null (a single server names none)
     * @param agentNode the node the agents' {@code welcome} named, or null
     * @param nats on a cluster, what the NATS server carried during the window (else unknown)
     */
    record Result(
            int requested,
            int conversations,
            int agentSockets,
            boolean tookFromQueue,
            double setupSeconds,
            Latency.Stats visitorToAgent,
            Latency.Stats agentToVisitor,
            Latency.Stats all,
            long rateLimited,
            long errors,
            CpuMeter.Usage cpu,
            MergeMeter.Merges merges,
            Map<String, CpuMeter.Usage> processes,
            Acks acks,
            String visitorNode,
            String agentNode,
            NatsServer.Traffic nats) {}

    /**
     * Acknowledged messages against the store: every message whose sender got its acknowledgement
     * (its own {@code event} in protocol 2, an {@code ack} in 1) must be in the store.
     *
     * @param acked messages acknowledged to their senders, during the whole phase (warm-up included)
     * @param stored of those, the ones found in the store afterwards
     * @param lost acked minus stored: must be 0; -1 when the store was not read (SQLite)
     */
    record Acks(long acked, long stored, long lost) {
        static final Acks UNKNOWN = new Acks(-1, -1, -1);
    }

    /**
     * Where relay runs: visitors on one server, agents on another (the same one on a single
     * server), with the processes whose CPU is measured.
     *
     * @param main the server warmed up, profiled and read for merges (a cluster's deciding node), whose
     *     CPU is the result's {@code cpu}
     * @param visitorNode where the visitors connect
     * @param agentNode where the agents sign in and connect
     * @param agents the accounts to sign in with
     * @param takeFromQueue whether agents must accept conversations beyond their cap
     * @param metered on a cluster, every process to measure by name (pid); empty on a single server
     * @param schema the PostgreSQL schema the server(s) store in, to check acknowledged messages against
     * @param closeAfter whether the agents close every conversation after the window (servers that stay up)
     * @param nats a cluster's NATS server, whose message counters are read at both ends of the window
     */
    record Target(
            JvmProcess main,
            JvmProcess visitorNode,
            JvmProcess agentNode,
            List<Servers.Credentials> agents,
            boolean takeFromQueue,
            Map<String, Long> metered,
            Optional<Postgres.Schema> schema,
            boolean closeAfter,
            Optional<NatsServer> nats) {}

    private final RelaySockets sockets = new RelaySockets();

    private RelayPhase() {}

    /** Runs relay at {@code n} conversations against a fresh server. */
    static Result run(
            WsClient client,
            Servers servers,
            int n,
            int agents,
            Warmup warmup,
            WindowProfiler profiler,
            Duration measure)
            throws InterruptedException {
        return new RelayPhase().measure(client, servers, n, agents, warmup, profiler, measure);
    }

    private Result measure(
            WsClient client,
            Servers servers,
            int n,
            int agents,
            Warmup warmup,
            WindowProfiler profiler,
            Duration measure)
            throws InterruptedException {
        int m = Math.max(1, Math.min(agents, n));
        Servers.Product product = servers.productWithAgents("relay-" + n, m, (n + m - 1) / m);
        try (JvmProcess server = product.process()) {
            return measure(
                    client,
                    new Target(
                            server,
                            server,
                            server,
                            product.agents(),
                            product.takeFromQueue(),
                            Map.of(),
                            product.schema(),
                            false,
                            Optional.empty()),
                    n,
                    warmup,
                    profiler,
                    measure);
        } finally {
            product.schema().ifPresent(Postgres.Schema::close); // after the server stopped
        }
    }

    /**
     * Runs relay at {@code n} conversations on running servers: visitors on
     * {@link Target#visitorNode}, agents on {@link Target#agentNode}. Closes the load clients'
     * connections, not the servers.
     */
    static Result on(WsClient client, Target target, int n, Warmup warmup, WindowProfiler profiler, Duration measure)
            throws InterruptedException {
        return new RelayPhase().measure(client, target, n, warmup, profiler, measure);
    }

    private Result measure(
            WsClient client, Target target, int n, Warmup warmup, WindowProfiler profiler, Duration measure)
            throws InterruptedException {
        sockets.takeFromQueue = target.takeFromQueue();
        long setupStart = System.nanoTime();
        Duration setupTimeout = Duration.ofMillis(Math.max(30_000, n * 10L));
        try {
            List<String> tokens = AgentLogin.tokens(target.agentNode().port(), target.agents());
            URI agentUri = URI.create("ws://127.0.0.1:" + target.agentNode().port() + "/ws/agent");
            for (String token : tokens) {
                client.connect(agentUri, sockets.agent(token)).get(30, TimeUnit.SECONDS);
            }
            List<RelayConversation> live =
                    assignAll(client, target.visitorNode().port(), n, setupStart + setupTimeout.toNanos());
            double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
            log.info(
                    "relay: {} conversations on {} agent socket(s) ready in {} s",
                    live.size(),
                    tokens.size(),
                    String.format("%.1f", setupSeconds));
            Window w = pingPong(target, live, warmup, profiler, measure);
            Acks acks = target.schema()
                    .map(schema -> RelayConversation.acks(schema, live))
                    .orElse(Acks.UNKNOWN);
            if (acks.lost() > 0) {
                log.error("relay: {} of {} acknowledged messages are not in the store", acks.lost(), acks.acked());
            }
            if (target.closeAfter()) {
                closeConversations(live);
            }
            return new Result(
                    n,
                    live.size(),
                    tokens.size(),
                    sockets.takeFromQueue,
                    setupSeconds,
                    w.visitorToAgent(),
                    w.agentToVisitor(),
                    w.all(),
                    sockets.rateLimited.get(),
                    sockets.errors.get(),
                    w.cpu(),
                    w.merges(),
                    w.processes(),
                    acks,
                    sockets.visitorNode,
                    sockets.agentNode,
                    w.nats());
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new BenchException("relay: an agent socket did not open: " + e.getMessage(), e);
        } finally {
            sockets.running = false;
            client.closeAll();
        }
    }

    /** The agents close every conversation (a cluster stays up for the next phase with none open). */
    private void closeConversations(List<RelayConversation> live) throws InterruptedException {
        sockets.closing = new CountDownLatch(live.size());
        for (RelayConversation c : live) {
            c.agent.send("{\"type\":\"close\",\"id\":\"close-" + c.index + "\",\"conversationId\":\"" + c.id
                    + "\",\"reason\":\"resolved\"}");
        }
        if (!sockets.closing.await(60, TimeUnit.SECONDS)) {
            log.warn("relay: {} of {} conversations not closed within 60 s", sockets.closing.getCount(), live.size());
        } else {
            log.info("relay: closed all {} conversations", live.size());
        }
    }

    /** Connects the visitors and hands each conversation off until all are assigned or the deadline passes. */
    private List<RelayConversation> assignAll(WsClient client, int port, int n, long deadline)
            throws InterruptedException {
        URI visitorUri = URI.create("ws://127.0.0.1:" + port + "/ws/visitor");
        List<WsConnection> visitors = client.connectAll(
                visitorUri, n, 256, sockets::visitor, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        sockets.ready = new CountDownLatch(visitors.size());
        sockets.waiting.addAll(visitors);
        for (int i = 0; i < HANDOFF_WINDOW; i++) {
            sockets.handOffNext();
        }
        if (!sockets.ready.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            log.warn(
                    "relay: only {} of {} conversations assigned in time",
                    visitors.size() - sockets.ready.getCount(),
                    n);
        }
        return sockets.conversations.values().stream()
                .filter(c -> c.sides.get() == 2)
                .toList();
    }

    /** What one measurement window recorded. */
    private record Window(
            Latency.Stats visitorToAgent,
            Latency.Stats agentToVisitor,
            Latency.Stats all,
            CpuMeter.Usage cpu,
            MergeMeter.Merges merges,
            Map<String, CpuMeter.Usage> processes,
            NatsServer.Traffic nats) {}

    /** Starts one message on every conversation, warms up, then measures one window. */
    // The profiling window is a scope: try-with-resources closes it when the measurement ends, and
    // nothing in the body refers to it. javac ignores the suppression on the resource variable itself.
    @SuppressWarnings("try")
    private Window pingPong(
            Target target, List<RelayConversation> live, Warmup warmup, WindowProfiler profiler, Duration measure)
            throws InterruptedException {
        JvmProcess server = target.main();
        sockets.running = true;
        for (RelayConversation c : live) {
            c.sentAt = System.nanoTime();
            c.send(c.visitor, 'v');
        }
        warmup.await(server.pid());
        for (long pid : target.metered().values()) {
            if (pid != server.pid()) { // the other nodes' compilers too, without another minimum
                new Warmup(Duration.ZERO, warmup.cap()).await(pid);
            }
        }
        Window w;
        String name = target.metered().isEmpty() ? "relay-" + live.size() : "relay-cluster-" + live.size();
        try (WindowProfiler.Window profile = profiler.open(server.pid(), name)) {
            sockets.visitorToAgent.startWindow();
            sockets.agentToVisitor.startWindow();
            sockets.all.startWindow();
            sockets.errors.set(0);
            sockets.rateLimited.set(0);
            CpuMeter cpu = new CpuMeter(server.pid());
            Map<String, CpuMeter> meters = new java.util.LinkedHashMap<>();
            target.metered().forEach((process, pid) -> meters.put(process, new CpuMeter(pid)));
            MergeMeter merges = new MergeMeter(server.port());
            merges.start();
            cpu.start();
            meters.values().forEach(CpuMeter::start);
            NatsServer.Traffic natsBefore =
                    target.nats().map(NatsServer::traffic).orElse(NatsServer.Traffic.UNKNOWN);
            Thread.sleep(measure.toMillis());
            NatsServer.Traffic nats = target.nats()
                    .map(NatsServer::traffic)
                    .orElse(NatsServer.Traffic.UNKNOWN)
                    .since(natsBefore);
            Map<String, CpuMeter.Usage> processes = new java.util.LinkedHashMap<>();
            meters.forEach((process, meter) -> processes.put(process, meter.stop()));
            w = new Window(
                    sockets.visitorToAgent.endWindow(),
                    sockets.agentToVisitor.endWindow(),
                    sockets.all.endWindow(),
                    cpu.stop(),
                    merges.stop(),
                    processes,
                    nats);
        }
        sockets.running = false;
        return w;
    }
}
