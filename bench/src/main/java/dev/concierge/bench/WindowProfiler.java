package dev.concierge.bench;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Profiles a server JVM with async-profiler during one measurement window ({@code --profile
 * EVENT}). The bench attaches the profiler's agent (the library inside the async-profiler artifact
 * on its classpath) to the server process when the window opens, and has it write an HTML flame
 * graph, threads apart, when the window closes: the picture holds the measured load only, not
 * start-up, set-up or warm-up. Off by default; a profiled run's figures carry the profiler's own
 * cost (about 1% of a core at the default interval).
 */
final class WindowProfiler {
    /** The events the option accepts (async-profiler's names). */
    static final List<String> EVENTS = List.of("cpu", "alloc", "wall", "lock", "itimer");

    private static final Logger log = LoggerFactory.getLogger(WindowProfiler.class);
    private static final WindowProfiler OFF = new WindowProfiler(null, null, null);

    private final String event;
    private final Path dir;
    private final Path library;
    private final List<Path> written = new ArrayList<>();

    private WindowProfiler(String event, Path dir, Path library) {
        this.event = event;
        this.dir = dir;
        this.library = library;
    }

    /** No profiling: {@link #open} does nothing. */
    static WindowProfiler off() {
        return OFF;
    }

    /**
     * Profiles {@code event} into {@code dir}, with the agent library copied into {@code work}
     * (the server maps it from there). Throws {@link BenchException} where the library has no build
     * for this machine.
     */
    static WindowProfiler of(String event, Path dir, Path work) {
        String resource = resourceFor(System.getProperty("os.name"), System.getProperty("os.arch"));
        Path library = work.resolve("libasyncProfiler.so");
        try (InputStream in = WindowProfiler.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new BenchException("--profile: " + resource + " is missing from the bench's classpath");
            }
            Files.copy(in, library, StandardCopyOption.REPLACE_EXISTING);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BenchException("--profile: cannot prepare the profiler: " + e.getMessage(), e);
        }
        return new WindowProfiler(event, dir, library);
    }

    /** The agent library inside the async-profiler jar for this OS and architecture. */
    static String resourceFor(String os, String arch) {
        if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
            throw new BenchException("--profile needs Linux (async-profiler's agent), not " + os);
        }
        return switch (arch) {
            case "amd64", "x86_64" -> "linux-x64/libasyncProfiler.so";
            case "aarch64", "arm64" -> "linux-arm64/libasyncProfiler.so";
            default -> throw new BenchException("--profile: no async-profiler build for " + arch);
        };
    }

    /** The flame graphs written so far, in order. */
    List<Path> written() {
        return List.copyOf(written);
    }

    /**
     * Starts profiling process {@code pid} for a window named {@code name} (such as
     * {@code relay-1000}); close the returned window when the measurement ends.
     */
    Window open(long pid, String name) {
        if (event == null) {
            return () -> {};
        }
        agent(pid, "start,event=" + event + ",threads");
        Path file = unusedName(name);
        return () -> {
            // The same samples as text too (one line per stack, thread first), to grep and sum.
            Path collapsed = file.resolveSibling(file.getFileName().toString().replaceFirst("\\.html$", ".collapsed"));
            agent(pid, "dump,collapsed,file=" + collapsed);
            agent(pid, "stop,file=" + file + ",title=" + name + "_(" + event + ")");
            written.add(file);
            log.info("profile of {} ({}) written to {} and {}", name, event, file, collapsed.getFileName());
        };
    }

    /** A profiled window; closing it writes the flame graph. */
    @FunctionalInterface
    interface Window extends AutoCloseable {
        @Override
        void close();
    }

    private Path unusedName(String name) {
        Path file = dir.resolve(name + "-" + event + ".html");
        for (int round = 2; Files.exists(file); round++) {
            file = dir.resolve(name + "-" + event + "-" + round + ".html"); // --repeat: one file per round
        }
        return file.toAbsolutePath();
    }

    private void agent(long pid, String command) {
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                vm.loadAgentPath(library.toString(), command);
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException | AgentLoadException | AgentInitializationException | IOException e) {
            throw new BenchException(
                    "--profile: async-profiler '" + command + "' in process " + pid + " failed: " + e.getMessage(), e);
        }
    }
}
