package dev.concierge.server.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real load balancer ({@code haproxy} from Debian's package, which {@code .ci/nats.sh} installs)
 * in front of cluster nodes, in a process of its own on a loopback port: one URL for clients that
 * must reach "any node", as behind a real deployment. HTTP and WebSocket requests go round-robin to
 * the nodes whose {@code GET /api/ready} answers 200 (checked every 200 ms; a node is out after
 * two failed checks and back after one good one); a request that cannot connect to a node is sent
 * to another.
 *
 * <p>Optionally haproxy closes the client connections of a node it marks down (its
 * {@code on-marked-down shutdown-sessions}), as a load balancer does for a frozen node whose
 * sockets stay open but silent; and optionally it starts every connection to a node, its health
 * checks too, with a PROXY protocol v2 header ({@code send-proxy-v2 check-send-proxy}), for nodes
 * started with {@code --trusted-proxy 127.0.0.1/32}. The configuration is the one of
 * docs/scaling.md, "A load balancer: HAProxy", on loopback and with shorter check intervals.
 */
public final class HaproxyProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);

    private final Process process;
    private final int port;
    private final Path dir;
    private final Path log;

    private HaproxyProcess(Process process, int port, Path dir, Path log) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.log = log;
    }

    /** Starts haproxy on a free loopback port in front of {@code nodes} (their base URLs). */
    public static HaproxyProcess start(List<URI> nodes) throws IOException {
        return start(nodes, false);
    }

    /**
     * Starts haproxy on a free loopback port in front of {@code nodes} (their base URLs) and returns
     * once it accepts connections. Fails (never skips) when {@code haproxy} is not installed.
     *
     * @param closeSessionsOfDownNodes whether the client connections of a node marked down are
     *     closed (else they stay until the node or the client closes them)
     */
    public static HaproxyProcess start(List<URI> nodes, boolean closeSessionsOfDownNodes) throws IOException {
        return start(nodes, closeSessionsOfDownNodes, false);
    }

    /**
     * Starts haproxy as {@link #start(List, boolean)} does; with {@code proxyProtocol} every
     * connection to a node (health checks included) starts with a PROXY protocol v2 header naming
     * the client, which the nodes must trust ({@code --trusted-proxy 127.0.0.1/32}).
     */
    public static HaproxyProcess start(List<URI> nodes, boolean closeSessionsOfDownNodes, boolean proxyProtocol)
            throws IOException {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("nodes must not be empty");
        }
        Path binary = binary();
        Path dir = Files.createTempDirectory("concierge-haproxy-");
        int port = freePort();
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, config(port, nodes, closeSessionsOfDownNodes, proxyProtocol), StandardCharsets.UTF_8);
        Path log = dir.resolve("haproxy.log");
        Process process = new ProcessBuilder(binary.toString(), "-db", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        HaproxyProcess haproxy = new HaproxyProcess(process, port, dir, log);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!haproxy.accepts()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String said = Files.readString(log, StandardCharsets.UTF_8);
                haproxy.close();
                throw new IOException("haproxy did not listen on port " + port + " within "
                        + READY_TIMEOUT.toSeconds() + " s; its output:\n" + said + "\nits configuration:\n"
                        + config(port, nodes, closeSessionsOfDownNodes, proxyProtocol));
            }
            try {
                Thread.sleep(20); // polling interval, not synchronisation: the deadline decides
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                haproxy.close();
                throw new IOException("interrupted waiting for haproxy", e);
            }
        }
        return haproxy;
    }

    /** The {@code haproxy} executable: {@code /usr/sbin/haproxy}, else the first on PATH. */
    public static Path binary() {
        Path debian = Path.of("/usr/sbin/haproxy");
        if (Files.isExecutable(debian)) {
            return debian;
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "haproxy"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new AssertionError("haproxy is not installed (looked for /usr/sbin/haproxy"
                        + " and on PATH). Run `bash .ci/nats.sh` as root: it installs Debian's haproxy."));
    }

    /** The base URL clients use: {@code http://127.0.0.1:PORT/}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    /** The loopback port haproxy listens on. */
    public int port() {
        return port;
    }

    /**
     * What haproxy wrote so far: its warnings, such as {@code Server nodes/node2 is DOWN, reason:
     * Layer4 connection problem} when a node's checks fail and {@code ... is UP} when they pass
     * again (servers are named {@code node1..nodeN} in the order of the URLs given).
     */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(haproxy's output is unreadable: " + e + ")";
        }
    }

    /** Stops haproxy (SIGKILL: it holds no state) and deletes its configuration and log. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // temp files: left for the OS to clean up
        }
    }

    @Override
    public String toString() {
        return "haproxy " + baseUri();
    }

    /** The configuration: one frontend, the nodes as one round-robin backend checked on /api/ready. */
    static String config(int port, List<URI> nodes, boolean closeSessionsOfDownNodes, boolean proxyProtocol) {
        StringBuilder cfg = new StringBuilder();
        cfg.append("global\n")
                .append("  maxconn 4096\n")
                .append("defaults\n")
                .append("  mode http\n")
                .append("  timeout connect 1s\n")
                .append("  timeout client 60s\n")
                .append("  timeout server 60s\n")
                // an upgraded WebSocket is a tunnel: idle for as long as a chat is quiet
                .append("  timeout tunnel 1h\n")
                .append("  retries 1\n") // with redispatch: a refused connection goes to another node
                .append("  option redispatch\n")
                .append("frontend clients\n")
                .append("  bind 127.0.0.1:")
                .append(port)
                .append('\n')
                .append("  default_backend nodes\n")
                .append("backend nodes\n")
                .append("  balance roundrobin\n")
                .append("  option httpchk\n")
                .append("  http-check send meth GET uri /api/ready\n")
                .append("  http-check expect status 200\n")
                .append("  default-server inter 200ms fall 2 rise 1")
                .append(closeSessionsOfDownNodes ? " on-marked-down shutdown-sessions" : "")
                .append('\n');
        for (int i = 0; i < nodes.size(); i++) {
            URI node = nodes.get(i);
            cfg.append("  server node")
                    .append(i + 1)
                    .append(' ')
                    .append(node.getHost())
                    .append(':')
                    .append(node.getPort())
                    .append(" check")
                    // the PROXY protocol v2 on every connection; health checks send it too (LOCAL)
                    .append(proxyProtocol ? " send-proxy-v2 check-send-proxy" : "")
                    .append('\n');
        }
        return cfg.toString();
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
