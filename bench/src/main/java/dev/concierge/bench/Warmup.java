package dev.concierge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * Warm-up under load until the server's JIT compilers are done. A fixed warm-up measured the
 * product half-compiled: its C2 compiler thread still took 15–18% of the machine 30 s into the
 * relay phase, and a 40 s window relayed 17k msg/s where a 10 s one after 5 s of warm-up relayed
 * 12k. Here the load runs for at least the minimum warm-up, then until the server's compiler
 * threads ({@code C1/C2 CompilerThread*}, read from {@code /proc/PID/task}) used less than
 * {@link #QUIET_SHARE} of one core over the last {@link #STEP}, or until the cap.
 */
record Warmup(Duration minimum, Duration cap) {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Warmup.class);
    /** Compiler CPU, as a share of one core over one step, below which the JIT counts as done. */
    static final double QUIET_SHARE = 0.03;
    /** How often the compiler threads are read. */
    static final Duration STEP = Duration.ofSeconds(2);

    /** The same policy with half the minimum (phases that measure for half the duration). */
    Warmup half() {
        return new Warmup(minimum.dividedBy(2), cap);
    }

    /**
     * Waits at least {@link #minimum}, then until the server's compilers are quiet or
     * {@link #cap} has passed in all; returns how long it waited.
     */
    Duration await(long serverPid) throws InterruptedException {
        long start = System.nanoTime();
        Thread.sleep(minimum.toMillis());
        long deadline = start + cap.toNanos();
        double before = compilerSeconds(serverPid);
        while (before >= 0 && System.nanoTime() + STEP.toNanos() <= deadline) {
            Thread.sleep(STEP.toMillis());
            double now = compilerSeconds(serverPid);
            if (now < 0 || (now - before) / (STEP.toMillis() / 1000.0) < QUIET_SHARE) {
                break;
            }
            before = now;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        log.info(
                "warmed up for {} s{}",
                String.format("%.1f", took.toMillis() / 1000.0),
                System.nanoTime() + STEP.toNanos() > deadline ? " (the cap)" : "");
        return took;
    }

    /** CPU seconds used so far by the process's JIT compiler threads; -1 if unreadable. */
    static double compilerSeconds(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> threads = Files.list(tasks)) {
            return threads.mapToDouble(Warmup::compilerThreadSeconds).sum();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static double compilerThreadSeconds(Path task) {
        try {
            if (!Files.readString(task.resolve("comm")).contains("CompilerThre")) { // C1/C2 CompilerThreadN
                return 0;
            }
            return Math.max(0, CpuMeter.procSeconds(task.resolve("stat")));
        } catch (IOException | RuntimeException e) {
            return 0; // a compiler thread that ended since the listing
        }
    }
}
