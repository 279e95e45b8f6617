package dev.concierge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the bench in smoke mode so it cannot rot: the server is started from this test's
 * classpath ({@code chat-server} is a test dependency) because its shaded jar does not exist
 * yet when a reactor build runs the tests. Checks that every phase produced sane figures, not
 * how fast they are.
 */
final class BenchSmokeTest {

    @Test
    @Timeout(300)
    void smokeRun_measuresEveryPhase(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        BenchResult r = Bench.run(
                BenchOptions.parse(
                        "--server-cp",
                        System.getProperty("java.class.path"),
                        "--duration",
                        "1",
                        "--json",
                        json.toString(),
                        "--jvm-flags",
                        "-Xmx512m -XX:+UseG1GC"),
                new PrintStream(buffer, true, StandardCharsets.UTF_8));
        String printed = buffer.toString(StandardCharsets.UTF_8);

        assertThat(r.environment().smoke()).isTrue();
        assertThat(r.environment().cores()).isPositive();
        assertThat(r.baseline()).singleElement().satisfies(b -> sane(b.latency()));
        assertThat(r.relay()).singleElement().satisfies(x -> {
            assertThat(x.conversations()).isEqualTo(x.requested());
            sane(x.visitorToAgent());
            sane(x.agentToVisitor());
            sane(x.all());
            assertThat(x.errors()).isZero();
            // Where the relay's CPU went: the product's own threads, found by name in /proc.
            assertThat(x.cpu().serverThreads()).containsOnlyKeys(CpuMeter.GROUPS);
            assertThat(x.cpu().serverThreads().get("event loops")).isPositive();
            assertThat(x.cpu().serverThreads().get("router")).isPositive();
            assertThat(x.cpu().serverThreads().get("store")).isPositive();
            // The store's merges in the window, from the server's /metrics (none is due in a short one, or some).
            assertThat(x.merges().merges()).isNotNegative();
            assertThat(x.merges().windowSeconds()).isPositive();
            assertThat(x.merges().share()).isBetween(0.0, 1.0);
            if (x.merges().merges() > 0) {
                assertThat(x.merges().events()).isPositive();
            }
        });
        assertThat(printed).containsPattern("merges +relay, 50 conversations +\\d+ in the window");
        assertThat(r.baseline().get(0).cpu().serverThreads()).satisfies(echo -> {
            assertThat(echo.get("event loops")).isPositive();
            assertThat(echo.get("router")).isZero(); // the echo server has no router and no store
            assertThat(echo.get("store")).isZero();
        });
        assertThat(r.comparison()).singleElement().satisfies(c -> {
            assertThat(c.throughputRatio()).isPositive();
            assertThat(c.p99Ratio()).isPositive();
        });
        assertThat(r.median()).containsExactlyElementsOf(r.comparison()); // one round: its ratio is the median
        assertThat(r.bot()).hasSize(2).allSatisfy(b -> {
            sane(b.latency());
            assertThat(b.handedOff()).isZero();
            assertThat(b.cpu().serverThreads().get("bot")).isPositive();
        });
        // This classpath has no bot-semantic: the server matches words only, and the report says so.
        assertThat(r.bot()).extracting(BotPhase.Result::engine).containsOnly("lexical");
        assertThat(printed)
                .containsPattern("bot +20 visitors asking[^\n]*\nbot engine: lexical; questions word for word");
        assertThat(r.handoff())
                .extracting(HandoffPhase.Result::transcriptEvents)
                .containsExactly(10, 200);
        assertThat(r.handoff()).allSatisfy(h -> {
            assertThat(h.latency().count()).isPositive();
            assertThat(h.packageEvents()).isGreaterThanOrEqualTo(h.transcriptEvents());
            ordered(h.latency());
        });
        assertThat(r.capacity().connected()).isEqualTo(r.capacity().requested());
        assertThat(r.capacity().rssAfter()).isNotNull();
        assertThat(r.capacity().heapPerVisitor()).isNotNull().isPositive();

        String[] lines = printed.strip().split("\n");
        JsonNode last = new ObjectMapper().readTree(lines[lines.length - 1]);
        for (String phase :
                new String[] {"environment", "baseline", "relay", "comparison", "bot", "handoff", "capacity"}) {
            assertThat(last.has(phase)).as("JSON has %s", phase).isTrue();
        }
        assertThat(new ObjectMapper().readTree(Files.readString(json))).isEqualTo(last);
        assertThat(last.path("bot").path(0).path("engine").asText()).isEqualTo("lexical");
        assertThat(last.path("bot").path(0).path("questions").asText()).isEqualTo("word for word");
        assertThat(printed).contains("baseline", "relay", "bot", "handoff", "capacity", "cpu (us)");
    }

