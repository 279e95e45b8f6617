package dev.concierge.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The bench's command line, parsed and checked. A run with {@code --duration 2} or less (or
 * {@code --smoke}) is a smoke run: small loads, so that the whole run takes well under a minute.
 *
 * @param serverJar the server's runnable jar ({@code --server-jar}), or null with a classpath
 * @param serverClasspath a classpath holding the server ({@code --server-cp}), or null with a jar
 * @param relaySizes concurrent conversations of each relay run ({@code --visitors N[,N...]})
 * @param agents agent accounts sharing the relay conversations when the server accepts an agents file
 * @param duration measurement time of each phase ({@code --duration S})
 * @param json where to write the JSON report too ({@code --json FILE})
 * @param idleVisitors idle visitors of the capacity phase ({@code --idle N})
 * @param botVisitors visitors asking the bot at once ({@code --bot-visitors N})
 * @param handoffSizes transcript lengths of the handoff phase ({@code --handoff-sizes 10,200})
 * @param faqEntries entries of the generated knowledge base; 0 keeps the server's sample FAQ
 * @param jvmFlags flags of the server and baseline JVMs ({@code --jvm-flags "..."})
 * @param serverArgs extra arguments for every {@code serve} ({@code --server-arg A}, repeatable)
 * @param smoke whether this is a smoke run
 * @param phases the phases to run ({@code --only relay,bot}); all by default
 * @param repeat rounds of baseline and relay, alternating ({@code --repeat N}; 1 by default)
 * @param profile the async-profiler event to profile each measurement window with ({@code --profile EVENT}), if any
 * @param profileDir where the flame graphs go ({@code --profile-dir DIR}; {@code bench-profiles} by default)
 * @param protocol the protocol version the load clients say hello with ({@code --protocol N}; the newest by default)
 * @param db the PostgreSQL server relay runs on ({@code --db URL}, {@code --db postgres} for
 *     {@link Postgres#DEFAULT_URL}; each server a fresh schema), or empty for the default store (SQLite)
 * @param nodes cluster nodes ({@code --nodes N}, at least 2), or 0: no cluster phase
 * @param keepOpen whether the cluster's relay conversations stay open through the takeover
 *     ({@code --keep-open}), so that the new decider recovers them all
 * @param botEngine the FAQ bot engine asked of every server ({@code --bot-engine}): {@code default}
 *     (the server's own choice: semantic matching too whenever its jar is on the class path),
 *     {@code lexical} ({@code serve --lexical}) or {@code semantic} ({@code serve --semantic})
 * @param botReworded whether the bot phase asks its questions reworded ({@code --bot-reworded}),
 *     see {@link BotPhase#reworded(String)}
 */
record BenchOptions(
        Path serverJar,
        String serverClasspath,
        List<Integer> relaySizes,
        int agents,
        Duration duration,
        Optional<Path> json,
        int idleVisitors,
        int botVisitors,
        List<Integer> handoffSizes,
        int faqEntries,
        List<String> jvmFlags,
        List<String> serverArgs,
        boolean smoke,
        List<String> phases,
        int repeat,
        Optional<String> profile,
        Path profileDir,
        int protocol,
        Optional<String> db,
        int nodes,
        boolean keepOpen,
        String botEngine,
        boolean botReworded) {

    static final List<String> PHASES = List.of("baseline", "relay", "bot", "handoff", "capacity", "cluster");
    /** The phases of a run with {@code --nodes}, unless {@code --only} says otherwise. */
    static final List<String> CLUSTER_PHASES = List.of("baseline", "relay", "cluster");

    /** The values of {@code --bot-engine}. */
    static final List<String> BOT_ENGINES = List.of("default", "lexical", "semantic");

    static final List<String> DEFAULT_JVM_FLAGS = List.of("-Xms1g", "-Xmx2g", "-XX:+UseG1GC");

    static String usage() {
        return """
                usage: concierge-bench (--server-jar JAR | --server-cp CLASSPATH) [options]
                  --visitors N[,N...]   concurrent conversations of the relay phase (default 1000; smoke 50)
                  --agents M            agent accounts for relay, if the server takes --agents FILE (default 10; smoke 2)
                  --duration S          seconds of measurement per phase (default 10; 2 or less = smoke run)
                  --json FILE           also write the JSON report to FILE
                  --idle N              idle visitors of the capacity phase (default 10000; smoke 500)
                  --bot-visitors N      visitors asking the bot at once (default 100; smoke 20)
                  --handoff-sizes A,B   transcript lengths for the handoff phase (default 10,200)
                  --faq-entries N       generated FAQ size, 0 for the server's sample FAQ (default 1000; smoke 200)
                  --jvm-flags "F ..."   flags of the server and baseline JVMs (default "-Xms1g -Xmx2g -XX:+UseG1GC")
                  --server-arg ARG      extra argument for the server's serve command (repeatable)
                  --bot-engine E        the FAQ bot's engine in every server: default (the server's choice: semantic
                                        matching too whenever bot-semantic's jar is on its class path, as
                                        ./concierge bench puts it once built), lexical (serve --lexical: words only)
                                        or semantic (serve --semantic); the report says which engine answered
                  --bot-reworded        ask the bot's questions in lower case without "?": no longer word for word
                                        a phrasing, whose vector the fused engine keeps, so it runs its model on
                                        each, as for most visitors' questions
                  --smoke               small loads whatever the duration
                  --only P[,P...]       run only these of baseline, relay, bot, handoff, capacity (e.g. to profile one)
                  --repeat N            run baseline and relay N times, alternating, and report each pair's ratio and
                                        the median (default 1); the host's speed drifts, so compare medians
                  --profile EVENT       profile the server during each measurement window with async-profiler
                                        (cpu, alloc, wall, lock or itimer): one HTML flame graph per window, and
                                        the same samples as collapsed stacks (.collapsed, one line per stack)
                  --profile-dir DIR     where the flame graphs go (default bench-profiles)
                  --protocol N          protocol version of the load clients' hellos, 1 or 2 (default 2: a message's own
                                        event acknowledges it; 1 adds an ack frame per message, docs/protocol.md)
                  --db URL              run relay on PostgreSQL: serve --db URL?currentSchema=bench_<random>, a fresh
                                        schema per server, created and dropped by the bench; "postgres" for
                                        jdbc:postgresql://127.0.0.1:5432/concierge_test (.ci/postgres.sh); login from
                                        CONCIERGE_DB_USER / CONCIERGE_DB_PASSWORD (default concierge / concierge)
                  --nodes N             cluster run: a NATS server and N nodes (serve --cluster) on one PostgreSQL
                                        schema (--db, default as above); runs baseline, relay on one PostgreSQL node
                                        and the cluster phase: cross-node handoff and relay, takeover after kill -9
                                        of the deciding node, acknowledged messages checked against the store, and
                                        the targets PASS/FAIL (nats-server from the PATH or /usr/sbin)
                  --keep-open           with --nodes: leave relay's conversations open through the takeover, so
                                        that the new decider recovers them all (by default the agents close them)
                """;
    }

    /** Parses the command line; bad values throw {@link BenchException} naming the option. */
    static BenchOptions parse(String... args) {
        Path jar = null;
        String cp = null;
        String visitors = null;
        Integer agents = null;
        double seconds = 10;
        Path json = null;
        Integer idle = null;
        Integer bot = null;
        String handoff = "10,200";
        Integer faq = null;
        List<String> flags = DEFAULT_JVM_FLAGS;
        List<String> serverArgs = new ArrayList<>();
        boolean smoke = false;
        List<String> phases = PHASES;
        int repeat = 1;
        String profile = null;
        Path profileDir = Path.of("bench-profiles");
        int protocol = Hellos.NEWEST;
        String db = null;
        int nodes = 0;
        boolean only = false;
        boolean keepOpen = false;
        String botEngine = "default";
        boolean botReworded = false;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--bot-reworded")) {
                botReworded = true;
                continue;
            }
            if (flag.equals("--smoke")) {
                smoke = true;
                continue;
            }
            if (flag.equals("--keep-open")) {
                keepOpen = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new BenchException(flag + " needs a value\n" + usage());
            }
            String value = args[++i];
            switch (flag) {
                case "--server-jar" -> jar = Path.of(value);
                case "--server-cp" -> cp = value;
                case "--visitors" -> visitors = value;
                case "--agents" -> agents = positive(flag, value);
                case "--duration" -> seconds = positiveSeconds(value);
                case "--json" -> json = Path.of(value);
                case "--idle" -> idle = positive(flag, value);
                case "--bot-visitors" -> bot = positive(flag, value);
                case "--handoff-sizes" -> handoff = value;
                case "--faq-entries" -> faq = nonNegative(flag, value);
                case "--jvm-flags" ->
                    flags = value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
                case "--server-arg" -> serverArgs.add(value);
                case "--only" -> {
                    phases = phases(value);
                    only = true;
                }
                case "--db" -> db = value.equals("postgres") ? Postgres.DEFAULT_URL : jdbcUrl(value);
                case "--nodes" -> nodes = clusterSize(value);
                case "--repeat" -> repeat = positive(flag, value);
                case "--profile" -> profile = profileEvent(value);
                case "--profile-dir" -> profileDir = Path.of(value);
                case "--protocol" -> protocol = protocolVersion(value);
                case "--bot-engine" -> botEngine = botEngine(value);
                default -> throw new BenchException("unknown option: " + flag + "\n" + usage());
            }
        }
        if ((jar == null) == (cp == null)) {
            throw new BenchException("give exactly one of --server-jar and --server-cp\n" + usage());
        }
        smoke = smoke || seconds <= 2;
        if (nodes > 0) {
            db = db != null ? db : Postgres.DEFAULT_URL;
            phases = only ? phases : CLUSTER_PHASES;
        } else if (!only) {
            phases = PHASES.stream().filter(p -> !p.equals("cluster")).toList();
        } else if (phases.contains("cluster")) {
            throw new BenchException("--only cluster needs --nodes N");
        }
        List<Integer> relay = visitors != null ? list("--visitors", visitors) : List.of(smoke ? 50 : 1000);
        return new BenchOptions(
                jar,
                cp,
                relay,
                agents != null ? agents : smoke ? 2 : 10,
                Duration.ofMillis((long) (seconds * 1000)),
                Optional.ofNullable(json),
                idle != null ? idle : smoke ? 500 : 10_000,
                bot != null ? bot : smoke ? 20 : 100,
                list("--handoff-sizes", handoff),
                faq != null ? faq : smoke ? 200 : 1000,
                List.copyOf(flags),
                List.copyOf(serverArgs),
                smoke,
                phases,
                repeat,
                Optional.ofNullable(profile),
                profileDir,
                protocol,
                Optional.ofNullable(db),
                nodes,
                keepOpen,
                botEngine,
                botReworded);
    }

    private static String botEngine(String value) {
        if (!BOT_ENGINES.contains(value)) {
            throw new BenchException("--bot-engine takes one of " + BOT_ENGINES + ", was " + value);
        }
        return value;
    }

    /** The {@code serve} flag that asks for {@link #botEngine()}: none for the server's default. */
    Optional<String> botEngineFlag() {
        return botEngine.equals("default") ? Optional.empty() : Optional.of("--" + botEngine);
    }

    private static String jdbcUrl(String value) {
        if (!value.startsWith("jdbc:postgresql://")) {
            throw new BenchException("--db takes jdbc:postgresql://HOST:PORT/DATABASE or postgres, was " + value);
        }
        return value;
    }

    private static int clusterSize(String value) {
        int n = nonNegative("--nodes", value);
        if (n < 2 || n > 9) {
            throw new BenchException("--nodes must be between 2 and 9, was " + value);
        }
        return n;
    }

    boolean runs(String phase) {
        return phases.contains(phase);
    }

    private static String profileEvent(String value) {
        if (!WindowProfiler.EVENTS.contains(value)) {
            throw new BenchException("--profile: unknown event " + value + "; events: " + WindowProfiler.EVENTS);
        }
        return value;
    }

    private static List<String> phases(String value) {
        List<String> out = new ArrayList<>();
        for (String p : value.split(",")) {
            if (!PHASES.contains(p.trim())) {
                throw new BenchException("--only: unknown phase " + p + "; phases: " + PHASES);
            }
            out.add(p.trim());
        }
        return List.copyOf(out);
    }

    /**
     * Warm-up before each measurement window: half of it, between 0.5 and 5 s (the servers' JIT
     * compilers are still busy a few seconds into relay).
     */
    Duration warmup() {
        long ms = Math.max(500, Math.min(5000, duration.toMillis() / 2));
        return Duration.ofMillis(ms);
    }

    /**
     * The longest warm-up (see {@link Warmup}): 60 s, so that the product is measured once its
     * JIT compilers are done; the smoke run ({@code --duration} of 2 s or less) keeps the minimum.
     */
    Duration warmupCap() {
        return duration.toMillis() <= 2000 ? warmup() : Duration.ofSeconds(60);
    }

    private static List<Integer> list(String flag, String value) {
        List<Integer> out = new ArrayList<>();
        for (String part : value.split(",")) {
            out.add(positive(flag, part.trim()));
        }
        return List.copyOf(out);
    }

    private static int positive(String flag, String value) {
        int n = nonNegative(flag, value);
        if (n == 0) {
            throw new BenchException(flag + " must be at least 1, was " + value);
        }
        return n;
    }

    private static int nonNegative(String flag, String value) {
        try {
            int n = Integer.parseInt(value.replace("_", ""));
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BenchException(flag + " must be a whole number >= 0, was " + value);
        }
    }

    private static double positiveSeconds(String value) {
        try {
            double s = Double.parseDouble(value);
            if (!(s > 0) || s > 3600) {
                throw new NumberFormatException();
            }
            return s;
        } catch (NumberFormatException e) {
            throw new BenchException("--duration must be seconds between 0 and 3600, was " + value);
        }
    }

    private static int protocolVersion(String value) {
        return switch (value) {
            case "1" -> 1;
            case "2" -> 2;
            default -> throw new BenchException("--protocol must be 1 or 2, got " + value);
        };
    }
}
