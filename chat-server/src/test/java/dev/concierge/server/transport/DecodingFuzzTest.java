package dev.concierge.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.concierge.server.testing.WireSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of the frame and JSON decoding path with Jazzer. The bounded pass runs
 * in every {@code mvn test}, in a JVM of its own (Jazzer instruments classes and wants the JVM to
 * itself); with {@code JAZZER_FUZZ=1} the {@link FuzzTest} below fuzzes in-process instead.
 *
 * <p>Both start from the seed corpus in {@code DecodingFuzzTestInputs/decodeAnything} (test
 * resources): one valid frame of every client frame type as text, and WebSocket frames (text,
 * fragmented, binary, control frames between fragments, close) as bytes. In {@code mvn test} the
 * {@link FuzzTest} runs each seed once as a regression test.
 */
final class DecodingFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void decodeAnything(FuzzedDataProvider data) {
        DecodingFuzzTarget.fuzzerTestOneInput(data);
    }

    @Test
    void decodingKnownHostileInputs_onlyProtocolErrors() {
        DecodingFuzzTarget.text("{\"type\":\"message\",\"id\":\"m\",\"text\":" + "[".repeat(10_000));
        DecodingFuzzTarget.text("{\"type\":\"teleport\",\"id\":\"x\"}");
        DecodingFuzzTarget.text("\u0000\uFFFF");
        DecodingFuzzTarget.text("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"ok\",\"role\":\"agent\"}");
        DecodingFuzzTarget.frames(WireSocket.header(true, 0x1, 10L * 1024 * 1024));
        DecodingFuzzTarget.frames(new byte[] {(byte) 0x83, (byte) 0x80, 0, 0, 0, 0});
        DecodingFuzzTarget.frames(new byte[] {(byte) 0x81, (byte) 0x82, 0, 0, 0, 0, (byte) 0xC3, 0x28});
    }

    /** Inputs the bounded pass tries: the seeds first, then mutations of what gained coverage. */
    private static final int RUNS = 20_000;
    /** Mutations are drawn from a fixed seed, so that every build fuzzes the same way. */
    private static final int SEED = 1;

    @Test
    void boundedCoverageGuidedFuzzing_fromEveryFrameType_findsNothing() throws Exception {
        Path work = Files.createTempDirectory("concierge-jazzer");
        Path corpus = Files.createDirectory(work.resolve("corpus"));
        Path seeds = Path.of(DecodingFuzzTest.class
                .getResource("DecodingFuzzTestInputs/decodeAnything")
                .toURI());
        List<Path> seedFiles;
        try (java.util.stream.Stream<Path> files = Files.list(seeds)) {
            seedFiles = files.toList();
        }
        for (Path seed : seedFiles) {
            Files.copy(seed, corpus.resolve(seed.getFileName()));
        }
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Memory is bounded by the JVM, where a breach is a finding (OutOfMemoryError):
                // the heap by -Xmx, Netty's buffers by the direct-memory cap. libFuzzer's own
                // RSS limit is off: a JVM's resident size depends on the host (cores, huge
                // pages) and reached 2.4 GB at start-up on a CI machine without any leak.
                "-Xmx1g",
                "-XX:MaxDirectMemorySize=256m",
                "-Dconcierge.log.level=ERROR",
                "-cp",
                System.getProperty("java.class.path"),
                "com.code_intelligence.jazzer.Jazzer",
                "--target_class=" + DecodingFuzzTarget.class.getName(),
                // Its hook on Unsafe breaks Netty's own Unsafe probing at class init.
                "--disabled_hooks=com.code_intelligence.jazzer.sanitizers.UnsafeSanitizer",
                "--instrumentation_includes=dev.concierge.**:io.netty.handler.codec.http.websocketx.**:com.fasterxml.jackson.**",
                "-runs=" + RUNS,
                "-seed=" + SEED,
                "-rss_limit_mb=0",
                "-artifact_prefix=" + work + "/",
                corpus.toString()); // new inputs that gain coverage are added here, not to the seeds
        Path log = work.resolve("jazzer.log");
        Process process = new ProcessBuilder(cmd)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        // Only a guard against a hang: a fixed number of inputs takes longer on a busy machine
        // (instrumenting alone took over 120 s at a load average of 28 on 2 cores).
        boolean finished = process.waitFor(300, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = tail(log);
        assertThat(finished).as("Jazzer finished within 300 s:\n%s", output).isTrue();
        assertThat(process.exitValue()).as("Jazzer found a crash:\n%s", output).isZero();
        java.util.regex.Matcher done =
                java.util.regex.Pattern.compile("Done (\\d+) runs").matcher(output);
        assertThat(done.find()).as("Jazzer's summary:\n%s", output).isTrue();
        assertThat(Long.parseLong(done.group(1))).as("inputs tried").isGreaterThanOrEqualTo(RUNS);
        assertThat(Files.readString(log, StandardCharsets.UTF_8))
                .as("Jazzer read every seed")
                .contains("seed corpus: files: " + seedFiles.size() + " ");
    }

    private static String tail(Path log) throws IOException {
        String all = Files.readString(log, StandardCharsets.UTF_8);
        return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
    }
}
