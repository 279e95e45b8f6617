package dev.concierge.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** What the figures were measured on: cores, memory, CPU, OS, Java and the commit. */
final class Machine {
    private Machine() {}

    static BenchResult.Environment environment(
            BenchOptions options, int clientThreads, double loadBefore, double[] fsyncUs, double runSeconds) {
        return new BenchResult.Environment(
                commit(),
                Runtime.getRuntime().availableProcessors(),
                memory(),
                cpu(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("java.version"),
                options.jvmFlags(),
                options.duration().toMillis() / 1000.0,
                options.warmup().toMillis() / 1000.0,
                options.smoke(),
                options.faqEntries(),
                clientThreads,
                loadBefore,
                loadAverage(),
                fsyncUs[0],
                fsyncUs[1],
                Math.round(runSeconds * 10) / 10.0,
                options.repeat(),
                options.protocol());
    }

    /**
     * p50 and p99 of {@code fsync} after a small write, in microseconds, in {@code dir} (where the
     * servers keep their data): every acknowledged message waits for one, so it bounds relay
     * latency from below. {-1, -1} when it cannot be measured.
     */
    static double[] fsyncMicros(Path dir) {
        Path probe = dir.resolve("fsync-probe");
        long[] times = new long[100];
        try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(256);
            for (int i = 0; i < times.length; i++) {
                block.clear();
                ch.write(block);
                long start = System.nanoTime();
                ch.force(false);
                times[i] = System.nanoTime() - start;
            }
        } catch (IOException e) {
            return new double[] {-1, -1};
        } finally {
            probe.toFile().delete();
        }
        Arrays.sort(times);
        return new double[] {times[49] / 1000 / 1.0, times[98] / 1000 / 1.0};
    }

    /** The 1-minute load average, or -1 where the OS does not tell. */
    static double loadAverage() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? -1 : Math.round(load * 100) / 100.0;
    }

    /** {@code git rev-parse --short HEAD} in the working directory, {@code +dirty} when files changed; or "unknown". */
    static String commit() {
        try {
            String head = JvmProcess.run(List.of("git", "rev-parse", "--short", "HEAD"), Duration.ofSeconds(10))
                    .strip();
            String status = JvmProcess.run(
                            List.of("git", "status", "--porcelain", "--untracked-files=no"), Duration.ofSeconds(10))
                    .strip();
            return status.isEmpty() ? head : head + "+dirty";
        } catch (BenchException e) {
            return "unknown";
        }
    }

    private static long memory() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize();
        }
        return -1;
    }

    private static String cpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
        return System.getProperty("os.arch");
    }
}