    @Test
    @Timeout(300)
    void repeat_alternatesBaselineAndRelay_andReportsTheMedianRatio_withAProfilePerWindow(@TempDir Path profiles)
            throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        BenchResult r = Bench.run(
                BenchOptions.parse(
                        "--server-cp",
                        System.getProperty("java.class.path"),
                        "--duration",
                        "1",
                        "--only",
                        "baseline,relay",
                        "--repeat",
                        "2",
                        "--jvm-flags",
                        "-Xmx512m -XX:+UseG1GC",
                        "--profile",
                        "itimer",
                        "--profile-dir",
                        profiles.toString()), // itimer: no perf_events needed
                new PrintStream(buffer, true, StandardCharsets.UTF_8));
        String printed = buffer.toString(StandardCharsets.UTF_8);

        assertThat(r.environment().repeat()).isEqualTo(2);
        assertThat(r.baseline()).hasSize(2).allSatisfy(b -> sane(b.latency()));
        assertThat(r.relay()).hasSize(2).allSatisfy(x -> sane(x.all()));
        assertThat(r.comparison()).hasSize(2).allSatisfy(c -> assertThat(c.throughputRatio())
                .isPositive());
        double[] ratios = r.comparison().stream()
                .mapToDouble(BenchResult.Comparison::throughputRatio)
                .toArray();
        assertThat(r.median()).singleElement().satisfies(m -> assertThat(m.throughputRatio())
                .isCloseTo((ratios[0] + ratios[1]) / 2, org.assertj.core.data.Offset.offset(0.001)));
        assertThat(printed).contains("median    relay/baseline at 50, 2 rounds");
        assertThat(r.bot()).isEmpty();

