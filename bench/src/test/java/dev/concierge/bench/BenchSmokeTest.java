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
        BenchResult r = Bench.run(BenchOptions.parse("--server-cp", System.getProperty("java.class.path"),
                "--duration", "1", "--json", json.toString(), "--jvm-flags", "-Xmx512m -XX:+UseG1GC"),
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
        });
        assertThat(r.comparison()).singleElement().satisfies(c -> {
            assertThat(c.throughputRatio()).isPositive();
            assertThat(c.p99Ratio()).isPositive();
        });
        assertThat(r.bot()).hasSize(2).allSatisfy(b -> {
            sane(b.latency());
            assertThat(b.handedOff()).isZero();
        });
        assertThat(r.handoff()).extracting(HandoffPhase.Result::transcriptEvents).containsExactly(10, 200);
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
        for (String phase : new String[] {"environment", "baseline", "relay", "comparison", "bot", "handoff", "capacity"}) {
            assertThat(last.has(phase)).as("JSON has %s", phase).isTrue();
        }
        assertThat(new ObjectMapper().readTree(Files.readString(json))).isEqualTo(last);
        assertThat(printed).contains("baseline", "relay", "bot", "handoff", "capacity");
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
