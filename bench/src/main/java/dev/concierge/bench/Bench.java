package dev.concierge.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./concierge bench}: starts the server in its own JVM, drives it over loopback with
 * Netty WebSocket load clients, and prints relay, bot, handoff and capacity figures next to a
 * raw Netty echo baseline started with the same JVM flags (with {@code --nodes N}: relay on one
 * PostgreSQL server and across the nodes of a cluster, handoff across nodes and the takeover after
 * a kill -9 of the deciding node, with the targets); then the same figures as one line of JSON
 * (the last line of stdout). Progress goes to stderr. See {@code docs/performance.md}.
 */
public final class Bench {
    private static final Logger log = LoggerFactory.getLogger(Bench.class);

    private Bench() {}

    /** Entry point; {@code --help} lists the options. */
    public static void main(String[] args) {
        if (args.length == 0
                || List.of(args).contains("--help")
                || List.of(args).contains("-h")) {
            System.out.print(BenchOptions.usage());
            return;
        }
        try {
            run(BenchOptions.parse(args), System.out);
        } catch (BenchException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("bench failed: " + e);
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }

    /** Runs every phase, prints the table then the JSON line to {@code out}, and returns the figures. */
    static BenchResult run(BenchOptions options, PrintStream out) throws Exception {
        long start = System.nanoTime();
        Hellos.version(options.protocol());
        double loadBefore = Machine.loadAverage();
        Path work = Files.createTempDirectory("concierge-bench");
        double[] fsync = Machine.fsyncMicros(work);
        int threads = Runtime.getRuntime().availableProcessors();
        Servers servers = new Servers(options, work);
        Warmup warmup = new Warmup(options.warmup(), options.warmupCap());
        WindowProfiler profiler = options.profile()
                .map(e -> WindowProfiler.of(e, options.profileDir(), work))
                .orElse(WindowProfiler.off());
        Duration measure = options.duration();
        List<BaselinePhase.Result> baseline = new ArrayList<>();
        List<RelayPhase.Result> relay = new ArrayList<>();
        List<BotPhase.Result> bot = new ArrayList<>();
        List<HandoffPhase.Result> handoff = new ArrayList<>();
        CapacityPhase.Result capacity = null;
        ClusterPhase.Result cluster = null;
        boolean ok = false;
        try (WsClient client = WsClient.create(threads)) {
            for (int round = 1; round <= options.repeat(); round++) { // alternating: the host's speed drifts
                String of = options.repeat() > 1 ? " (round " + round + " of " + options.repeat() + ")" : "";
                if (options.runs("baseline")) {
                    try (JvmProcess echo = servers.echo()) {
                        for (int n : options.relaySizes()) {
                            log.info("baseline: {} echo connections{}", n, of);
                            baseline.add(BaselinePhase.run(client, echo, n, warmup, profiler, measure));
                        }
                    }
                }
                if (options.runs("relay")) {
                    for (int n : options.relaySizes()) {
                        log.info("relay: {} conversations{}", n, of);
                        relay.add(RelayPhase.run(client, servers, n, options.agents(), warmup, profiler, measure));
                    }
                }
            }
            Duration half = measure.dividedBy(2);
            if (options.runs("bot") || options.runs("handoff")) {
                try (JvmProcess server = servers.product("bot-and-handoff", true)) {
                    if (options.runs("bot")) {
                        log.info("bot: 1 and {} visitors", options.botVisitors());
                        bot = BotPhase.run(
                                client,
                                server,
                                List.of(1, options.botVisitors()),
                                options.botReworded(),
                                warmup.half(),
                                profiler,
                                half);
                    }
                    if (options.runs("handoff")) {
                        log.info("handoff: transcripts of {} events", options.handoffSizes());
                        handoff = HandoffPhase.run(client, server.port(), options.handoffSizes(), half);
                    }
                }
            }
            if (options.runs("capacity")) {
                log.info("capacity: {} idle visitors", options.idleVisitors());
                capacity = CapacityPhase.run(client, servers, options.idleVisitors());
            }
            if (options.runs("cluster")) {
                int size = options.relaySizes().get(0);
                Optional<RelayPhase.Result> single = relay.stream()
                        .filter(r -> r.requested() == size && r.acks().lost() >= 0)
                        .reduce((first, second) -> second);
                cluster = ClusterPhase.run(client, servers, options, single, warmup, profiler, measure);
            }
            ok = true;
        } finally {
            boolean missed = cluster != null
                    && !options.smoke() // a smoke run's figures are not meant to meet them
                    && cluster.targets().stream().anyMatch(t -> !t.pass());
            if (missed) {
                log.warn("a cluster target was missed; the servers' logs are kept in {}", work);
            } else if (ok) {
                deleteTree(work);
            } else {
                log.error("bench failed; server logs are in {}", work);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        BenchResult.Environment environment = Machine.environment(options, threads, loadBefore, fsync, seconds);
        List<String> notes = notes(servers, relay, bot, handoff);
        if (!profiler.written().isEmpty()) {
            notes.add(
                    "profiled with async-profiler (" + options.profile().orElseThrow() + ", measurement windows only, "
                            + "so these figures include its cost): "
                            + profiler.written().stream()
                                    .map(Path::toString)
                                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        double busiest = Math.max(environment.loadBefore(), environment.loadAfter());
        if (busiest > threads) {
            notes.add(
                    0,
                    String.format(
                            java.util.Locale.ROOT,
                            "the machine was busy (load average up to %.1f on %d cores): "
                                    + "other processes took CPU from the servers and the clients, so these figures are low and noisy; "
                                    + "compare runs made on a quiet machine",
                            busiest,
                            threads));
        }
        List<BenchResult.Comparison> comparison = compare(baseline, relay);
        BenchResult result = new BenchResult(
                environment, baseline, relay, comparison, medians(comparison), bot, handoff, capacity, cluster, notes);
        out.print(Report.table(result));
        String json = Report.json(result);
        if (options.json().isPresent()) {
            Files.writeString(options.json().get(), json + "\n");
        }
        out.println(json);
        out.flush();
        return result;
    }

    private static List<BenchResult.Comparison> compare(
            List<BaselinePhase.Result> baseline, List<RelayPhase.Result> relay) {
        List<BenchResult.Comparison> out = new ArrayList<>();
        for (int i = 0; i < Math.min(baseline.size(), relay.size()); i++) {
            Latency.Stats echo = baseline.get(i).latency();
            Latency.Stats product = relay.get(i).all();
            out.add(new BenchResult.Comparison(
                    relay.get(i).requested(),
                    ratio(product.perSecond(), echo.perSecond()),
                    ratio(product.p99Us(), echo.p99Us())));
        }
        return out;
    }

    /** Per relay size, the median throughput ratio and the median p99 ratio over the rounds. */
    static List<BenchResult.Comparison> medians(List<BenchResult.Comparison> comparison) {
        java.util.Map<Integer, List<BenchResult.Comparison>> bySize = new java.util.LinkedHashMap<>();
        for (BenchResult.Comparison c : comparison) {
            bySize.computeIfAbsent(c.conversations(), k -> new ArrayList<>()).add(c);
        }
        List<BenchResult.Comparison> out = new ArrayList<>();
        bySize.forEach((size, rounds) -> out.add(new BenchResult.Comparison(
                size,
                median(rounds.stream()
                        .mapToDouble(BenchResult.Comparison::throughputRatio)
                        .toArray()),
                median(rounds.stream()
                        .mapToDouble(BenchResult.Comparison::p99Ratio)
                        .toArray()))));
        return out;
    }

    static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        int n = v.length;
        return n == 0 ? 0 : n % 2 == 1 ? v[n / 2] : Math.round((v[n / 2 - 1] + v[n / 2]) / 2 * 1000) / 1000.0;
    }

    private static double ratio(double a, double b) {
        return b == 0 ? 0 : Math.round(a / b * 1000) / 1000.0;
    }

    private static List<String> notes(
            Servers servers,
            List<RelayPhase.Result> relay,
            List<BotPhase.Result> bot,
            List<HandoffPhase.Result> handoff) {
        List<String> notes = new ArrayList<>();
        if (!relay.isEmpty()) {
            notes.add("a message is one hop through a server, from a client's write to a client's read: relay counts "
                    + "visitor->agent and agent->visitor messages, the baseline counts echoes");
        }
        if (!servers.agentOptionsNote().isEmpty()) {
            notes.add(servers.agentOptionsNote());
        }
        for (RelayPhase.Result r : relay) {
            if (r.conversations() < r.requested()) {
                notes.add("relay at " + r.requested() + ": only " + r.conversations()
                        + " conversations were assigned in time");
            }
            if (r.rateLimited() > 0) {
                notes.add(rateLimitNote("relay at " + r.requested(), r.rateLimited()));
            }
            if (r.errors() > 0) {
                notes.add("relay at " + r.requested() + ": " + r.errors() + " error frames during the measurement "
                        + "(the first are in the log)");
            }
        }
        for (BotPhase.Result b : bot) {
            if (b.rateLimited() > 0) {
                notes.add(rateLimitNote("bot at " + b.visitors(), b.rateLimited()));
            }
            if (b.errors() > 0 || b.handedOff() > 0) {
                notes.add("bot at " + b.visitors() + ": " + b.errors() + " error frames, " + b.handedOff()
                        + " visitors handed off by the bot");
            }
        }
        for (HandoffPhase.Result h : handoff) {
            if (h.failed() > 0) {
                notes.add("handoff at " + h.transcriptEvents() + " events: " + h.failed()
                        + " conversations not measured");
            }
        }
        return notes;
    }

    private static String rateLimitNote(String where, long refused) {
        return where + ": the server refused " + refused + " messages with rate_limited (its per-connection limit, "
                + "which this server has no --rate-limit option to lift); they were resent after a back-off, so these "
                + "figures show the limit, not the server's speed";
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", root, e.getMessage());
        }
    }
}
