package dev.concierge.server;

import dev.concierge.bot.BotEval;
import dev.concierge.server.auth.PasswordHasher;
import io.netty.util.ResourceLeakDetector;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
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
            case "bot-eval" -> BotEval.main(rest);
            case "hash-password" -> {
                if (rest.length != 1) {
                    fail("usage: concierge hash-password PASSWORD");
                }
                System.out.println(PasswordHasher.hash(rest[0], PasswordHasher.DEFAULT_ITERATIONS));
            }
            default -> fail("unknown command: " + args[0] + "\n\n" + usage());
        }
    }

    /**
     * The help text of the product: {@code java -jar concierge.jar help} prints it, and so does
     * the {@code ./concierge} launcher (its {@code test}, {@code bench} and {@code build} commands
     * are the launcher's own).
     */
    static String usage() {
        return """
                Concierge: embeddable live chat and FAQ bot for the JVM.

                usage: ./concierge COMMAND [options]     (or: java -jar concierge.jar COMMAND [options])

                commands:
                  serve [--port N] [--host ADDR] [--faq FILE] [--data DIR] [--db JDBC_URL]
                        [--agents FILE] [--sites FILE] [--max-chats N] [--routing STRATEGY] [--queue-alert SECONDS]
                        [--business-hours "mon-fri 09:00-17:00 ZONE"] [--origin ORIGIN]...
                        [--rate-limit PER_SECOND,BURST] [--max-connections-per-ip N] [--max-connections N]
                        [--login-throttle PER_USER_AND_ADDRESS,PER_ADDRESS,PER_USER,REFILL_SECONDS]
                        [--admin-token-file FILE] [--demo] [--cluster nats://HOST:PORT [--node-id ID]]
                        [--trusted-proxy ADDRESS_OR_CIDR]... [--semantic] [--lexical]
                        run the server (default 127.0.0.1:8080; --port 0 takes a free port) with the
                        sample FAQ unless --faq is given; prints the demo page and agent console URLs.
                        Data in SQLite under --data (default ./data), or PostgreSQL with --db
                        (or CONCIERGE_DB_URL; login from CONCIERGE_DB_USER / CONCIERGE_DB_PASSWORD).
                        FAQ edits from the console go to the --faq file, or to a copy of the sample
                        FAQ in the data directory.
                        --agents: JSON team file: agents with password hashes, roles, departments,
                        canned replies (docs/agents.md; default: demo agents demo and sam, on a
                        loopback --host only); --max-chats: concurrent chats per agent (default 5);
                        --routing: least-busy (default), round-robin or department; --queue-alert:
                        seconds a visitor waits before the console is alerted (default 120);
                        --business-hours: when people answer (default always);
                        --sites: JSON file of the sites embedding the widget: greeting, colours,
                        position, language, department, pre-chat form, allowed origins, identity
                        secret (docs/widget.md; default: the built-in site "demo");
                        --origin: a page origin allowed to open WebSockets (repeatable; without it,
                        on a loopback --host, any origin may, for the demo; a site's allowedOrigins
                        always apply); --rate-limit: messages per second and burst per socket
                        (default 20,200); --max-connections-per-ip (default 50); --max-connections:
                        open connections in all (default 20000); --login-throttle: failed sign-ins
                        allowed per username and address, per address and per username, and the
                        seconds until each gets one back (default 5,20,20,60; docs/agents.md);
                        --admin-token-file: file holding the admin API's bearer token, 16+
                        characters (or CONCIERGE_ADMIN_TOKEN; default: admin API off); --demo:
                        allow the demo agents and any origin on a --host other than loopback
                        (refused without it); --cluster: run as a node of
                        a cluster sharing --db (PostgreSQL, required) and this NATS server
                        (docs/scaling.md); --node-id: this node's unique id (default host-pid);
                        --trusted-proxy: a load balancer (127.0.0.1, 10.0.0.0/8, ::1; repeatable)
                        whose connections start with a PROXY protocol header (haproxy send-proxy-v2)
                        naming the client, whose address then counts for limits and logs.
                        [--bot-idle-close MINUTES] [--queued-gone-after MINUTES]
                        [--retention-days DAYS] [--purge-interval MINUTES]
                        retention (docs/storage.md): a chat with the bot idle this long closes
                        (default 30); a queued visitor gone this long becomes a follow-up when they
                        left an email or are signed in, else the chat closes (default 15); closed
                        chats older than DAYS are purged with their visitors (default 90, 0 keeps
                        them forever), checked every --purge-interval minutes (default 60)
                        [--smtp smtp://HOST:587|smtps://HOST:465] [--mail-from "Name <a@domain>"]
                        (together) send the email follow-up (docs/email.md) through that server
                        (STARTTLS required except on loopback; credentials from
                        CONCIERGE_SMTP_USER and CONCIERGE_SMTP_PASSWORD). The demo without --smtp
                        (demo agents, loopback, no proxy) keeps the mails in memory and lists them
                        at /dev/mail (the development mailbox, this machine only);
                        [--dev-mailbox] turns it on for another server, [--no-dev-mailbox] off.
                        [--mail-reply-delay SECONDS] [--mail-alert-after SECONDS]
                        [--mail-transcripts-per-visitor N] [--mail-per-address N] [--mail-per-site N]
                        an agent's reply to a visitor who left is mailed after SECONDS unless read
                        in the chat (default 120); agents asking for it are mailed when a visitor
                        waits this long (default 300); limits: transcripts per visitor per hour
                        (3), mails per address per 24 h (10), per site per hour (500) (docs/email.md)
                        [--imap imaps://HOST:993/INBOX] [--imap-poll SECONDS] [--mail-reply-domain D]
                        read visitors' replies to that mail (reply+TOKEN@D, D defaulting to the
                        --mail-from domain) from the mailbox: IDLE, else a look every SECONDS
                        (default 30); imap:// only to loopback; CONCIERGE_IMAP_USER,
                        CONCIERGE_IMAP_PASSWORD, and CONCIERGE_MAIL_REPLY_SECRET (32+ characters,
                        _PREVIOUS while rotating) from the environment. Needs --smtp.
                        [--webhook-allow loopback,private,link-local,CIDR...] [--webhook-allow-http]
                        webhooks (docs/integrations.md) go to public https URLs only; these let
                        them reach the listed private targets, and plain http://
                        [--attachment-max-file SIZE] [--attachment-max-conversation SIZE]
                        files attached to messages: largest upload (default 10MB) and most kept per
                        conversation (50MB); SIZE in bytes or with KB, MB, GB (docs/attachments.md)
                        [--clamd HOST:PORT] scan every upload with that clamd
                        [--public-url URL] where people reach this server (https://chat.example.com):
                        transcript exports and emails link the files messages carry under it
                        [--semantic] [--lexical] the FAQ bot also matches by meaning (English
                        knowledge bases) whenever bot-semantic/target/concierge-semantic.jar is on
                        the class path, which ./concierge adds once built; --semantic requires it,
                        --lexical leaves it out (docs/faq.md, "Semantic matching")
                        [--bot-precision P] the share of the bot's answers its threshold aims to
                        get right (default 0.9): higher answers less often and declines more
                        questions the FAQ does not cover (docs/faq.md, "Choosing the precision")
                  bot-eval (--train TRAIN.csv | --faq FAQ.json) --test TEST.csv [--shots N|1,3,5,10,all]
                        [--oos-label LABEL] [--oos-every K] [--engine lexical|semantic|fused]
                        [--precision P] measure the FAQ bot on labelled questions (see docs/faq.md)
                  hash-password PASSWORD
                        print a salted PBKDF2 hash for an agents file
                  test  (launcher) build and run every test: Java unit and end-to-end tests (Maven),
                        the widget's unit tests and the browser tests (node + Debian's chromium)
                  bench [--visitors N] [--agents M] [--duration S] [--json FILE] [--db URL|postgres]
                        [--nodes N]
                        (launcher) start the server in its own process and measure relay, bot,
                        handoff and capacity against a raw Netty echo baseline (docs/performance.md);
                        --db: relay on PostgreSQL, a fresh schema per server; --nodes N: a NATS server
                        and N cluster nodes beside one PostgreSQL server (relay and handoff across
                        nodes, takeover after kill -9 of the decider, targets); bench --help: all
                  build (launcher) rebuild the server jar
                  help  this text
                """;
    }

    private static void serve(String[] args, PrintStream out) throws Exception {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // Netty samples one buffer in 128 for leak tracking and records a stack trace for it:
            // about 4% of the event loops' CPU under relay load (bench --profile cpu). A production
            // server runs without it; -Dio.netty.leakDetection.level=simple (or paranoid) turns it on.
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        ChatServer.Builder builder = ChatServer.builder();
        ServeOptions options;
        try {
            options = ServeOptions.parse(List.of(args), System::getenv, InetAddress::getAllByName);
            options.configure(builder);
        } catch (ServeOptions.UsageException e) {
            fail(e.getMessage());
            return;
        }
        Path data = options.data();
        Files.createDirectories(data);
        builder.dataDir(data);
        Optional<String> dbUrl = options.dbUrl();
        if (dbUrl.isPresent()) {
            builder.database(dbUrl.get(), System.getenv("CONCIERGE_DB_USER"), System.getenv("CONCIERGE_DB_PASSWORD"));
        }
        options.notices().forEach(out::println);
        ChatServer server = builder.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            stopped.countDown();
                        },
                        "concierge-shutdown"));
        String base = server.baseUri().toString();
        out.println("Concierge is running at " + base);
        out.println("  Demo page with the widget: " + base + "demo/");
        if (options.demoTeam()) {
            out.println("  Agent console:             " + base + "console/   (sign in as "
                    + ChatServer.Builder.DEMO_USERNAME + " / " + ChatServer.Builder.DEMO_PASSWORD
                    + ", orders and returns;");
            out.println("                             in a second window as " + ChatServer.Builder.DEMO2_USERNAME
                    + " / " + ChatServer.Builder.DEMO2_PASSWORD + ", billing, to try transfers)");
        } else {
            out.println("  Agent console:             " + base + "console/");
        }
        if (options.devMailbox()) {
            out.println(
                    "  Development mailbox:       " + base + "dev/mail   (the mails it would send; this machine only)");
        }
        out.println("  Stored in:                 "
                + dbUrl.map(url -> "PostgreSQL " + url.replaceAll("password=[^&]*", "password=***"))
                        .orElse(data.toAbsolutePath().resolve("concierge.db") + " (SQLite)"));
        out.println("Press Ctrl+C to stop.");
        out.flush();
        stopped.await();
    }

    private static void fail(String message) {
        System.err.println(message);
        System.exit(2);
    }
}
