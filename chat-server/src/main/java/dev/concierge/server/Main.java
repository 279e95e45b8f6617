package dev.concierge.server;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The command line: {@code serve} runs the server; {@code bot-eval} measures the FAQ bot;
 * {@code hash-password} makes a hash for an agents file. The {@code ./concierge} script at the
 * repository root calls this.
 */
public final class Main {
    private Main() {}

    /** Entry point; see {@link #usage()}. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.print(usage());
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "serve" -> serve(rest, System.out);
            case "bot-eval" -> botEval(rest);
            case "hash-password" -> {
                if (rest.length != 1) {
                    fail("usage: concierge hash-password PASSWORD");
                }
                System.out.println(PasswordHasher.hash(rest[0], PasswordHasher.DEFAULT_ITERATIONS));
            }
            default -> fail("unknown command: " + args[0] + "\n\n" + usage());
        }
    }

    private static void botEval(String[] args) throws Exception {
        // Looked up by name so the server does not depend on the evaluation tool's internals.
        Class.forName("dev.concierge.bot.BotEval").getMethod("main", String[].class).invoke(null, (Object) args);
    }

    static String usage() {
        return """
                Concierge: embeddable live chat and FAQ bot for the JVM.

                usage: concierge COMMAND [options]

                commands:
                  serve [--port N] [--host ADDR] [--faq FILE] [--data DIR] [--db JDBC_URL]
                        [--agents FILE] [--sites FILE] [--max-chats N] [--routing STRATEGY] [--queue-alert SECONDS]
                        [--business-hours "mon-fri 09:00-17:00 ZONE"] [--origin ORIGIN]...
                        [--rate-limit PER_SECOND,BURST] [--max-connections-per-ip N]
                        run the server (default port 8080; --port 0 takes a free port) with the sample
                        FAQ unless --faq is given; prints the demo page and agent console URLs.
                        Data in SQLite under --data (default ./data), or PostgreSQL with --db
                        (or CONCIERGE_DB_URL; login from CONCIERGE_DB_USER / CONCIERGE_DB_PASSWORD).
                        --agents: JSON team file: agents with password hashes, departments, canned
                        replies (default: demo agents demo and sam); --max-chats: concurrent chats
                        per agent (default 5); --routing: least-busy (default), round-robin or
                        department; --queue-alert: seconds a visitor waits before the console is
                        alerted (default 120); --business-hours: when people answer (default always);
                        --sites: JSON file of the sites embedding the widget: greeting, colours,
                        position, language, department, pre-chat form, allowed origins, identity
                        secret (docs/widget.md; default: the built-in site "demo");
                        --origin: a page origin allowed to open WebSockets (repeatable; without
                        it any origin may, for the demo); --rate-limit: messages per second and
                        burst per socket (default 20,200); --max-connections-per-ip (default 50)
                        [--bot-idle-close MINUTES] [--queued-gone-after MINUTES]
                        [--retention-days DAYS] [--purge-interval MINUTES]
                        retention (docs/storage.md): a chat with the bot idle this long closes
                        (default 30); a queued visitor gone this long becomes a follow-up when they
                        left an email or are signed in, else the chat closes (default 15); closed
                        chats older than DAYS are purged with their visitors (default 90, 0 keeps
                        them forever), checked every --purge-interval minutes (default 60)
                  bot-eval --train TRAIN.csv --test TEST.csv [--shots N] [--oos-label LABEL]
                        measure the FAQ bot on labelled questions (see docs/faq.md)
                  hash-password PASSWORD
                        print a salted PBKDF2 hash for an agents file
                  test  run every test (the launcher script runs Maven and the browser tests)
                  help  this text
                """;
    }

    private static void serve(String[] args, PrintStream out) throws Exception {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // Netty samples one buffer in 128 for leak tracking and records a stack trace for it:
            // about 4% of the event loops' CPU under relay load (bench --profile cpu). A production
            // server runs without it; -Dio.netty.leakDetection.level=simple (or paranoid) turns it on.
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
        ChatServer.Builder builder = ChatServer.builder();
        Path data = Path.of("data");
        String dbUrl = System.getenv("CONCIERGE_DB_URL");
        List<String> list = new ArrayList<>(List.of(args));
        List<String> origins = new ArrayList<>();
        boolean demoTeam = true;
        for (int i = 0; i < list.size(); i++) {
            String flag = list.get(i);
            String value = i + 1 < list.size() ? list.get(i + 1) : null;
            if (value == null) {
                fail(flag + " needs a value");
            }
            switch (flag) {
                case "--port" -> builder.port(parsePort(value));
                case "--host" -> builder.host(value);
                case "--faq" -> {
                    Path faq = Path.of(value);
                    if (!Files.isRegularFile(faq)) {
                        fail("--faq: no such file: " + faq.toAbsolutePath());
                    }
                    builder.faq(faq);
                }
                case "--data" -> data = Path.of(value);
                case "--db" -> dbUrl = value;
                case "--agents" -> {
                    builder.agentsFile(Path.of(value));
                    demoTeam = false;
                }
                case "--routing" -> builder.routing(value);
                case "--queue-alert" -> builder.queueAlertAfter(java.time.Duration.ofSeconds(parsePositive(flag, value)));
                case "--business-hours" -> builder.businessHours(BusinessHours.parse(value));
                case "--sites" -> {
                    try {
                        builder.sitesFile(Path.of(value), System::getenv);
                    } catch (ServerException e) {
                        fail("--sites: " + e.getMessage());
                    }
                }
                case "--max-chats" -> builder.maxChatsPerAgent(parsePositive(flag, value));
                case "--origin" -> origins.add(value);
                case "--rate-limit" -> {
                    String[] parts = value.split(",", -1);
                    if (parts.length != 2) {
                        fail("--rate-limit must be PER_SECOND,BURST, was " + value);
                    }
                    builder.rateLimit(parsePositive(flag, parts[0]), parsePositive(flag, parts[1]));
                }
                case "--max-connections-per-ip" -> builder.maxConnectionsPerIp(parsePositive(flag, value));
                // Retention and erasure (docs/storage.md): in minutes, and days.
                case "--bot-idle-close" -> builder.botIdleClose(java.time.Duration.ofMinutes(parsePositive(flag, value)));
                case "--queued-gone-after" ->
                        builder.queuedVisitorGoneAfter(java.time.Duration.ofMinutes(parsePositive(flag, value)));
                case "--retention-days" -> {
                    try {
                        builder.retentionDays(Integer.parseInt(value));
                    } catch (IllegalArgumentException e) { // NumberFormatException included
                        fail("--retention-days must be 0 (keep forever) to 36500, was " + value);
                    }
                }
                case "--purge-interval" -> builder.purgeInterval(java.time.Duration.ofMinutes(parsePositive(flag, value)));
                default -> fail("unknown option for serve: " + flag);
            }
            i++;
        }
        Files.createDirectories(data);
        builder.dataDir(data);
        if (dbUrl != null && !dbUrl.isBlank()) {
            builder.database(dbUrl, System.getenv("CONCIERGE_DB_USER"), System.getenv("CONCIERGE_DB_PASSWORD"));
        }
        if (origins.isEmpty()) {
            // The demo: pages of any origin may embed the widget. Name origins to lock it down.
            builder.allowAnyOrigin(true);
            out.println("WebSocket Origin check is OFF (any origin may connect); pass --origin to restrict it");
        } else {
            try {
                builder.allowedOrigins(origins);
            } catch (IllegalArgumentException e) {
                fail("--origin: " + e.getMessage());
            }
        }
        ChatServer server = builder.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "concierge-shutdown"));
        String base = server.baseUri().toString();
        out.println("Concierge is running at " + base);
        out.println("  Demo page with the widget: " + base + "demo/");
        if (demoTeam) {
            out.println("  Agent console:             " + base + "console/   (sign in as "
                    + ChatServer.Builder.DEMO_USERNAME + " / " + ChatServer.Builder.DEMO_PASSWORD + ", orders and returns;");
            out.println("                             in a second window as " + ChatServer.Builder.DEMO2_USERNAME + " / "
                    + ChatServer.Builder.DEMO2_PASSWORD + ", billing, to try transfers)");
        } else {
            out.println("  Agent console:             " + base + "console/");
        }
        out.println("  Stored in:                 " + (dbUrl != null && !dbUrl.isBlank()
                ? "PostgreSQL " + dbUrl.replaceAll("password=[^&]*", "password=***")
                : data.toAbsolutePath().resolve("concierge.db") + " (SQLite)"));
        out.println("Press Ctrl+C to stop.");
        out.flush();
        stopped.await();
    }

    private static int parsePositive(String flag, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        fail(flag + " must be a positive number, was " + value);
        return -1;
    }

    private static int parsePort(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            fail("--port must be a number, was " + value);
            return -1;
        }
    }

    private static void fail(String message) {
        System.err.println(message);
        System.exit(2);
    }
}
