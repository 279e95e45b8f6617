package dev.concierge.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU used during a measurement window, in cores, by the server process (from
 * {@code /proc/PID/stat}) and by this load-client process. The load clients share the
 * machine's cores with the server, so this tells whether a figure is the server's limit or the
 * clients'. The server's share is also split by thread group ({@link #group}), from
 * {@code /proc/PID/task/TID/stat}: where a message's CPU goes, without a profiler. -1 where it
 * cannot be read.
 */
final class CpuMeter {
    /** Linux's USER_HZ: /proc times are in 1/100 s on every mainstream kernel. */
    private static final double TICKS_PER_SECOND = 100;

    private final long pid;
    private long wallStart;
    private double serverStart;
    private double clientStart;
    private Map<String, ThreadTime> threadsStart = Map.of();

    /** The thread groups of {@link Usage#serverThreads}, in the order they are printed. */
    static final List<String> GROUPS =
            List.of("event loops", "router", "store", "bot", "cluster", "nats", "gc", "jit", "other");

    /**
     * Cores used in one window.
     *
     * @param server cores used by the server process (1.0 = one core busy all the time)
     * @param client cores used by the load clients
     * @param serverThreads the server's cores by thread group ({@link #GROUPS}; empty if
     *     {@code /proc/PID/task} cannot be read); threads that ended in the window are missing
     */
    record Usage(double server, double client, Map<String, Double> serverThreads) {}

    private record ThreadTime(String name, double seconds) {}

    CpuMeter(long serverPid) {
        this.pid = serverPid;
    }

    void start() {
        wallStart = System.nanoTime();
        serverStart = serverSeconds();
        clientStart = clientSeconds();
        threadsStart = threadTimes(pid);
    }

    Usage stop() {
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double server = serverSeconds();
        double client = clientSeconds();
        Map<String, Double> groups = new LinkedHashMap<>();
        Map<String, ThreadTime> end = threadTimes(pid);
        if (!end.isEmpty() && wall > 0) {
            Map<String, Double> seconds = new HashMap<>();
            end.forEach((tid, t) -> {
                ThreadTime before = threadsStart.get(tid); // a thread started in the window counts from 0
                double used = t.seconds() - (before == null ? 0 : before.seconds());
                seconds.merge(group(t.name()), Math.max(0, used), Double::sum);
            });
            for (String g : GROUPS) {
                groups.put(g, Math.round(seconds.getOrDefault(g, 0.0) / wall * 1000) / 1000.0);
            }
        }
        return new Usage(cores(serverStart, server, wall), cores(clientStart, client, wall), groups);
    }

    /**
     * The group of a server thread, by the name the kernel shows (at most 15 characters): Netty's
     * event loops, the router, the store's threads (writer, WAL sync, checkpoints), the bot's
     * executor, a cluster node's own threads ({@code concierge-cluster-out}, {@code -beat},
     * {@code concierge-lease}), the NATS client's (jnats names them after the connection,
     * {@code concierge-<node id>:N}, so a node id of up to 3 characters keeps the {@code :} within
     * the kernel's 15; and its unnamed {@code pool-N-thread-M} executors), the garbage collector
     * (G1's workers and refinement), the JIT compilers, the rest.
     */
    static String group(String threadName) {
        if (threadName.startsWith("nioEventLoop") || threadName.startsWith("epollEventLoop")) {
            return "event loops";
        } else if (threadName.startsWith("concierge-") && threadName.indexOf(':') > 0) {
            return "nats"; // jnats names its reader, writer and dispatchers CONNECTION_NAME:N, "concierge-n1:3"
        } else if (threadName.startsWith("pool-")) {
            return "nats"; // jnats's callback and connect executors; a single server starts no unnamed pool
        } else if (threadName.startsWith("concierge-clust") || threadName.startsWith("concierge-lease")) {
            return "cluster";
        } else if (threadName.startsWith("concierge-route")) {
            return "router";
        } else if (threadName.startsWith("concierge-store")) {
            return "store";
        } else if (threadName.startsWith("concierge-bot")) {
            return "bot";
        } else if (threadName.startsWith("GC ") || threadName.startsWith("G1 ")) {
            return "gc";
        } else if (threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler")) {
            return "jit";
        }
        return "other";
    }

    /** CPU time of each thread of a process by thread id; empty if it cannot be read. */
    private static Map<String, ThreadTime> threadTimes(long pid) {
        Map<String, ThreadTime> times = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip();
                    double seconds = procSeconds(task.resolve("stat"));
                    if (seconds >= 0) {
                        times.put(task.getFileName().toString(), new ThreadTime(name, seconds));
                    }
                } catch (IOException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return times;
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
