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

    @Test
    void tenSecondsOfCoverageGuidedFuzzing_findNothing() throws Exception {
        Path work = Files.createTempDirectory("concierge-jazzer");
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
                "-max_total_time=10",
                "-rss_limit_mb=0",
                "-artifact_prefix=" + work + "/");
        Path log = work.resolve("jazzer.log");
        Process process = new ProcessBuilder(cmd)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean finished = process.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = tail(log);
        assertThat(finished).as("Jazzer finished within 120 s:\n%s", output).isTrue();
        assertThat(process.exitValue()).as("Jazzer found a crash:\n%s", output).isZero();
        java.util.regex.Matcher done =
                java.util.regex.Pattern.compile("Done (\\d+) runs").matcher(output);
        assertThat(done.find()).as("Jazzer's summary:\n%s", output).isTrue();
        assertThat(Long.parseLong(done.group(1))).as("inputs tried").isGreaterThan(100);
    }

    private static String tail(Path log) throws IOException {
        String all = Files.readString(log, StandardCharsets.UTF_8);
        return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
    }
}
