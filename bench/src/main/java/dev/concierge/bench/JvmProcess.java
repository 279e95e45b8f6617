package dev.concierge.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server under test, in its own JVM: started with its output going to files, ready once it
 * prints its {@code http://127.0.0.1:PORT/} line, measured from outside (RSS from /proc, heap
 * through {@code jcmd}), and stopped.
 */
final class JvmProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JvmProcess.class);
    private static final Pattern URL = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/");
    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    private final String name;
    private final Process process;
    private final int port;
    private final Path stderr;
    private final String startOutput;

    private JvmProcess(String name, Process process, int port, Path stderr, String startOutput) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.stderr = stderr;
        this.startOutput = startOutput;
    }

    /**
     * Runs {@code command} and waits for its URL line.
     *
     * @throws BenchException when it exits or stays silent until {@code timeout}; the message
     *                        carries the end of its stderr
     */
    static JvmProcess start(String name, List<String> command, Path logDir, Duration timeout) {
        return start(name, command, java.util.Map.of(), logDir, timeout);
    }

    /** {@link #start(String, List, Path, Duration)} with {@code env} added to the environment. */
    static JvmProcess start(
            String name, List<String> command, java.util.Map<String, String> env, Path logDir, Duration timeout) {
        Path out = logDir.resolve(name + ".out");
        Path err = logDir.resolve(name + ".err");
        Process process;
        try {
            Files.createDirectories(logDir);
            ProcessBuilder builder =
                    new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            process = builder.start();
        } catch (IOException e) {
            throw new BenchException("cannot start " + name + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                String printed = read(out);
                Matcher m = URL.matcher(printed);
                if (m.find()) {
                    log.info(
                            "{} listening on port {} after {} ms",
                            name,
                            m.group(1),
                            (System.nanoTime() - deadline + timeout.toNanos()) / 1_000_000);
                    return new JvmProcess(name, process, Integer.parseInt(m.group(1)), err, printed + read(err));
                }
                if (process.waitFor(20, TimeUnit.MILLISECONDS)) {
                    throw new BenchException(name + " exited with " + process.exitValue() + " before listening: "
                            + tail(read(err)) + " (command: " + String.join(" ", command) + ")");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        throw new BenchException(name + " printed no URL within " + timeout.toSeconds() + " s: " + tail(read(err)));
    }

    /** Runs a short command to its end and returns its stdout. */
    static String run(List<String> command, Duration timeout) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new BenchException("timed out: " + String.join(" ", command));
            }
            if (p.exitValue() != 0) {
                throw new BenchException("exit " + p.exitValue() + " from " + String.join(" ", command) + ": "
                        + tail(new String(output, StandardCharsets.UTF_8)));
            }
            return new String(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BenchException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted: " + String.join(" ", command), e);
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /**
     * What the process had printed (stdout, then stderr) when its URL line appeared: its notices
     * and start line, which say how it was set up (the server's FAQ bot engine, for one).
     */
    String startOutput() {
        return startOutput;
    }

    /** Resident set size from {@code /proc/PID/status}, in bytes; empty where there is no /proc. */
    Optional<Long> rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Optional.of(Long.parseLong(line.replaceAll("\\D", "")) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The process's open-files limit from {@code /proc/PID/limits}, or empty. */
    Optional<Long> maxOpenFiles() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "limits"))) {
                if (line.startsWith("Max open files")) {
                    return Optional.of(Long.parseLong(line.substring(26).trim().split("\\s+")[0]));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * Heap in use after a full collection, in bytes: {@code jcmd PID GC.run} (twice, so objects
     * with finalizers or weak references left by the first one go too), then the "used" figures
     * of {@code jcmd PID GC.heap_info}, Metaspace excluded. Empty when jcmd cannot attach.
     */
    Optional<Long> heapUsedAfterGc(String jcmd) {
        try {
            run(List.of(jcmd, Long.toString(pid()), "GC.run"), Duration.ofSeconds(60));
            run(List.of(jcmd, Long.toString(pid()), "GC.run"), Duration.ofSeconds(60));
            String info = run(List.of(jcmd, Long.toString(pid()), "GC.heap_info"), Duration.ofSeconds(30));
            long kib = 0;
            boolean found = false;
            for (String line : info.split("\n")) {
                if (line.contains("Metaspace") || line.contains("class space")) {
                    continue;
                }
                Matcher m = USED.matcher(line);
                if (m.find()) {
                    kib += Long.parseLong(m.group(1));
                    found = true;
                }
            }
            return found ? Optional.of(kib * 1024) : Optional.empty();
        } catch (BenchException e) {
            return Optional.empty();
        }
    }

    /** SIGKILL (no shutdown hook, no goodbye to anyone), then waits until the process is gone. */
    void kill() {
        try {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("{} killed (SIGKILL)", name);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String name() {
        return name;
    }

    /** SIGTERM (the server's shutdown hook closes sockets with 1001), then a kill after 5 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        long start = System.nanoTime();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                log.warn("{} still running 5 s after SIGTERM; killing it", name);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        log.info("{} stopped in {} ms", name, (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ", port " + port + ", log " + stderr + ")";
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String text) {
        String t = text.strip();
        return t.length() > 1500 ? "..." + t.substring(t.length() - 1500) : t;
    }
}
