package dev.concierge.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster phase ({@code --nodes N}): a NATS server and N nodes on one PostgreSQL schema. It
 * finds the deciding node from the lease row, puts the visitors on another node and the agents on
 * a third (on two nodes: the other one), and measures handoff latency across nodes, relay across
 * nodes (visitor → its node → NATS → the decider → NATS → the agent's node → agent, and back), and
 * the takeover after a kill -9 of the decider. Set against relay on a single PostgreSQL server of
 * the same run, it checks the {@link #targets targets}.
 */
final class ClusterPhase {
    private static final Logger log = LoggerFactory.getLogger(ClusterPhase.class);

    /** Cross-node relay's throughput at least this share of a single PostgreSQL server's. */
    static final double THROUGHPUT_TARGET = 0.5;
    /** Cross-node relay's p99 at most this multiple of a single PostgreSQL server's. */
    static final double P99_TARGET = 3.0;
    /** A visitor's first message after the decider's kill acknowledged within this. */
    static final Duration TAKEOVER_TARGET = Duration.ofSeconds(5);

    /**
     * Cluster figures.
     *
     * @param nodes nodes started
     * @param decider the node that held the lease while relay and handoff were measured
     * @param visitorNode the node the visitors were connected to
     * @param agentNode the node the agents were connected to
     * @param handoff handoff latency across nodes, one handoff at a time
     * @param relay relay across nodes (its {@code processes} hold each node's and nats-server's CPU)
     * @param takeover the takeover after kill -9 of the decider
     * @param targets each target with its figure and whether it was met
     */
    record Result(
            int nodes,
            String decider,
            String visitorNode,
            String agentNode,
            Latency.Stats handoff,
            RelayPhase.Result relay,
            TakeoverPhase.Result takeover,
            List<Target> targets) {}

    /**
     * One target.
     *
     * @param name what is measured
     * @param goal the target, in words
     * @param measured the figure, in words
     * @param pass whether it was met
     */
    record Target(String name, String goal, String measured, boolean pass) {}

    private ClusterPhase() {}

    /**
     * Runs the phase at the first relay size, against {@code single} (relay on one PostgreSQL
     * server at the same size; empty when the run had no relay phase: then the relay targets fail).
     */
    static Result run(
            WsClient client,
            Servers servers,
            BenchOptions options,
            Optional<RelayPhase.Result> single,
            Warmup warmup,
            WindowProfiler profiler,
            Duration measure)
            throws InterruptedException {
        int n = options.relaySizes().get(0);
        int m = Math.max(1, Math.min(options.agents(), n));
        int handoffs = options.smoke() ? 5 : 20;
        int takeoverVisitors = options.smoke() ? 3 : 10;
        // Room for the handoffs and the takeover's conversations, which stay assigned, beside relay's share.
        int maxChats = (n + m - 1) / m + handoffs + takeoverVisitors;
        log.info("cluster: NATS and {} nodes", options.nodes());
        try (Servers.Cluster cluster = servers.cluster(options.nodes(), m, maxChats)) {
            int decider = cluster.decider();
            int visitors = (decider + 1) % cluster.nodes.size();
            int agents = cluster.nodes.size() > 2 ? (decider + 2) % cluster.nodes.size() : visitors;
            String d = Servers.Cluster.id(decider);
            log.info(
                    "cluster: {} decides; visitors on {}, agents on {}",
                    d,
                    Servers.Cluster.id(visitors),
                    Servers.Cluster.id(agents));

            log.info("cluster: {} handoffs across nodes, one at a time", handoffs);
            Latency.Stats handoff = CrossHandoff.measure(
                    client,
                    cluster.nodes.get(visitors).port(),
                    cluster.nodes.get(agents).port(),
                    cluster.agents.get(0),
                    handoffs);

            log.info("cluster: relay across nodes, {} conversations", n);
            Map<String, Long> metered = new LinkedHashMap<>();
            for (int i = 0; i < cluster.nodes.size(); i++) {
                metered.put(
                        Servers.Cluster.id(i) + (i == decider ? " (decides)" : ""),
                        cluster.nodes.get(i).pid());
            }
            metered.put("nats-server", cluster.nats.pid());
            RelayPhase.Result relay = RelayPhase.on(
                    client,
                    new RelayPhase.Target(
                            cluster.nodes.get(decider),
                            cluster.nodes.get(visitors),
                            cluster.nodes.get(agents),
                            cluster.agents,
                            false,
                            metered,
                            Optional.of(cluster.schema),
                            !options.keepOpen(), // by default the takeover recovers only its own conversations
                            Optional.of(cluster.nats)),
                    n,
                    warmup,
                    profiler,
                    measure);
            int now = cluster.decider();
            if (now != decider) {
                log.warn("cluster: the lease moved from {} to {} during relay", d, Servers.Cluster.id(now));
            }

            log.info("cluster: takeover, {} visitors, kill -9 of {}", takeoverVisitors, d);
            TakeoverPhase.Result takeover = TakeoverPhase.run(
                    client,
                    cluster,
                    now,
                    visitors == now ? agents : visitors,
                    agents == now ? visitors : agents,
                    takeoverVisitors,
                    options.smoke() ? Duration.ofSeconds(1) : Duration.ofSeconds(3));
            return new Result(
                    cluster.nodes.size(),
                    d,
                    Servers.Cluster.id(visitors),
                    Servers.Cluster.id(agents),
                    handoff,
                    relay,
                    takeover,
                    targets(single, relay, takeover));
        }
    }

    /** The targets, each with its arithmetic. */
    static List<Target> targets(
            Optional<RelayPhase.Result> single, RelayPhase.Result cross, TakeoverPhase.Result takeover) {
        List<Target> out = new ArrayList<>();
        if (single.isPresent()) {
            Latency.Stats s = single.get().all();
            Latency.Stats c = cross.all();
            double rate = s.perSecond() == 0 ? 0 : c.perSecond() / s.perSecond();
            out.add(new Target(
                    "relay throughput across nodes",
                    ">= " + THROUGHPUT_TARGET + "x one PostgreSQL server",
                    String.format(Locale.ROOT, "%,.0f / %,.0f msg/s = %.2fx", c.perSecond(), s.perSecond(), rate),
                    rate >= THROUGHPUT_TARGET));
            double p99 = s.p99Us() == 0 ? Double.POSITIVE_INFINITY : c.p99Us() / s.p99Us();
            out.add(new Target(
                    "relay p99 across nodes",
                    "<= " + P99_TARGET + "x one PostgreSQL server",
                    String.format(Locale.ROOT, "%.2f / %.2f ms = %.2fx", c.p99Us() / 1000, s.p99Us() / 1000, p99),
                    p99 <= P99_TARGET));
        } else {
            out.add(new Target("relay across nodes", "against one PostgreSQL server", "no relay phase ran", false));
        }
        double t = takeover.firstAckMaxMs();
        out.add(new Target(
                "takeover after kill -9 of the decider",
                "<= " + TAKEOVER_TARGET.toSeconds() + " s until a message written after the kill is acknowledged",
                t < 0
                        ? "never (within 30 s)"
                        : String.format(
                                Locale.ROOT,
                                "%.2f s (slowest of %d visitors; median %.2f s; lease moved after %.2f s)",
                                t / 1000,
                                takeover.visitors(),
                                takeover.firstAckMedianMs() / 1000,
                                takeover.leaseMovedMs() / 1000),
                t >= 0 && t <= TAKEOVER_TARGET.toMillis()));
        long acked = cross.acks().acked()
                + takeover.acked()
                + single.map(r -> Math.max(0, r.acks().acked())).orElse(0L);
        long lost = cross.acks().lost()
                + takeover.lost()
                + single.map(r -> Math.max(0, r.acks().lost())).orElse(0L);
        boolean checked = single.map(r -> r.acks().lost() >= 0).orElse(true);
        out.add(new Target(
                "acknowledged messages lost",
                "0 (relay on one server, relay across nodes, takeover)",
                String.format(Locale.ROOT, "%d of %,d%s", lost, acked, checked ? "" : " (single server not checked)"),
                lost == 0 && cross.acks().lost() == 0 && checked));
        return out;
    }
}
