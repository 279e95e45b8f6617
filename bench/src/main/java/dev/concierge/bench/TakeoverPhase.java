package dev.concierge.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takeover: a few conversations under light traffic (each visitor sends a message every
 * {@link #PACE}), visitors on one node, their agent on another, then a kill -9 of the deciding
 * node. The clients behave like the SDK: a closed socket (1012 from a surviving node) reconnects
 * to the same node, says hello with its {@code visitorToken} and {@code resume}, and resends every
 * unacknowledged message with its id; messages written meanwhile wait for the socket. Measured from
 * the kill: until the lease row names a new holder (or a new token), and until each visitor's
 * first message written after the kill is acknowledged. Then every acknowledged message is looked
 * up in the store.
 */
final class TakeoverPhase {
    private static final Logger log = LoggerFactory.getLogger(TakeoverPhase.class);
    /** A visitor's pace: light traffic, 10 messages a second each. */
    static final Duration PACE = Duration.ofMillis(100);

    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Takeover figures.
     *
     * @param killed the node killed (it held the lease)
     * @param newDecider the node holding the lease afterwards
     * @param visitors conversations under traffic
     * @param leaseMovedMs from the kill until the lease row named another holder or token, in ms
     * @param firstAckMaxMs from the kill until the first message written after it was acknowledged,
     *     the slowest visitor, in ms (-1: a visitor never got one)
     * @param firstAckMedianMs the same, the median visitor
     * @param reconnects sockets reopened by the clients
     * @param acked messages acknowledged to the visitors in the whole phase
     * @param stored of those, the ones in the store afterwards
     * @param lost acked minus stored: must be 0
     * @param unacked messages still unacknowledged when the phase ended
     */
    record Result(
            String killed,
            String newDecider,
            int visitors,
            double leaseMovedMs,
            double firstAckMaxMs,
            double firstAckMedianMs,
            int reconnects,
            long acked,
            long stored,
            long lost,
            long unacked) {}

    final WsClient client;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-takeover");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger reconnects = new AtomicInteger();
    final AtomicInteger errorsLogged = new AtomicInteger();
    volatile boolean sending = true;
    private volatile boolean reconnecting = true;
    volatile long killedAt = Long.MAX_VALUE;

    private TakeoverPhase(WsClient client) {
        this.client = client;
    }

    /**
     * Runs takeover on {@code cluster}: visitors on node {@code visitorNode}, the agent on
     * {@code agentNode}, both other than the deciding one, which is killed. Leaves the cluster with
     * one node fewer.
     */
    static Result run(
            WsClient client,
            Servers.Cluster cluster,
            int decider,
            int visitorNode,
            int agentNode,
            int visitors,
            Duration steady)
            throws InterruptedException {
        TakeoverPhase phase = new TakeoverPhase(client);
        try {
            return phase.measure(cluster, decider, visitorNode, agentNode, visitors, steady);
        } finally {
            phase.sending = false;
            phase.reconnecting = false;
            phase.timer.shutdownNow();
            client.closeAll();
        }
    }

    private Result measure(
            Servers.Cluster cluster, int decider, int visitorNode, int agentNode, int count, Duration steady)
            throws InterruptedException {
        JvmProcess agentServer = cluster.nodes.get(agentNode);
        String token = AgentLogin.tokens(agentServer.port(), List.of(cluster.agents.get(0)))
                .get(0);
        CountDownLatch assigned = new CountDownLatch(count);
        Agent agent = new Agent(URI.create("ws://127.0.0.1:" + agentServer.port() + "/ws/agent"), token, assigned);
        agent.connect();
        URI visitorUri =
                URI.create("ws://127.0.0.1:" + cluster.nodes.get(visitorNode).port() + "/ws/visitor");
        List<TakeoverVisitor> all = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            TakeoverVisitor v = new TakeoverVisitor(this, visitorUri, i);
            all.add(v);
            v.connect();
        }
        if (!assigned.await(30, TimeUnit.SECONDS)) {
            throw new BenchException("takeover: only " + (count - assigned.getCount()) + " of " + count
                    + " conversations were assigned within 30 s");
        }
        for (TakeoverVisitor v : all) {
            timer.scheduleAtFixedRate(v::write, 0, PACE.toMillis(), TimeUnit.MILLISECONDS);
        }
        Thread.sleep(steady.toMillis());

        Postgres.Lease before = cluster.schema.lease().orElseThrow(() -> new BenchException("no lease row"));
        String killed = Servers.Cluster.id(decider);
        log.info(
                "takeover: kill -9 of {} (lease token {}), {} visitors on {}",
                killed,
                before.token(),
                count,
                Servers.Cluster.id(visitorNode));
        killedAt = System.nanoTime();
        cluster.nodes.get(decider).kill();
        long deadline = killedAt + RECOVERY_TIMEOUT.toNanos();
        double leaseMs = -1;
        String holder = killed;
        while (System.nanoTime() < deadline) {
            Optional<Postgres.Lease> now = cluster.schema.lease();
            if (now.isPresent()
                    && (!now.get().holder().equals(before.holder()) || now.get().token() > before.token())) {
                leaseMs = (System.nanoTime() - killedAt) / 1e6;
                holder = now.get().holder();
                break;
            }
            Thread.sleep(10); // polling the row; the figure's resolution is this plus one query
        }
        while (System.nanoTime() < deadline && all.stream().anyMatch(v -> v.firstAckAfterKill < 0)) {
            Thread.sleep(20);
        }
        sending = false;
        long drain = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < drain && all.stream().anyMatch(v -> !v.pendingEmpty())) {
            Thread.sleep(20);
        }
        reconnecting = false;
        double[] firsts =
                all.stream().mapToDouble(v -> v.firstAckAfterKill).sorted().toArray();
        boolean everyone = firsts.length > 0 && firsts[0] >= 0;
        double max = everyone ? firsts[firsts.length - 1] / 1e6 : -1;
        double median = everyone ? Bench.median(firsts) / 1e6 : -1;
        Map<String, Set<String>> stored = cluster.schema.storedMessageIds();
        long acked = 0;
        long found = 0;
        long unacked = 0;
        for (TakeoverVisitor v : all) {
            List<String> ids = v.ackedIds();
            acked += ids.size();
            Set<String> there = stored.getOrDefault(v.conversationId, Set.of());
            found += ids.stream().filter(there::contains).count();
            unacked += v.pendingCount();
        }
        Result r = new Result(
                killed,
                holder,
                count,
                round(leaseMs),
                round(max),
                round(median),
                reconnects.get(),
                acked,
                found,
                acked - found,
                unacked);
        log.info("takeover: {}", r);
        return r;
    }

    private static double round(double ms) {
        return ms < 0 ? -1 : Math.round(ms * 10) / 10.0;
    }

    /** Opens a closed socket again in 100 ms, counted, unless the phase is over. */
    void reconnectLater(Runnable connect) {
        if (reconnecting) {
            reconnects.incrementAndGet();
            timer.schedule(connect, 100, TimeUnit.MILLISECONDS);
        }
    }

    /** An agent socket that only stays connected (reconnecting like the console) and counts assignments. */
    private final class Agent extends AgentSocket {
        private final URI uri;
        private final CountDownLatch assigned;

        Agent(URI uri, String token, CountDownLatch assigned) {
            super(token);
            this.uri = uri;
            this.assigned = assigned;
        }

        void connect() {
            client.connect(uri, this).whenComplete((c, e) -> {
                if (e != null) {
                    again();
                }
            });
        }

        private void again() {
            reconnectLater(this::connect);
        }

        @Override
        public void text(WsConnection connection, String text) {
            if (Frame.parse(text).is("assigned")) {
                assigned.countDown();
            }
        }

        @Override
        public void closed(WsConnection connection) {
            again();
        }
    }
}
