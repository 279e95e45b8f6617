package dev.concierge.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The run's figures as a table for people and as one line of JSON for tools. */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROW = "%-9s %-38s %14s %9s %9s %9s  %s%n";

    private Report() {}

    static String json(BenchResult result) {
        try {
            return JSON.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new BenchException("cannot write the JSON report", e);
        }
    }

    static String table(BenchResult r) {
        StringBuilder out = new StringBuilder();
        header(out, r.environment());
        out.append(
                String.format(Locale.ROOT, ROW, "phase", "load", "rate", "p50", "p99", "p99.9", "cpu server+clients"));
        for (BaselinePhase.Result b : r.baseline()) {
            row(out, "baseline", b.connections() + " echo connections, ping-pong", b.latency(), "msg/s", b.cpu());
        }
        for (RelayPhase.Result x : r.relay()) {
            String load = x.conversations() + (x.conversations() < x.requested() ? " of " + x.requested() : "")
                    + " conversations, " + plural(x.agentSockets(), "agent socket")
                    + (x.acks().lost() >= 0 ? ", PostgreSQL" : "");
            row(out, "relay", load, x.all(), "msg/s", x.cpu());
            row(out, "relay", "  visitor -> agent", x.visitorToAgent(), "msg/s", null);
            row(out, "relay", "  agent -> visitor", x.agentToVisitor(), "msg/s", null);
        }
        for (BenchResult.Comparison c : r.comparison()) {
            out.append(String.format(
                    Locale.ROOT,
                    ROW,
                    "ratio",
                    "relay/baseline at " + c.conversations(),
                    times(c.throughputRatio()),
                    "",
                    times(c.p99Ratio()),
                    "",
                    ""));
        }
        if (r.comparison().size() > r.median().size()) {
            for (BenchResult.Comparison c : r.median()) {
                out.append(String.format(
                        Locale.ROOT,
                        ROW,
                        "median",
                        "relay/baseline at " + c.conversations() + ", "
                                + r.environment().repeat() + " rounds",
                        times(c.throughputRatio()),
                        "",
                        times(c.p99Ratio()),
                        "",
                        ""));
            }
        }
        for (BotPhase.Result b : r.bot()) {
            row(out, "bot", plural(b.visitors(), "visitor") + " asking", b.latency(), "ans/s", b.cpu());
        }
        if (!r.bot().isEmpty()) { // the bot's figures depend on its engine: fused costs an embedding per question
            BotPhase.Result b = r.bot().get(0);
            out.append("bot engine: ")
                    .append(b.engine())
                    .append("; questions ")
                    .append(
                            b.questions().equals("reworded")
                                    ? "reworded (--bot-reworded: the fused engine embeds each)"
                                    : "word for word as phrasings (the fused engine reuses their vectors: no model"
                                            + " run; --bot-reworded for one per question)")
                    .append('\n');
        }
        for (HandoffPhase.Result h : r.handoff()) {
            Latency.Stats s = h.latency();
            out.append(String.format(
                    Locale.ROOT,
                    ROW,
                    "handoff",
                    h.transcriptEvents() + "-event transcript (" + s.count() + " handoffs)",
                    "",
                    ms(s.p50Us()),
                    ms(s.p99Us()),
                    ms(s.p999Us()),
                    ""));
        }
        capacity(out, r.capacity());
        cluster(out, r);
        cpuPerMessage(out, r);
        merges(out, r);
        for (String note : r.notes()) {
            out.append("note: ").append(note).append('\n');
        }
        BenchResult.Environment e = r.environment();
        out.append(String.format(
                Locale.ROOT,
                "whole run %.0f s; load average %.2f before, %.2f after (%d cores); "
                        + "fsync in the data directory: p50 %s, p99 %s%n",
                e.runSeconds(),
                e.loadBefore(),
                e.loadAfter(),
                e.cores(),
                ms(e.fsyncP50Us()),
                ms(e.fsyncP99Us())));
        return out.toString();
    }

    private static void header(StringBuilder out, BenchResult.Environment e) {
        out.append(String.format(
                Locale.ROOT,
                "Concierge bench, commit %s: %d cores (%s), %.1f GiB, %s, Java %s%n",
                e.commit(),
                e.cores(),
                e.cpu(),
                e.memoryBytes() / (double) (1L << 30),
                e.os(),
                e.java()));
        out.append(String.format(
                Locale.ROOT,
                "server and baseline JVM flags: %s; %.1f s per phase after a warm-up of %.1f s or more, until the server's"
                        + " JIT compilers are quiet (at most 60 s); "
                        + "FAQ of %s entries; load clients on %d event loop threads, protocol %d%s%n%n",
                String.join(" ", e.serverJvmFlags()),
                e.durationSeconds(),
                e.warmupSeconds(),
                e.faqEntries() == 0 ? "the sample's" : e.faqEntries(),
                e.clientThreads(),
                e.protocol(),
                e.smoke() ? " (SMOKE RUN: small loads)" : ""));
    }

    private static final String CPU_ROW = "%-9s %-38s" + " %7s".repeat(CpuMeter.GROUPS.size()) + " %8s %8s%n";

    /**
     * The CPU each message (or answer) cost, in microseconds: the server's by thread group, the
     * server's in all, and the load clients'. Steadier than a rate on a shared machine, and it
     * shows where a change took effect.
     */
    private static void cpuPerMessage(StringBuilder out, BenchResult r) {
        StringBuilder rows = new StringBuilder();
        for (BaselinePhase.Result b : r.baseline()) {
            cpuRow(rows, "baseline", b.connections() + " echo connections", b.latency(), b.cpu());
        }
        for (RelayPhase.Result x : r.relay()) {
            cpuRow(rows, "relay", x.conversations() + " conversations", x.all(), x.cpu());
        }
        for (BotPhase.Result b : r.bot()) {
            cpuRow(rows, "bot", plural(b.visitors(), "visitor") + " (per answer)", b.latency(), b.cpu());
        }
        if (r.cluster() != null) {
            RelayPhase.Result x = r.cluster().relay();
            x.processes().forEach((process, cpu) -> cpuRow(rows, "across", "relay, " + process, x.all(), cpu));
        }
        if (rows.isEmpty()) {
            return;
        }
        List<String> head = new ArrayList<>(List.of("cpu (us)", "per message, by server thread group"));
        for (String g : CpuMeter.GROUPS) {
            head.add(g.substring(g.lastIndexOf(' ') + 1)); // "event loops" fits its column as "loops"
        }
        head.addAll(List.of("server", "clients"));
        out.append('\n')
                .append(String.format(Locale.ROOT, CPU_ROW, head.toArray()))
                .append(rows);
    }

    private static void cpuRow(StringBuilder out, String phase, String load, Latency.Stats s, CpuMeter.Usage cpu) {
        if (cpu == null || cpu.serverThreads().isEmpty() || s.perSecond() <= 0) {
            return;
        }
        List<String> cells = new ArrayList<>(List.of(phase, load));
        for (String g : CpuMeter.GROUPS) {
            cells.add(micros(cpu.serverThreads().getOrDefault(g, 0.0), s.perSecond()));
        }
        cells.add(micros(cpu.server(), s.perSecond()));
        cells.add(micros(cpu.client(), s.perSecond()));
        out.append(String.format(Locale.ROOT, CPU_ROW, cells.toArray()));
    }

    /** Microseconds of CPU per item, from cores used and items per second. */
    private static String micros(double cores, double perSecond) {
        return cores < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", cores * 1e6 / perSecond);
    }

    /**
     * The cluster phase beside the single server: relay across nodes, handoff across nodes, the
     * takeover, acknowledged messages against the store, and the targets.
     */
    private static void cluster(StringBuilder out, BenchResult r) {
        ClusterPhase.Result c = r.cluster();
        for (RelayPhase.Result x : r.relay()) {
            if (x.acks().acked() >= 0) {
                out.append(acks("relay", x.conversations() + " conversations, one server", x.acks()));
            }
        }
        if (c == null) {
            return;
        }
        out.append(String.format(
                Locale.ROOT,
                "%ncluster   %d nodes on one NATS server and one PostgreSQL schema: %s decides, visitors on %s,"
                        + " agents on %s%n",
                c.nodes(),
                c.decider(),
                c.visitorNode(),
                c.agentNode()));
        RelayPhase.Result x = c.relay();
        String path = c.visitorNode() + " -> " + c.decider() + " -> " + c.agentNode();
        row(out, "across", x.conversations() + " conversations, " + path, x.all(), "msg/s", x.cpu());
        row(out, "across", "  visitor -> agent", x.visitorToAgent(), "msg/s", null);
        row(out, "across", "  agent -> visitor", x.agentToVisitor(), "msg/s", null);
        NatsServer.Traffic n = x.nats();
        if (n != null && n.inMsgs() >= 0 && x.all().count() > 0) {
            double relayed = x.all().count();
            out.append(String.format(
                    Locale.ROOT,
                    "%-9s %-38s %.2f published and %.2f delivered NATS messages, %.0f and %.0f bytes,"
                            + " per relayed message%n",
                    "nats",
                    "relay across nodes, in the window",
                    n.inMsgs() / relayed,
                    n.outMsgs() / relayed,
                    n.inBytes() / relayed,
                    n.outBytes() / relayed));
        }
        Latency.Stats h = c.handoff();
        out.append(String.format(
                Locale.ROOT,
                ROW,
                "across",
                "handoff " + c.visitorNode() + " -> " + c.agentNode() + " (" + h.count() + ", one at a time)",
                "",
                ms(h.p50Us()),
                ms(h.p99Us()),
                ms(h.p999Us()),
                ""));
        TakeoverPhase.Result t = c.takeover();
        out.append(String.format(
                Locale.ROOT,
                "%-9s kill -9 of %s under %d visitors at %d msg/s each: lease moved after %s; first message written"
                        + " after the kill acknowledged after %s (slowest), %s (median); new decider %s;"
                        + " %d reconnects%n",
                "takeover",
                t.killed(),
                t.visitors(),
                1000 / TakeoverPhase.PACE.toMillis(),
                seconds(t.leaseMovedMs()),
                seconds(t.firstAckMaxMs()),
                seconds(t.firstAckMedianMs()),
                t.newDecider(),
                t.reconnects()));
        out.append(acks("across", "relay, " + x.conversations() + " conversations", x.acks()));
        out.append(acks(
                "takeover",
                t.visitors() + " visitors (" + t.unacked() + " still unacknowledged)",
                new RelayPhase.Acks(t.acked(), t.stored(), t.lost())));
        out.append('\n');
        for (ClusterPhase.Target g : c.targets()) {
            out.append(String.format(
                    Locale.ROOT,
                    "target    %-38s %s: %s  %s%n",
                    g.name(),
                    g.goal(),
                    g.measured(),
                    g.pass() ? "PASS" : "FAIL"));
        }
    }

    private static String acks(String phase, String load, RelayPhase.Acks a) {
        return String.format(
                Locale.ROOT,
                "%-9s %-38s %,d messages acknowledged, %,d of them in the store: %d lost%n",
                phase,
                load,
                a.acked(),
                a.stored(),
                a.lost());
    }

    private static String seconds(double ms) {
        return ms < 0 ? "never" : String.format(Locale.ROOT, "%.2f s", ms / 1000);
    }

    /** The store's merges during each relay window (on their own thread, beside the store's writer). */
    private static void merges(StringBuilder out, BenchResult r) {
        StringBuilder rows = new StringBuilder();
        for (RelayPhase.Result x : r.relay()) {
            MergeMeter.Merges m = x.merges();
            if (m == null || m.merges() < 0) {
                continue;
            }
            rows.append(String.format(
                    Locale.ROOT,
                    "%-9s %-38s %s in the window, %s events each, %s each on average:"
                            + " merging for %.0f%% of the window%n",
                    "merges",
                    "relay, " + x.conversations() + " conversations",
                    m.merges(),
                    m.merges() == 0 ? "0" : String.format(Locale.ROOT, "%,d", m.events() / m.merges()),
                    m.merges() == 0 ? "-" : ms(m.seconds() * 1e6 / m.merges()),
                    100 * m.share()));
        }
        if (!rows.isEmpty()) {
            out.append('\n').append(rows);
        }
    }

    private static void capacity(StringBuilder out, CapacityPhase.Result c) {
        if (c == null) {
            return;
        }
        String load = c.connected() + (c.connected() < c.requested() ? " of " + c.requested() : "") + " idle visitors";
        out.append(String.format(
                Locale.ROOT,
                "%-9s %-38s heap %s/visitor (%s in all), RSS %s/visitor (%s in all)%n",
                "capacity",
                load,
                kib(c.heapPerVisitor()),
                mib(c.heapBefore(), c.heapAfter()),
                kib(c.rssPerVisitor()),
                mib(c.rssBefore(), c.rssAfter())));
    }

    private static String plural(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String times(double ratio) {
        return String.format(Locale.ROOT, "%.2fx", ratio);
    }

    private static void row(
            StringBuilder out, String phase, String load, Latency.Stats s, String unit, CpuMeter.Usage cpu) {
        String cores = cpu == null ? "" : String.format(Locale.ROOT, "%.2f + %.2f", cpu.server(), cpu.client());
        String rate = String.format(Locale.ROOT, "%,.0f %s", s.perSecond(), unit);
        out.append(String.format(
                Locale.ROOT, ROW, phase, load, rate, ms(s.p50Us()), ms(s.p99Us()), ms(s.p999Us()), cores));
    }

    private static String ms(double micros) {
        return micros >= 10_000
                ? String.format(Locale.ROOT, "%.0f ms", micros / 1000)
                : String.format(Locale.ROOT, "%.2f ms", micros / 1000);
    }

    private static String kib(Double bytes) {
        return bytes == null ? "n/a" : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
    }

    private static String mib(Long before, Long after) {
        return before == null || after == null
                ? "n/a"
                : String.format(Locale.ROOT, "%+.0f MiB", (after - before) / (double) (1L << 20));
    }
}
