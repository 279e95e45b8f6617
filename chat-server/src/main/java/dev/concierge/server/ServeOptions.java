package dev.concierge.server;

import dev.concierge.bot.Embedder;
import dev.concierge.server.auth.Site;
import dev.concierge.server.auth.SitesFile;
import dev.concierge.server.cluster.ClusterSettings;
import dev.concierge.server.routing.BusinessHours;
import dev.concierge.server.support.ServerException;
import dev.concierge.server.transport.TrustedProxies;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The options of {@code concierge serve}, parsed and checked before anything starts. The
 * zero-configuration demo (the demo agents {@code demo} and {@code sam}, WebSockets from any
 * page origin) is only for a loopback address: bound to any other address the server refuses to
 * start without a team file ({@code --agents}) and a list of page origins ({@code --origin}, or
 * sites that declare theirs), unless {@code --demo} asks for the demo there on purpose.
 */
final class ServeOptions {
    /** The environment variables of the SMTP server's credentials (never flags: {@code ps} shows flags). */
    static final String SMTP_USER_ENV = "CONCIERGE_SMTP_USER";

    /** See {@link #SMTP_USER_ENV}. */
    static final String SMTP_PASSWORD_ENV = "CONCIERGE_SMTP_PASSWORD";

    /** The environment variables of the reply mailbox's credentials (never flags). */
    static final String IMAP_USER_ENV = "CONCIERGE_IMAP_USER";

    static final String IMAP_PASSWORD_ENV = "CONCIERGE_IMAP_PASSWORD";
    /** The reply-token key, at least 32 characters, and the previous one while rotating. */
    static final String REPLY_SECRET_ENV = "CONCIERGE_MAIL_REPLY_SECRET";

    static final String REPLY_SECRET_PREVIOUS_ENV = "CONCIERGE_MAIL_REPLY_SECRET_PREVIOUS";

    /** The environment variable that may hold the admin API's token (instead of a file). */
    static final String ADMIN_TOKEN_ENV = "CONCIERGE_ADMIN_TOKEN";

    /** A bad command line: the message says what is wrong and how to fix it. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** Looks up the addresses of a host name (or parses a literal address). */
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final List<Consumer<ChatServer.Builder>> settings = new ArrayList<>();
    private final List<String> notices = new ArrayList<>();
    private String host = "127.0.0.1";
    private Path data = Path.of("data");
    private Optional<String> dbUrl;
    private boolean demoTeam = true;
    private boolean demo;
    private boolean devMailbox;

    private ServeOptions(Optional<String> dbUrl) {
        this.dbUrl = dbUrl;
    }

    /** Whether the demo agents sign in (no {@code --agents}). */
    boolean demoTeam() {
        return demoTeam;
    }

    /** Whether the server keeps its mails for the development mailbox page ({@code /dev/mail}). */
    boolean devMailbox() {
        return devMailbox;
    }

    /** The data directory (SQLite and the editable FAQ copy). */
    Path data() {
        return data;
    }

    /** The PostgreSQL URL, when one was given (flag or {@code CONCIERGE_DB_URL}). */
    Optional<String> dbUrl() {
        return dbUrl;
    }

    /** Lines to print before the server starts (what is open, what is off). */
    List<String> notices() {
        return List.copyOf(notices);
    }

    /** Applies the options to a builder. */
    void configure(ChatServer.Builder builder) {
        settings.forEach(s -> s.accept(builder));
    }

    /**
     * Parses {@code serve}'s arguments. {@code environment} gives {@code CONCIERGE_DB_URL} and
     * {@link #ADMIN_TOKEN_ENV}; {@code resolver} decides whether {@code --host} is loopback.
     *
     * @throws UsageException for a bad or unsafe command line
     */
    static ServeOptions parse(List<String> args, Function<String, String> environment, Resolver resolver) {
        return parse(args, environment, resolver, Embedder::find);
    }

