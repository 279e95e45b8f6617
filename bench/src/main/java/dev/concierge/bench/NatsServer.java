package dev.concierge.bench;

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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The NATS server of a cluster run: {@code nats-server} from the PATH (or Debian's
 * {@code /usr/sbin/nats-server}) on a free loopback port, owned by the bench: started before the
 * nodes, killed after them, with its monitoring port open on loopback for its message counters.
 * Its output goes to {@code nats-server.log} in the run's directory.
 */
final class NatsServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final int monitorPort;

    private NatsServer(Process process, int port, int monitorPort) {
        this.process = process;
        this.port = port;
        this.monitorPort = monitorPort;
    }

    /**
     * The server's message counters ({@code GET /varz} of its monitoring port): messages and
     * bytes received from publishers and delivered to subscribers since it started.
     */
    record Traffic(long inMsgs, long outMsgs, long inBytes, long outBytes) {
        static final Traffic UNKNOWN = new Traffic(-1, -1, -1, -1);

        /** What happened between {@code before} and this; unknown if either is. */
        Traffic since(Traffic before) {
            return inMsgs < 0 || before.inMsgs < 0
                    ? UNKNOWN
                    : new Traffic(
                            inMsgs - before.inMsgs,
                            outMsgs - before.outMsgs,
                            inBytes - before.inBytes,
                            outBytes - before.outBytes);
        }
    }

    /** The counters now, or {@link Traffic#UNKNOWN} when the monitoring port does not answer. */
    Traffic traffic() {
        try (java.io.InputStream in = java.net
                .URI
                .create("http://127.0.0.1:" + monitorPort + "/varz")
                .toURL()
                .openStream()) {
            com.fasterxml.jackson.databind.JsonNode v = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
            return new Traffic(
                    v.path("in_msgs").asLong(-1),
                    v.path("out_msgs").asLong(-1),
                    v.path("in_bytes").asLong(-1),
                    v.path("out_bytes").asLong(-1));
        } catch (IOException e) {
            return Traffic.UNKNOWN;
        }
    }

    /** Starts it and returns once it greets a connection with its {@code INFO} line. */
    static NatsServer start(Path logDir) {
        Path binary = binary();
        BenchException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a probed port may be taken before the server binds it
            int port = freePort();
            int monitor = freePort();
            Process p;
            try {
                p = new ProcessBuilder(
                                binary.toString(),
                                "-a",
                                "127.0.0.1",
                                "-p",
                                Integer.toString(port),
                                "-m",
                                Integer.toString(monitor))
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(
                                logDir.resolve("nats-server.log").toFile()))
                        .start();
            } catch (IOException e) {
                throw new BenchException("cannot start " + binary + ": " + e.getMessage(), e);
            }
            NatsServer nats = new NatsServer(p, port, monitor);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (p.isAlive() && System.nanoTime() < deadline) {
                if (nats.greeting().filter(l -> l.startsWith("INFO ")).isPresent()) {
                    return nats;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            nats.close();
            last = new BenchException(
                    "nats-server did not start on port " + port + " (log: " + logDir.resolve("nats-server.log") + ")");
        }
        throw last;
    }

    /** {@code nats-server} on the PATH, else {@code /usr/sbin/nats-server}. */
    static Path binary() {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/sbin", "/usr/local/sbin"))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "nats-server"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new BenchException("nats-server is not installed (looked on the PATH and in"
                        + " /usr/sbin): install it (Debian: apt-get install nats-server; or bash .ci/nats.sh)"));
    }

    String url() {
        return "nats://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Optional<String> greeting() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            socket.setSoTimeout(1000);
            return Optional.ofNullable(
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                            .readLine());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int freePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new BenchException("no free port: " + e.getMessage(), e);
        }
    }
}