        // One flame graph per measurement window, each round its own file, with the server's threads in it.
        for (String name : java.util.List.of(
                "baseline-50-itimer", "baseline-50-itimer-2", "relay-50-itimer", "relay-50-itimer-2")) {
            Path file = profiles.resolve(name + ".html");
            assertThat(file).exists();
            String html = java.nio.file.Files.readString(file);
            assertThat(html).contains("nioEventLoop");
            if (name.startsWith("relay")) {
                assertThat(html).containsPattern("concierge-[a-z-]+ tid="); // router, store, bot: the product's threads
            }
            assertThat(printed).contains(file.toAbsolutePath().toString());
            // The same samples as collapsed stacks: "[thread tid=N];frame;frame count" per line.
            Path collapsed = profiles.resolve(name + ".collapsed");
            assertThat(java.nio.file.Files.readAllLines(collapsed))
                    .isNotEmpty()
                    .allMatch(line -> line.matches("\\[.+ tid=\\d+\\];.* \\d+"), "a thread, frames and a count");
        }
    }

    /**
     * The cluster run in small: a NATS server and 3 nodes on a fresh PostgreSQL schema (both
     * provided by {@code .ci/postgres.sh} and {@code .ci/nats.sh}), relay on one PostgreSQL server
     * beside relay and handoff across nodes, and a kill -9 of the deciding node. Checks that every
     * figure is there and that nothing acknowledged was lost; not how fast it was.
     */
    @Test
    @Timeout(300)
    void clusterSmoke_threeNodes_measuresRelayHandoffAndTakeover_andLosesNothingAcknowledged() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        long start = System.nanoTime();
        BenchResult r = Bench.run(
                BenchOptions.parse(
                        "--server-cp",
                        System.getProperty("java.class.path"),
                        "--duration",
                        "1",
                        "--nodes",
                        "3",
                        "--only",
                        "relay,cluster",
                        "--jvm-flags",
                        "-Xmx384m -XX:+UseG1GC -XX:TieredStopAtLevel=1"),
                new PrintStream(buffer, true, StandardCharsets.UTF_8));
        double seconds = (System.nanoTime() - start) / 1e9;
        String printed = buffer.toString(StandardCharsets.UTF_8);

        // Relay on one PostgreSQL server, every acknowledged message found in its schema.
        assertThat(r.relay()).singleElement().satisfies(x -> {
            sane(x.all());
            assertThat(x.acks().acked()).isPositive();
            assertThat(x.acks().lost()).isZero();
            assertThat(x.acks().stored()).isEqualTo(x.acks().acked());
            assertThat(x.visitorNode()).isNull(); // a single server names no node
        });
        ClusterPhase.Result c = r.cluster();
        assertThat(c).isNotNull();
        assertThat(c.nodes()).isEqualTo(3);
        // Visitors, agents and the decider on three different nodes, as each welcome said.
        assertThat(java.util.Set.of(c.decider(), c.visitorNode(), c.agentNode()))
                .hasSize(3);
        assertThat(c.relay().visitorNode()).isEqualTo(c.visitorNode());
        assertThat(c.relay().agentNode()).isEqualTo(c.agentNode());
        sane(c.relay().all());
        assertThat(c.relay().conversations()).isEqualTo(c.relay().requested());
        assertThat(c.relay().errors()).isZero();
        assertThat(c.relay().acks().acked()).isPositive();
        assertThat(c.relay().acks().lost()).isZero();
        // CPU of every node by thread group, the NATS client's threads among them, and of nats-server.
        assertThat(c.relay().processes()).hasSize(4).containsKey("nats-server");
        assertThat(c.relay().processes().get(c.decider() + " (decides)").serverThreads())
                .satisfies(g -> {
                    assertThat(g.get("router")).isPositive();
                    assertThat(g.get("nats")).isPositive();
                });
        assertThat(c.relay().processes().get(c.visitorNode()).serverThreads().get("nats"))
                .isPositive();
        assertThat(c.relay().processes().get("nats-server").server()).isPositive();
        // What NATS carried in the window: every request reaches the decider, frames come back.
        assertThat(c.relay().nats().inMsgs()).isPositive();
        assertThat(c.relay().nats().outMsgs())
                .isGreaterThanOrEqualTo(c.relay().nats().inMsgs());
        assertThat(printed).containsPattern("nats +relay across nodes, in the window +[0-9.]+ published");
        assertThat(c.handoff().count()).isEqualTo(5);
        ordered(c.handoff());
        // The takeover: the lease moved to a live node, every visitor was answered again.
        TakeoverPhase.Result t = c.takeover();
        assertThat(t.killed()).isEqualTo(c.decider());
        assertThat(t.newDecider()).isNotEqualTo(t.killed());
        assertThat(t.leaseMovedMs()).isPositive();
        assertThat(t.firstAckMaxMs()).isPositive().isGreaterThanOrEqualTo(t.firstAckMedianMs());
        assertThat(t.acked()).isPositive();
        assertThat(t.lost()).isZero();
        assertThat(t.unacked()).isZero();
        assertThat(c.targets())
                .extracting(ClusterPhase.Target::name)
                .containsExactly(
                        "relay throughput across nodes",
                        "relay p99 across nodes",
                        "takeover after kill -9 of the decider",
                        "acknowledged messages lost");
        assertThat(c.targets().get(3).pass()).isTrue();
        assertThat(printed)
                .containsPattern("target +relay throughput across nodes +>= 0.5x .*(PASS|FAIL)")
                .contains("takeover  kill -9 of " + c.decider())
                .containsPattern("across +relay, " + c.decider() + " \\(decides\\)");
        String[] lines = printed.strip().split("\n");
        assertThat(new ObjectMapper()
                        .readTree(lines[lines.length - 1])
                        .path("cluster")
                        .path("takeover")
                        .has("leaseMovedMs"))
                .isTrue();
        // About 30 s on this 2-core machine at a load average of 7; 83 s at 20.
        assertThat(seconds).as("cluster smoke run time").isLessThan(150);
    }

    @Test
    void clusterOptions_defaultToPostgres_andTheClusterPhases() {
        BenchOptions o = BenchOptions.parse("--server-jar", "x.jar", "--nodes", "3");
        assertThat(o.nodes()).isEqualTo(3);
        assertThat(o.db()).contains(Postgres.DEFAULT_URL);
        assertThat(o.phases()).containsExactly("baseline", "relay", "cluster");
        BenchOptions plain = BenchOptions.parse("--server-jar", "x.jar");
        assertThat(plain.nodes()).isZero();
        assertThat(plain.db()).isEmpty();
        assertThat(plain.phases()).doesNotContain("cluster");
        assertThat(o.keepOpen()).isFalse();
        assertThat(BenchOptions.parse("--server-jar", "x.jar", "--nodes", "3", "--keep-open")
                        .keepOpen())
                .isTrue();
        assertThat(BenchOptions.parse("--server-jar", "x.jar", "--db", "postgres")
                        .db())
                .contains(Postgres.DEFAULT_URL);
        assertThat(BenchOptions.parse("--server-jar", "x.jar", "--db", "jdbc:postgresql://db:5432/x")
                        .db())
                .contains("jdbc:postgresql://db:5432/x");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BenchOptions.parse("--server-jar", "x.jar", "--db", "jdbc:sqlite:x.db"))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("--db");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BenchOptions.parse("--server-jar", "x.jar", "--nodes", "1"))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("--nodes");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BenchOptions.parse("--server-jar", "x.jar", "--only", "cluster"))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("--nodes");
    }

    @Test
    void botEngine_fromTheServersStartOutput_andTheOptionThatChoosesIt() {
        // What serve prints with bot-semantic's jar on its class path: the notice, then the start line.
        String fused = "FAQ bot: semantic matching with all-MiniLM-L6-v2-q beside the lexical one"
                + " (--lexical to leave it out; docs/faq.md)\nConcierge is running at http://127.0.0.1:4100/\n"
                + "07:40:01.123 INFO  [main] NettyChatServer - listening on 127.0.0.1:4100 with 200 FAQ entries,"
                + " semantic matching by all-MiniLM-L6-v2-q where it supports every entry's language\n";
        assertThat(BotPhase.engine(fused)).isEqualTo("fused (all-MiniLM-L6-v2-q)");
        // The start line alone (a server that prints no notice) says it too.
        assertThat(BotPhase.engine(fused.substring(fused.indexOf("07:40")))).isEqualTo("fused (all-MiniLM-L6-v2-q)");
        assertThat(BotPhase.engine("Concierge is running at http://127.0.0.1:4100/\n"
                        + "listening on 127.0.0.1:4100 with 200 FAQ entries\n"))
                .isEqualTo("lexical");

        assertThat(BenchOptions.parse("--server-jar", "x.jar").botEngineFlag()).isEmpty();
        assertThat(BenchOptions.parse("--server-jar", "x.jar", "--bot-engine", "lexical")
                        .botEngineFlag())
                .contains("--lexical");
        assertThat(BenchOptions.parse("--server-jar", "x.jar", "--bot-engine", "semantic")
                        .botEngineFlag())
                .contains("--semantic");
        assertThat(BenchOptions.parse("--server-jar", "x.jar").botReworded()).isFalse();
        assertThat(BenchOptions.parse("--server-jar", "x.jar", "--bot-reworded").botReworded())
                .isTrue();
        // Reworded: the same words, but no phrasing of the bench's FAQ word for word.
        assertThat(SyntheticFaq.QUESTIONS.stream().map(BotPhase::reworded))
                .contains("where is my order", "i forgot my password")
                .doesNotContainAnyElementsOf(SyntheticFaq.QUESTIONS);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BenchOptions.parse("--server-jar", "x.jar", "--bot-engine", "fused"))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("--bot-engine");
    }

    @Test
    void mergeMeter_readsTheStoresMergeMetrics_andKnowsAServerWithout() {
        String body = """
                # HELP concierge_store_merge_seconds Merges of new events
                # TYPE concierge_store_merge_seconds summary
                concierge_store_merge_seconds_count 12.0
                concierge_store_merge_seconds_sum 0.84
                concierge_store_merged_events_total 98304.0
                concierge_store_write_seconds_count 5.0
                """;
        assertThat(MergeMeter.parse(body)).containsExactly(12.0, 0.84, 98304.0);
        assertThat(MergeMeter.parse("concierge_store_write_seconds_count 5.0\n"))
                .isNull();
        assertThat(new MergeMeter.Merges(3, 24_000, 0.3, 10).share())
                .isCloseTo(0.03, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(MergeMeter.Merges.UNKNOWN.share()).isEqualTo(-1);
    }

    @Test
    void profileOption_takesAsyncProfilersEvents_andItsLinuxBuilds() {
        BenchOptions o = BenchOptions.parse("--server-jar", "x.jar", "--profile", "alloc", "--profile-dir", "p");
        assertThat(o.profile()).contains("alloc");
        assertThat(o.profileDir()).isEqualTo(Path.of("p"));
        assertThat(BenchOptions.parse("--server-jar", "x.jar").profile()).isEmpty();
        assertThat(BenchOptions.parse("--server-jar", "x.jar").protocol()).isEqualTo(2);
        assertThat(BenchOptions.parse("--server-jar", "x.jar", "--protocol", "1")
                        .protocol())
                .isEqualTo(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BenchOptions.parse("--server-jar", "x.jar", "--protocol", "3"))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("--protocol");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BenchOptions.parse("--server-jar", "x.jar", "--profile", "cycles!"))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("--profile")
                .hasMessageContaining("alloc");
        assertThat(WindowProfiler.resourceFor("Linux", "amd64")).isEqualTo("linux-x64/libasyncProfiler.so");
        assertThat(WindowProfiler.resourceFor("Linux", "aarch64")).isEqualTo("linux-arm64/libasyncProfiler.so");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WindowProfiler.resourceFor("Mac OS X", "aarch64"))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("Linux");
    }

    @Test
    void median_ofEachRelaySize_overTheRounds() {
        java.util.List<BenchResult.Comparison> rounds = java.util.List.of(
                new BenchResult.Comparison(1000, 0.30, 4.0), new BenchResult.Comparison(10, 0.9, 1.0),
                new BenchResult.Comparison(1000, 0.20, 5.0), new BenchResult.Comparison(1000, 0.25, 3.0));
        assertThat(Bench.medians(rounds))
                .containsExactly(new BenchResult.Comparison(1000, 0.25, 4.0), new BenchResult.Comparison(10, 0.9, 1.0));
        assertThat(BenchOptions.parse("--server-jar", "x.jar", "--repeat", "3").repeat())
                .isEqualTo(3);
        assertThat(BenchOptions.parse("--server-jar", "x.jar").repeat()).isEqualTo(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BenchOptions.parse("--server-jar", "x.jar", "--repeat", "0"))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("--repeat");
    }

    @Test
    void threadGroups_byTheNamesTheKernelShows() {
        assertThat(CpuMeter.group("nioEventLoopGro")).isEqualTo("event loops");
        assertThat(CpuMeter.group("concierge-route")).isEqualTo("router");
        assertThat(CpuMeter.group("concierge-store")).isEqualTo("store");
        assertThat(CpuMeter.group("concierge-bot-1")).isEqualTo("bot");
        assertThat(CpuMeter.group("G1 Refine#0")).isEqualTo("gc");
        assertThat(CpuMeter.group("GC Thread#1")).isEqualTo("gc");
        assertThat(CpuMeter.group("C2 CompilerThre")).isEqualTo("jit");
        assertThat(CpuMeter.group("VM Thread")).isEqualTo("other");
        // A cluster node: its own threads, and jnats's, named after the connection "concierge-<node id>".
        assertThat(CpuMeter.group("concierge-clust")).isEqualTo("cluster");
        assertThat(CpuMeter.group("concierge-lease")).isEqualTo("cluster");
        assertThat(CpuMeter.group("concierge-n1:3")).isEqualTo("nats");
        assertThat(CpuMeter.group("pool-7-thread-1")).isEqualTo("nats");
        assertThat(CpuMeter.group("PostgreSQL-JDBC")).isEqualTo("other");
    }

    private static void sane(Latency.Stats s) {
        assertThat(s.count()).isPositive();
        assertThat(s.perSecond()).isPositive();
        ordered(s);
    }

    private static void ordered(Latency.Stats s) {
        assertThat(s.p50Us()).isPositive();
        assertThat(s.p50Us()).isLessThanOrEqualTo(s.p99Us());
        assertThat(s.p99Us()).isLessThanOrEqualTo(s.p999Us());
        assertThat(s.p999Us()).isLessThanOrEqualTo(s.maxUs());
    }
}