    /**
     * {@link #parse(List, Function, Resolver)} with the semantic model {@code embedders} finds
     * (the one on the class path, for {@code serve}), used unless {@code --lexical} is given.
     */
    static ServeOptions parse(
            List<String> args,
            Function<String, String> environment,
            Resolver resolver,
            Supplier<Optional<Embedder>> embedders) {
        ServeOptions o = new ServeOptions(
                Optional.ofNullable(environment.apply("CONCIERGE_DB_URL")).filter(s -> !s.isBlank()));
        List<String> origins = new ArrayList<>();
        List<String> trustedProxies = new ArrayList<>();
        Map<String, Site> sites = Map.of();
        Optional<String> adminToken = Optional.empty();
        boolean agents = false;
        Optional<String> cluster = Optional.empty();
        Optional<String> nodeId = Optional.empty();
        MailFlags mail = new MailFlags();
        WebhookFlags webhooks = new WebhookFlags();
        AttachmentFlags attachments = new AttachmentFlags();
        Optional<String> matching = Optional.empty();
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            if (flag.equals("--demo")) {
                o.demo = true;
                continue;
            }
            if (flag.equals("--semantic") || flag.equals("--lexical")) {
                if (matching.isPresent() && !matching.get().equals(flag)) {
                    throw new UsageException("--semantic and --lexical exclude each other: keep one");
                }
                matching = Optional.of(flag);
                continue;
            }
            if (mail.takeSwitch(flag) || webhooks.takeSwitch(flag)) {
                continue;
            }
            if (i + 1 >= args.size()) {
                throw new UsageException(flag + " needs a value");
            }
            String value = args.get(++i);
            try {
                switch (flag) {
                    case "--port" -> {
                        int port = number(flag, value, 0);
                        o.set(flag, b -> b.port(port));
                    }
                    case "--host" -> {
                        o.host = value;
                        o.set(flag, b -> b.host(value));
                    }
                    case "--faq" -> {
                        Path faq = Path.of(value);
                        if (!Files.isRegularFile(faq)) {
                            throw new UsageException("--faq: no such file: " + faq.toAbsolutePath());
                        }
                        o.set(flag, b -> b.faq(faq));
                    }
                    case "--data" -> o.data = Path.of(value);
                    case "--db" -> o.dbUrl = Optional.of(value);
                    case "--cluster" -> cluster = Optional.of(value);
                    case "--node-id" -> nodeId = Optional.of(value);
                    case "--agents" -> {
                        Path file = Path.of(value);
                        agents = true;
                        o.demoTeam = false;
                        o.set(flag, b -> b.agentsFile(file));
                    }
                    case "--admin-token-file" -> adminToken = Optional.of(readToken(Path.of(value), o.notices));
                    case "--routing" -> o.set(flag, b -> b.routing(value));
                    case "--queue-alert" -> {
                        int seconds = number(flag, value, 1);
                        o.set(flag, b -> b.queueAlertAfter(Duration.ofSeconds(seconds)));
                    }
                    case "--business-hours" -> {
                        BusinessHours hours = BusinessHours.parse(value);
                        o.set(flag, b -> b.businessHours(hours));
                    }
                    case "--sites" -> {
                        Path file = Path.of(value);
                        try {
                            sites = SitesFile.read(file, environment);
                        } catch (ServerException e) {
                            throw new UsageException("--sites: " + e.getMessage());
                        }
                        o.set(flag, b -> b.sitesFile(file, environment));
                    }
                    case "--max-chats" -> {
                        int n = number(flag, value, 1);
                        o.set(flag, b -> b.maxChatsPerAgent(n));
                    }
                    case "--bot-precision" -> {
                        double precision = fraction(flag, value);
                        o.set(flag, b -> b.botPrecision(precision));
                    }
                    case "--origin" -> origins.add(value);
                    case "--trusted-proxy" -> trustedProxies.add(value);
                    case "--rate-limit" -> {
                        String[] parts = value.split(",", -1);
                        if (parts.length != 2) {
                            throw new UsageException("--rate-limit must be PER_SECOND,BURST, was " + value);
                        }
                        int rate = number(flag, parts[0], 1);
                        int burst = number(flag, parts[1], 1);
                        o.set(flag, b -> b.rateLimit(rate, burst));
                    }
                    case "--max-connections-per-ip" -> {
                        int n = number(flag, value, 1);
                        o.set(flag, b -> b.maxConnectionsPerIp(n));
                    }
                    case "--login-throttle" -> {
                        String[] parts = value.split(",", -1);
                        if (parts.length != 4) {
                            throw new UsageException(
                                    "--login-throttle must be PER_USER_AND_ADDRESS,PER_ADDRESS,PER_USER,REFILL_SECONDS, was "
                                            + value);
                        }
                        int pair = number(flag, parts[0], 1);
                        int address = number(flag, parts[1], 1);
                        int user = number(flag, parts[2], 1);
                        int refill = number(flag, parts[3], 1);
                        o.set(flag, b -> b.loginThrottle(pair, address, user, Duration.ofSeconds(refill)));
                    }
                    case "--max-connections" -> {
                        int n = number(flag, value, 1);
                        o.set(flag, b -> b.maxConnections(n));
                    }
                    // Retention and erasure (docs/storage.md): in minutes, and days.
                    case "--bot-idle-close" -> {
                        int minutes = number(flag, value, 1);
                        o.set(flag, b -> b.botIdleClose(Duration.ofMinutes(minutes)));
                    }
                    case "--queued-gone-after" -> {
                        int minutes = number(flag, value, 1);
                        o.set(flag, b -> b.queuedVisitorGoneAfter(Duration.ofMinutes(minutes)));
                    }
                    case "--retention-days" -> {
                        int days = number(flag, value, 0);
                        o.set(flag, b -> b.retentionDays(days));
                    }
                    case "--purge-interval" -> {
                        int minutes = number(flag, value, 1);
                        o.set(flag, b -> b.purgeInterval(Duration.ofMinutes(minutes)));
                    }
                    default -> {
                        if (!mail.take(flag, value) && !webhooks.take(flag, value) && !attachments.take(flag, value)) {
                            throw new UsageException("unknown option for serve: " + flag);
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException(flag + ": " + e.getMessage());
            }
        }
        if (!trustedProxies.isEmpty()) {
            List<String> proxies = List.copyOf(trustedProxies);
            try {
                TrustedProxies.parse(proxies, "--trusted-proxy");
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            o.set("--trusted-proxy", b -> b.trustedProxies(proxies));
            o.notices.add("Connections from " + String.join(", ", proxies)
                    + " must start with a PROXY protocol header naming the client (docs/scaling.md)");
        }
        o.devMailbox = mail.configure(
                environment,
                o.demoTeam && cluster.isEmpty() && trustedProxies.isEmpty() && loopback(o.host, resolver),
                cluster.isPresent(),
                o::set,
                o.notices);
        webhooks.configure(o::set, o.notices);
        attachments.configure(o::set, o.notices);
        if (nodeId.isPresent() && cluster.isEmpty()) {
            throw new UsageException("--node-id names a node of a cluster: give --cluster too");
        }
        if (cluster.isPresent()) {
            if (o.dbUrl.isEmpty()) {
                throw new UsageException(
                        "--cluster needs --db jdbc:postgresql://...: PostgreSQL is what the nodes share");
            }
            String url = cluster.get();
            String node = nodeId.orElseGet(ServeOptions::defaultNodeId);
            try {
                ClusterSettings.of(url, node);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--node-id: " + e.getMessage());
            }
            o.set("--cluster", b -> b.cluster(url, node));
            o.notices.add("Cluster node " + node + " on " + url + " (docs/scaling.md)");
        }
        // Semantic matching is used when its module's jar is on the class path (the model is not in
        // the server's jar; ./concierge adds bot-semantic/target/concierge-semantic.jar when built),
        // required with --semantic, left out with --lexical.
        if (!matching.equals(Optional.of("--lexical"))) {
            Optional<Embedder> found = embedders.get();
            if (found.isEmpty() && matching.isPresent()) {
                throw new UsageException("--semantic needs the bot-semantic jar on the class path"
                        + " (./concierge serve adds bot-semantic/target/concierge-semantic.jar once built)");
            }
            found.ifPresent(embedder -> {
                o.set("--semantic", b -> b.embedder(embedder));
                o.notices.add("FAQ bot: semantic matching with " + embedder.name()
                        + " beside the lexical one (--lexical to leave it out; docs/faq.md)");
            });
        }
        Optional<String> fromEnv =
                Optional.ofNullable(environment.apply(ADMIN_TOKEN_ENV)).filter(s -> !s.isBlank());
        if (fromEnv.isPresent() && adminToken.isPresent()) {
            throw new UsageException(
                    "the admin token is given twice (--admin-token-file and " + ADMIN_TOKEN_ENV + "): keep one");
        }
        adminToken = adminToken.or(() -> fromEnv.map(String::strip));
        if (adminToken.isPresent()) {
            String token = adminToken.get();
            o.set("admin token", b -> b.adminToken(token));
            o.notices.add("Admin API is on (/api/admin/..., docs/agents.md)");
        }
        boolean loopback = loopback(o.host, resolver);
        boolean sitesDeclareOrigins =
                sites.values().stream().anyMatch(s -> !s.allowedOrigins().isEmpty());
        if (!loopback && !o.demo) {
            if (!agents) {
                throw new UsageException(offLoopback(
                        o.host,
                        "without --agents anyone who reaches it could sign in as the "
                                + "demo agents (" + ChatServer.Builder.DEMO_USERNAME + " / "
                                + ChatServer.Builder.DEMO_PASSWORD
                                + ") and read every conversation"));
            }
            if (origins.isEmpty() && !sitesDeclareOrigins) {
                throw new UsageException(offLoopback(
                        o.host,
                        "without --origin (or sites that declare allowedOrigins) "
                                + "a page of any origin could open WebSockets to it"));
            }
        }
        if (!origins.isEmpty()) {
            List<String> list = List.copyOf(origins);
            o.set("--origin", b -> b.allowedOrigins(list));
        } else if (loopback || o.demo) {
            // The demo: pages of any origin may embed the widget; a site's own list still applies.
            o.set("--origin", b -> b.allowAnyOrigin(true));
            o.notices.add("WebSocket Origin check is OFF (any origin may connect"
                    + (sitesDeclareOrigins ? ", except to a site that lists its origins" : "")
                    + "); pass --origin to restrict it");
        } else {
            o.notices.add("WebSocket Origin check: only the sites' allowedOrigins and this server's own pages");
        }
        if (!loopback && o.demo) {
            o.notices.add("--demo on " + o.host + ": "
                    + (agents ? "" : "the demo agents' published passwords work from " + "other machines; ")
                    + "for a trial only");
        }
        return o;
    }

    /** A node id from the host's name and the process id, when {@code --node-id} is not given. */
    private static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "node";
        }
        String clean = host.replaceAll("[^A-Za-z0-9_-]", "-");
        if (clean.length() > 40) {
            clean = clean.substring(0, 40);
        }
        return clean + "-" + ProcessHandle.current().pid();
    }

    private void set(String flag, Consumer<ChatServer.Builder> setting) {
        settings.add(b -> {
            try {
                setting.accept(b);
            } catch (IllegalArgumentException | ServerException e) {
                throw new UsageException(flag + ": " + e.getMessage());
            }
        });
    }

    private static String offLoopback(String host, String why) {
        return "--host " + host + " is reachable from other machines, and " + why + ".\n"
                + "Run it with a team file and the origins of your pages:\n"
                + "  ./concierge hash-password 'a long password'     # prints pbkdf2-sha256$...\n"
                + "  agents.json: {\"agents\": [{\"id\": \"dana\", \"name\": \"Dana\", \"username\": \"dana\",\n"
                + "                \"passwordHash\": \"pbkdf2-sha256$...\", \"roles\": [\"admin\"]}]}\n"
                + "  ./concierge serve --host " + host + " --agents agents.json --origin https://www.example.com\n"
                + "(docs/agents.md). To try the demo on this address anyway, add --demo.";
    }

    /** Whether every address {@code host} stands for is a loopback address. */
    static boolean loopback(String host, Resolver resolver) {
        InetAddress[] all;
        try {
            all = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new UsageException("--host: cannot resolve " + host);
        }
        if (all.length == 0) {
            throw new UsageException("--host: cannot resolve " + host);
        }
        for (InetAddress a : all) {
            if (!a.isLoopbackAddress()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The admin token from a file (first line, surrounding blanks dropped). Not from the command
     * line, where {@code ps} shows it to every user of the machine. A file other users may read
     * is named in a warning.
     */
    private static String readToken(Path file, List<String> notices) {
        String token;
        try {
            token = Files.readString(file).strip();
        } catch (IOException e) {
            throw new UsageException(
                    "--admin-token-file: cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
        }
        if (token.contains("\n")) {
            token = token.substring(0, token.indexOf('\n')).strip();
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
                notices.add("WARNING: " + file + " (the admin token) is readable by other users: chmod 600 it");
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: nothing to check
        }
        return token;
    }

    /** A number strictly between 0 and 1. */
    static double fraction(String flag, String value) {
        try {
            double d = Double.parseDouble(value);
            if (d > 0 && d < 1) {
                return d;
            }
        } catch (NumberFormatException e) {
            // told below
        }
        throw new UsageException(flag + " must be a number between 0 and 1 (0.9 answers 90% right), was " + value);
    }

    static int number(String flag, String value, int min) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(
                flag + " must be " + (min == 0 ? "a number from 0" : "a positive number") + ", was " + value);
    }
}
