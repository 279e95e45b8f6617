package dev.concierge.server.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real NATS server ({@code nats-server} from Debian's package, which {@code .ci/nats.sh}
 * installs) in a process of its own on a loopback port. It can be stopped and started again on the
 * same port, so that tests can take the broker away from running cluster nodes and give it back.
 *
 * <p>Each start appends the server's output to {@link #log()}; failures quote its end.
 */
public final class NatsProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Path binary;
    private final int port;
    private final Path log;
    private Process process;

    private NatsProcess(Path binary, int port, Path log) {
        this.binary = binary;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts a NATS server on a free loopback port and returns once it greets connections with its
     * {@code INFO} line. Fails (never skips) when {@code nats-server} is not installed.
     */
    public static NatsProcess startOnFreePort() throws IOException {
        Path binary = binary();
        Path log = Files.createTempFile("concierge-nats-", ".log");
        IOException last = null;
        // A free port may be taken by someone else between probing and binding: try a few.
        for (int attempt = 0; attempt < 3; attempt++) {
            NatsProcess nats = new NatsProcess(binary, freePort(), log);
            try {
                nats.start();
                return nats;
            } catch (IOException e) {
                last = e;
                nats.close();
            }
        }
        throw last;
    }

    /** The {@code nats-server} executable: {@code /usr/sbin/nats-server}, else the first on PATH. */
    public static Path binary() {
        Path debian = Path.of("/usr/sbin/nats-server");
        if (Files.isExecutable(debian)) {
            return debian;
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "nats-server"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new AssertionError("nats-server is not installed (looked for /usr/sbin/nats-server"
                        + " and on PATH). Run `bash .ci/nats.sh` as root: it installs Debian's nats-server."));
    }

    /** The URL clients connect to: {@code nats://127.0.0.1:PORT}. */
    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** The loopback port the server listens on; the same across {@link #stop()} and {@link #start()}. */
    public int port() {
        return port;
    }

    /** The file the server's output is appended to, across all its starts. */
    public Path log() {
        return log;
    }

    /** Whether the server process runs. */
    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /**
     * Starts the server (again) on {@link #port()} and returns once it accepts a TCP connection and
     * greets it with {@code INFO}; does nothing when it runs already.
     *
     * @throws IOException when it exits or does not greet within 15 s (with the end of its log)
     */
    public synchronized void start() throws IOException {
        if (running()) {
            return;
        }
        process = new ProcessBuilder(binary.toString(), "-a", "127.0.0.1", "-p", String.valueOf(port))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("nats-server on port " + port + " exited with " + process.exitValue()
                        + " before it listened; the end of its log:\n" + logTail());
            }
            Optional<String> greeting = greeting();
            if (greeting.filter(line -> line.startsWith("INFO ")).isPresent()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IOException("nats-server on port " + port + " did not greet with INFO within "
                        + READY_TIMEOUT.toSeconds() + " s (got " + greeting.orElse("no connection")
                        + "); the end of its log:\n" + logTail());
            }
            try {
                Thread.sleep(20); // polling interval, not synchronisation: the deadline decides
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for nats-server", e);
            }
        }
    }

    /**
     * Stops the server with SIGTERM (SIGKILL after 10 s) and waits until it is gone, so that
     * clients lose their connections and nothing listens on the port until {@link #start()}.
     */
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
    }

    /** Kills the server with SIGKILL (no goodbye to its clients) and waits until it is gone. */
    public synchronized void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("nats-server (pid " + process.pid() + ") still runs 10 s after SIGKILL");
        }
    }

    /** Kills the server if it runs and deletes its log. */
    @Override
    public synchronized void close() {
        try {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // a temp file: left for the OS to clean up
        }
    }

    @Override
    public String toString() {
        return "nats-server " + url();
    }

    /** The first line the server sends on a new connection, if it accepts one within a second. */
    private Optional<String> greeting() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            socket.setSoTimeout(1000);
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            return Optional.ofNullable(in.readLine());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
