package dev.concierge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the processes under test, each in its own JVM with the same flags: the product
 * ({@code serve --port 0 --data FRESH_DIR}, with the generated FAQ) and the echo baseline.
 */
final class Servers {
    private static final Logger log = LoggerFactory.getLogger(Servers.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    static final String DEMO_USERNAME = "demo";
    static final String DEMO_PASSWORD = "demo-password";
    /** The server's default concurrent chats per agent, when it takes no {@code --max-chats}. */
    static final int DEFAULT_MAX_CHATS = 5;

    private static final String BENCH_PASSWORD = "bench-password";

    private final BenchOptions options;
    private final Path workDir;
    private final Path faq;
    private final AtomicInteger started = new AtomicInteger();
    /** The options {@code serve} lists in its usage; null until first asked. */
    private Set<String> serveFlags;

    private String agentOptionsNote = "";

    Servers(BenchOptions options, Path workDir) {
        this.options = options;
        this.workDir = workDir;
        this.faq =
                options.faqEntries() > 0 ? SyntheticFaq.write(workDir.resolve("faq.json"), options.faqEntries()) : null;
    }

    /** Agent sign-in. */
    record Credentials(String username, String password) {}

    /**
     * A started product server and how its agents get conversations.
     *
     * @param process the server
     * @param agents accounts to sign in with, one socket each
     * @param takeFromQueue true when the agents must {@code accept} queued conversations
     *                      themselves (the server's per-agent cap is lower than the load)
     */
    record Product(
            JvmProcess process, List<Credentials> agents, boolean takeFromQueue, Optional<Postgres.Schema> schema) {}

    /** {@code java} with the run's JVM flags. */
    List<String> java() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options.jvmFlags());
        return cmd;
    }

    /** The JDK's jcmd next to this JVM's java, or the one on the PATH. */
    static String jcmd() {
        Path own = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        return Files.isExecutable(own) ? own.toString() : "jcmd";
    }

    /**
     * The product with the demo agent and the default cap; with the generated FAQ when
     * {@code bot} is true (loading a large FAQ takes a while, so only the bot and handoff phases
     * pay for it; the others keep the server's small sample FAQ).
     */
    JvmProcess product(String name, boolean bot) {
        return JvmProcess.start(name, serveCommand(List.of(), bot), workDir, START_TIMEOUT);
    }

    /**
     * The product with {@code agents} accounts of {@code maxChats} conversations each, passed as
     * {@code --agents FILE --max-chats N}. A server without those options (they are not in every
     * version) gets the demo agent only: then it takes conversations beyond its cap from the
     * queue with {@code accept}, on one socket.
     */
    Product productWithAgents(String name, int agents, int maxChats) {
        if (supports("--agents") && supports("--max-chats")) {
            List<String> extra = new ArrayList<>(
                    List.of("--agents", agentsFile(agents).toString(), "--max-chats", Integer.toString(maxChats)));
            Optional<Postgres.Schema> schema = postgres().map(pg -> pg.createSchema("bench"));
            schema.ifPresent(sc -> extra.addAll(List.of("--db", sc.jdbcUrl())));
            try {
                JvmProcess p = JvmProcess.start(
                        name,
                        serveCommand(extra, false),
                        schema.map(Postgres.Schema::serverEnv).orElse(Map.of()),
                        workDir,
                        START_TIMEOUT);
                return new Product(p, accounts(agents), false, schema);
            } catch (BenchException e) {
                schema.ifPresent(Postgres.Schema::close);
                if (schema.isPresent()) {
                    throw e;
                }
                agentOptionsNote = "serve refused --agents/--max-chats (" + firstLine(e.getMessage()) + ")";
                log.warn("{}", agentOptionsNote);
            }
        } else {
            agentOptionsNote = "serve has no --agents/--max-chats";
        }
        agentOptionsNote += ": relay used the demo agent on one socket, accepting queued conversations beyond its cap";
        return new Product(
                product(name, false), List.of(new Credentials(DEMO_USERNAME, DEMO_PASSWORD)), true, Optional.empty());
    }

    /** The run's PostgreSQL ({@code --db}), if it has one. */
    Optional<Postgres> postgres() {
        return options.db().map(Postgres::fromEnvironment);
    }

    private static List<Credentials> accounts(int agents) {
        List<Credentials> accounts = new ArrayList<>();
        for (int i = 1; i <= agents; i++) {
            accounts.add(new Credentials("bench-" + i, BENCH_PASSWORD));
        }
        return accounts;
    }

    /**
     * A cluster of {@code nodes} nodes {@code n1..nN}: a NATS server of its own, a fresh schema,
     * and one {@code serve --db SCHEMA --cluster NATS --node-id nI --agents FILE --max-chats N}
     * per node (its own data directory and port), started in parallel; returns once every node
     * answers {@code GET /api/ready} with 200.
     */
    Cluster cluster(int nodes, int agents, int maxChats) {
        Postgres pg = postgres().orElseThrow(() -> new BenchException("a cluster needs --db"));
        Path agentsFile = agentsFile(agents);
        NatsServer nats = NatsServer.start(workDir);
        Postgres.Schema schema;
        try {
            schema = pg.createSchema("bench");
        } catch (RuntimeException e) {
            nats.close();
            throw e;
        }
        Cluster cluster = new Cluster(nats, schema, accounts(agents));
        try {
            List<java.util.concurrent.CompletableFuture<JvmProcess>> starting = new ArrayList<>();
            for (int i = 1; i <= nodes; i++) {
                String id = "n" + i;
                List<String> extra = List.of(
                        "--agents", agentsFile.toString(),
                        "--max-chats", Integer.toString(maxChats),
                        "--db", schema.jdbcUrl(),
                        "--cluster", nats.url(),
                        "--node-id", id);
                List<String> cmd = serveCommand(extra, false);
                starting.add(java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> JvmProcess.start("node-" + id, cmd, schema.serverEnv(), workDir, START_TIMEOUT)));
            }
            BenchException failed = null;
            for (var f : starting) {
                try {
                    cluster.nodes.add(f.join());
                } catch (java.util.concurrent.CompletionException e) {
                    failed = e.getCause() instanceof BenchException b ? b : new BenchException(e.getMessage(), e);
                }
            }
            if (failed != null) {
                throw failed;
            }
            cluster.awaitReady(Duration.ofSeconds(60));
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * A running cluster: node {@code i} (from 0) is {@code n(i+1)}. Closing stops every node
     * (SIGTERM), then the NATS server, and drops the schema.
     */
    static final class Cluster implements AutoCloseable {
        final NatsServer nats;
        final Postgres.Schema schema;
        final List<Credentials> agents;
        final List<JvmProcess> nodes = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2))
                .build();

        private Cluster(NatsServer nats, Postgres.Schema schema, List<Credentials> agents) {
            this.nats = nats;
            this.schema = schema;
            this.agents = agents;
        }

        static String id(int index) {
            return "n" + (index + 1);
        }

        /** The index of the node with id {@code nodeId}, or -1. */
        static int index(String nodeId) {
            return nodeId != null && nodeId.matches("n[1-9]") ? nodeId.charAt(1) - '1' : -1;
        }

        /** Waits until every live node answers {@code GET /api/ready} with 200. */
        void awaitReady(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (JvmProcess node : nodes) {
                while (node.isAlive() && !ready(node)) {
                    if (System.nanoTime() > deadline) {
                        throw new BenchException(
                                node + " not ready (GET /api/ready) within " + timeout.toSeconds() + " s");
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new BenchException("interrupted", e);
                    }
                }
            }
        }

        boolean ready(JvmProcess node) {
            try {
                var response = http.send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create("http://127.0.0.1:" + node.port() + "/api/ready"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
                return response.statusCode() == 200;
            } catch (java.io.IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** The deciding node's index, from the lease in the schema, waiting up to 30 s for one. */
        int decider() {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                int i = schema.lease().map(l -> index(l.holder())).orElse(-1);
                if (i >= 0 && i < nodes.size() && nodes.get(i).isAlive()) {
                    return i;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            throw new BenchException("no live node holds the decider lease in " + schema);
        }

        @Override
        public void close() {
            for (JvmProcess node : nodes) {
                node.close();
            }
            nats.close();
            schema.close();
        }
    }

    /**
     * Whether {@code serve} takes {@code flag}, from the server's usage text ({@code help}),
     * read once. Cheaper than starting a server to see it refuse an option.
     */
    boolean supports(String flag) {
        if (serveFlags == null) {
            List<String> cmd = serverMain();
            cmd.add("help");
            Set<String> flags = new HashSet<>();
            Matcher m = Pattern.compile("--[a-z][a-z-]*").matcher(JvmProcess.run(cmd, START_TIMEOUT));
            while (m.find()) {
                flags.add(m.group());
            }
            serveFlags = flags;
        }
        return serveFlags.contains(flag);
    }

    /**
     * Lifts the server's per-connection message rate limit (20 messages/s by default, right for
     * people, not for a load client that sends each message as soon as the last was answered),
     * where the server has {@code --rate-limit PER_SECOND,BURST}.
     */
    private List<String> rateLimitArgs() {
        return supports("--rate-limit") ? List.of("--rate-limit", "1000000,1000000") : List.of();
    }

    /** Empty, or how relay had to work around missing server options. */
    String agentOptionsNote() {
        return agentOptionsNote;
    }

    /** The echo baseline, from this bench's own classpath. */
    JvmProcess echo() {
        List<String> cmd = java();
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), EchoServer.class.getName(), "--port", "0"));
        return JvmProcess.start("echo-baseline", cmd, workDir, START_TIMEOUT);
    }

    private List<String> serveCommand(List<String> extra, boolean bot) {
        Path data = workDir.resolve("data-" + started.incrementAndGet());
        List<String> cmd = serverMain();
        cmd.addAll(List.of("serve", "--port", "0", "--data", data.toString()));
        if (bot && faq != null) {
            cmd.addAll(List.of("--faq", faq.toString()));
        }
        cmd.addAll(rateLimitArgs());
        // A server older than semantic matching has no --lexical, and needs none: words are all it matches.
        options.botEngineFlag()
                .filter(flag -> !flag.equals("--lexical") || supports(flag))
                .ifPresent(cmd::add);
        cmd.addAll(options.serverArgs());
        cmd.addAll(extra);
        return cmd;
    }

    /** {@code java FLAGS -jar JAR} or {@code java FLAGS -cp CP dev.concierge.server.Main}. */
    private List<String> serverMain() {
        List<String> cmd = java();
        if (options.serverJar() != null) {
            cmd.addAll(List.of("-jar", options.serverJar().toString()));
        } else {
            cmd.addAll(List.of("-cp", options.serverClasspath(), "dev.concierge.server.Main"));
        }
        return cmd;
    }

    /**
     * The agents file, {@code {"agents":[{"id","name","username","passwordHash"}]}}, all with one
     * password hashed once by the server's own {@code hash-password} command.
     */
    private Path agentsFile(int agents) {
        Path file = workDir.resolve("agents.json");
        List<String> hashCmd = serverMain();
        hashCmd.addAll(List.of("hash-password", BENCH_PASSWORD));
        String[] lines = JvmProcess.run(hashCmd, START_TIMEOUT).strip().split("\n");
        String hash = lines[lines.length - 1].strip();
        List<Map<String, String>> accounts = new ArrayList<>();
        for (int i = 1; i <= agents; i++) {
            Map<String, String> a = new LinkedHashMap<>();
            a.put("id", "bench-" + i);
            a.put("name", "Bench Agent " + i);
            a.put("username", "bench-" + i);
            a.put("passwordHash", hash);
            accounts.add(a);
        }
        try {
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), Map.of("agents", accounts));
        } catch (IOException e) {
            throw new BenchException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    private static String firstLine(String s) {
        String t = s == null ? "" : s.strip();
        int nl = t.indexOf('\n');
        String line = nl < 0 ? t : t.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
