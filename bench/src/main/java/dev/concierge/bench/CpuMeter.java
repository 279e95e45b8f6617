package dev.concierge.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU used during a measurement window, in cores, by the server process (from
 * {@code /proc/PID/stat}) and by this load-client process. The load clients share the
 * machine's cores with the server, so this tells whether a figure is the server's limit or the
 * clients'. -1 where it cannot be read.
 */
final class CpuMeter {
    /** Linux's USER_HZ: /proc times are in 1/100 s on every mainstream kernel. */
    private static final double TICKS_PER_SECOND = 100;

    private final long pid;
    private long wallStart;
    private double serverStart;
    private double clientStart;

    /**
     * Cores used in one window.
     *
     * @param server cores used by the server process (1.0 = one core busy all the time)
     * @param client cores used by the load clients
     */
    record Usage(double server, double client) {}

    CpuMeter(long serverPid) {
        this.pid = serverPid;
    }

    void start() {
        wallStart = System.nanoTime();
        serverStart = serverSeconds();
        clientStart = clientSeconds();
    }

    Usage stop() {
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double server = serverSeconds();
        double client = clientSeconds();
        return new Usage(cores(serverStart, server, wall), cores(clientStart, client, wall));
    }

    private static double cores(double start, double end, double wall) {
        return start < 0 || end < 0 || wall <= 0 ? -1 : Math.round((end - start) / wall * 100) / 100.0;
    }

    private double serverSeconds() {
        return procSeconds(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /**
     * CPU seconds (user + system) from a {@code /proc/PID/stat} or {@code /proc/PID/task/TID/stat}
     * file; -1 if it cannot be read.
     */
    static double procSeconds(Path stat) {
        try {
            String line = Files.readString(stat);
            String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND; // utime, stime
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static double clientSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long nanos = os.getProcessCpuTime();
            return nanos < 0 ? -1 : nanos / 1e9;
        }
        return -1;
    }
}
