package dev.concierge.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A cluster of real server processes on this machine: nodes {@code n1..nN}, each a {@code serve}
 * process with its own data directory and port, sharing one {@link NatsProcess} and one
 * {@link PostgresSchema}. Every node runs
 * {@code serve --port P --data DIR --db SCHEMA_URL --cluster NATS_URL --node-id nI EXTRA_ARGS}
 * with the database login in its environment.
 *
 * <p>Nodes are numbered from 1, like their ids: {@code node(1)} is {@code n1}. {@link #close()}
 * kills every node, stops the NATS server, drops the schema and deletes the data directories.
 */
public final class ClusterNodes implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final NatsProcess nats;
    private final PostgresSchema schema;
    private final Path root;
    private final List<Node> nodes = new ArrayList<>();
    private UnaryOperator<String> dbUrl = UnaryOperator.identity();
    private Map<String, String> env = Map.of();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** What a node is started with, kept to start it again the same way. */
    private static final class Node {
        final String id;
        final Path dataDir;
        final List<String> extraArgs;
        ServerProcess process;

        Node(String id, Path dataDir, List<String> extraArgs) {
            this.id = id;
            this.dataDir = dataDir;
            this.extraArgs = List.copyOf(extraArgs);
        }
    }

    private ClusterNodes(NatsProcess nats, PostgresSchema schema, Path root) {
        this.nats = nats;
        this.schema = schema;
        this.root = root;
    }

    /** Starts {@code count} nodes with the same {@code extraArgs}; see {@link #start(int, IntFunction)}. */
    public static ClusterNodes start(int count, String... extraArgs) throws Exception {
        List<String> args = List.of(extraArgs);
        return start(count, number -> args);
    }

    /**
     * Starts a NATS server, creates a schema and starts {@code count} nodes in parallel; returns
     * once every node listens (not necessarily {@link #awaitReady() ready}). If any node fails to
     * start, everything started is closed again and the failure (with the node's output) thrown.
     *
     * @param extraArgs the extra arguments of node number 1..count
     */
    public static ClusterNodes start(int count, IntFunction<List<String>> extraArgs) throws Exception {
        return start(count, UnaryOperator.identity(), extraArgs);
    }

    /**
     * As {@link #start(int, IntFunction)}, the nodes reaching the database at {@code dbUrl} of the
     * schema's URL (through a {@link TcpRelay}, say).
     */
    public static ClusterNodes start(int count, UnaryOperator<String> dbUrl, IntFunction<List<String>> extraArgs)
            throws Exception {
        return start(count, dbUrl, Map.of(), extraArgs);
    }

    /**
     * As {@link #start(int, IntFunction)}, every node's process with {@code env} added to its
     * environment (JVM options in {@code JAVA_TOOL_OPTIONS}, say), also when it is restarted.
     */
    public static ClusterNodes start(int count, Map<String, String> env, IntFunction<List<String>> extraArgs)
            throws Exception {
        return start(count, UnaryOperator.identity(), env, extraArgs);
    }

    private static ClusterNodes start(
            int count, UnaryOperator<String> dbUrl, Map<String, String> env, IntFunction<List<String>> extraArgs)
            throws Exception {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1: " + count);
        }
        NatsProcess nats = NatsProcess.startOnFreePort();
        ClusterNodes cluster;
        try {
            cluster = new ClusterNodes(nats, PostgresSchema.create(), Files.createTempDirectory("concierge-cluster-"));
            cluster.dbUrl = dbUrl;
            cluster.env = Map.copyOf(env);
        } catch (Throwable e) {
            nats.close();
            throw e;
        }
        try {
            List<Node> added = new ArrayList<>();
            for (int number = 1; number <= count; number++) {
                added.add(cluster.newNode(number, extraArgs.apply(number)));
            }
            cluster.startAll(added);
            return cluster;
        } catch (Throwable e) {
            cluster.close();
            throw e;
        }
    }

    /** Starts one more node, {@code n(count()+1)}, and returns its number. */
    public synchronized int add(String... extraArgs) throws Exception {
        Node node = newNode(nodes.size() + 1, List.of(extraArgs));
        startAll(List.of(node));
        return nodes.size();
    }

    /** How many nodes the cluster has (running or not). */
    public synchronized int count() {
        return nodes.size();
    }

    /** The process of node {@code number} (1 for {@code n1}): the current one after a {@link #restart}. */
    public synchronized ServerProcess node(int number) {
        return entry(number).process;
    }

    /** The node id of node {@code number}: {@code "n" + number}. */
    public String nodeId(int number) {
        return "n" + number;
    }

    /** Each node's base URL ({@code http://127.0.0.1:PORT/}), node 1 first. */
    public synchronized List<URI> uris() {
        return nodes.stream().map(n -> n.process.baseUri()).toList();
    }

    /** The NATS server all nodes use: stop and start it to take the broker away and back. */
    public NatsProcess nats() {
        return nats;
    }

    /** The schema all nodes share. */
    public PostgresSchema schema() {
        return schema;
    }

    /** The data directory of node {@code number}, kept across restarts. */
    public synchronized Path dataDir(int number) {
        return entry(number).dataDir;
    }

    /**
     * Starts node {@code number} again with the same arguments, data directory and node id,
     * after killing it (SIGKILL) if it still runs. It gets its old port back, so that lists of the
     * nodes' URLs stay valid; only if that port cannot be had it gets a new one.
     *
     * @return the new process
     */
    public synchronized ServerProcess restart(int number) throws Exception {
        Node node = entry(number);
        int port = node.process.port;
        node.process.kill();
        try {
            node.process = launch(node, port);
        } catch (Exception samePort) {
            try {
                node.process = launch(node, 0);
            } catch (Exception anyPort) {
                anyPort.addSuppressed(samePort);
                throw anyPort;
            }
        }
        return node.process;
    }

    /**
     * Waits until every running node answers {@code GET /api/ready} with 200 (it knows a
     * decider), up to 30 s.
     */
    public void awaitReady() {
        for (int number = 1; number <= count(); number++) {
            if (node(number).isAlive()) {
                awaitReady(number);
            }
        }
    }

    /** Waits until node {@code number} answers {@code GET /api/ready} with 200, up to 30 s. */
    public void awaitReady(int number) {
        Await.value("node " + nodeId(number) + " to be ready (GET /api/ready 200)", READY_TIMEOUT, () -> {
            ServerProcess process = node(number);
            if (!process.isAlive()) {
                throw new AssertionError("node " + nodeId(number) + " exited; its last output:\n" + process.output());
            }
            return ready(process) ? Optional.of(true) : Optional.<Boolean>empty();
        });
    }

    /** Whether node {@code number} answers {@code GET /api/health} with 200 now (liveness). */
    public boolean live(int number) {
        return answers200(node(number), "/api/health");
    }

    /** Whether node {@code number} answers {@code GET /api/ready} with 200 now. */
    public boolean ready(int number) {
        return ready(node(number));
    }

    /** Kills every node, stops the NATS server, drops the schema, deletes the data directories. */
    @Override
    public void close() {
        List<Node> all;
        synchronized (this) {
            all = List.copyOf(nodes);
        }
        for (Node node : all) {
            if (node.process != null) {
                node.process.close();
            }
        }
        nats.close();
        try {
            schema.close();
        } catch (Exception e) {
            System.err.println("could not drop " + schema + ": " + e);
        }
        deleteRecursively(root);
    }

    @Override
    public synchronized String toString() {
        return "cluster of " + nodes.size() + " nodes on " + nats + " and " + schema;
    }

    private Node newNode(int number, List<String> extraArgs) throws IOException {
        String id = nodeId(number);
        Node node = new Node(id, Files.createDirectory(root.resolve(id)), extraArgs);
        synchronized (this) {
            nodes.add(node);
        }
        return node;
    }

    private synchronized Node entry(int number) {
        if (number < 1 || number > nodes.size()) {
            throw new IllegalArgumentException(
                    "node numbers run from 1 (n1) to " + nodes.size() + ", like the node ids: " + number);
        }
        return nodes.get(number - 1);
    }

    /** Starts the nodes in parallel threads: each start takes seconds. */
    private void startAll(List<Node> toStart) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(toStart.size());
        try {
            List<Future<ServerProcess>> started = new ArrayList<>();
            for (Node node : toStart) {
                started.add(pool.submit(() -> launch(node, 0)));
            }
            AssertionError failures = null;
            for (int i = 0; i < toStart.size(); i++) {
                try {
                    toStart.get(i).process = started.get(i).get();
                } catch (ExecutionException e) {
                    if (failures == null) {
                        failures = new AssertionError("cluster nodes failed to start");
                    }
                    failures.addSuppressed(new AssertionError(
                            "node " + toStart.get(i).id + " failed to start: " + e.getCause(), e.getCause()));
                }
            }
            if (failures != null) {
                throw failures;
            }
        } finally {
            pool.shutdown();
        }
    }

    private ServerProcess launch(Node node, int port) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--db", dbUrl.apply(schema.jdbcUrl()),
                "--cluster", nats.url(),
                "--node-id", node.id));
        args.addAll(node.extraArgs);
        Map<String, String> environment = new java.util.HashMap<>(schema.serverEnv());
        environment.putAll(env);
        return ServerProcess.start(node.dataDir, port, environment, args.toArray(String[]::new));
    }

    private boolean ready(ServerProcess process) {
        return answers200(process, "/api/ready");
    }

    private boolean answers200(ServerProcess process, String path) {
        try {
            HttpResponse<Void> response = http.send(
                    HttpRequest.newBuilder(process.baseUri().resolve(path))
                            .timeout(Duration.ofSeconds(2))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
