package dev.concierge.server;

import static dev.concierge.server.BuilderChecks.atLeast;
import static dev.concierge.server.BuilderChecks.origins;
import static dev.concierge.server.BuilderChecks.positive;
import static dev.concierge.server.BuilderChecks.within;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.bot.Embedder;
import dev.concierge.protocol.CannedReply;
import dev.concierge.server.attach.AttachmentSettings;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.AgentsFile;
import dev.concierge.server.auth.PasswordHasher;
import dev.concierge.server.auth.Site;
import dev.concierge.server.auth.SitesFile;
import dev.concierge.server.cluster.ClusterSettings;
import dev.concierge.server.mail.ImapSettings;
import dev.concierge.server.mail.MailSettings;
import dev.concierge.server.routing.BusinessHours;
import dev.concierge.server.routing.MailPolicyConfig;
import dev.concierge.server.routing.RoutingStrategy;
import dev.concierge.server.transport.TrustedProxies;
import dev.concierge.server.webhook.WebhookSettings;
import dev.concierge.store.ConversationStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The Concierge chat server: WebSocket endpoints for visitors and agents, the FAQ bot, the
 * queue, and the widget, console and demo page over HTTP.
 *
 * <pre>{@code
 * try (ChatServer server = ChatServer.builder().port(0).faq(Path.of("faq.json")).start()) {
 *     System.out.println(server.baseUri());
 * }
 * }</pre>
 */
public interface ChatServer extends AutoCloseable {

    /** A builder with embedded defaults: port 8080 on 127.0.0.1, the sample FAQ, the demo agent. */
    static Builder builder() {
        return new Builder();
    }

    /** The port the server listens on (useful with port 0). */
    int port();

    /** {@code http://host:port/}. */
    URI baseUri();

    /** Stops accepting, tells connected clients the server is going away (1001), and stops. */
    @Override
    void close();

    /** Builds and starts a {@link ChatServer}. Rejects bad values naming the field. */
    final class Builder {
        /** The demo agent's username, printed by the launcher. */
        public static final String DEMO_USERNAME = "demo";
        /** The demo agent's password, printed by the launcher. */
        public static final String DEMO_PASSWORD = "demo-password";
        /** The second demo agent (billing), for trying transfers. */
        public static final String DEMO2_USERNAME = "sam";
        /** The second demo agent's password. */
        public static final String DEMO2_PASSWORD = "sam-password";

        private final BuilderSettings settings = new BuilderSettings();

        private Builder() {}

        /**
         * A conversation with the bot in which nothing happened for this long closes itself
         * (reason {@code inactive}) and leaves memory; default 30 minutes.
         */
        public Builder botIdleClose(Duration idle) {
            settings.botIdleClose = positive(idle, "botIdleClose");
            return this;
        }

        /**
         * A queued conversation whose visitor has had no socket open for this long becomes a
         * follow-up when the visitor can be reached (an email address or a verified identity),
         * else closes (reason {@code visitor_left}); default 15 minutes.
         */
        public Builder queuedVisitorGoneAfter(Duration gone) {
            settings.queuedVisitorGoneAfter = positive(gone, "queuedVisitorGoneAfter");
            return this;
        }

        /**
         * How long closed conversations are kept after their last change: older ones are purged
         * with their events, and then visitors with no conversation left (docs/storage.md,
         * "Retention and erasure"). Whole days; 0 keeps everything forever. Default 90.
         */
        public Builder retentionDays(int days) {
            settings.retainClosed = BuilderChecks.retentionDays(days);
            return this;
        }

        /**
         * Sends the mail outbox over SMTP (docs/storage.md, "The mail outbox"): one thread on the
         * node that decides (a single server always does). Off by default: without it no email
         * leaves the server. A cluster node needs an SMTP server: {@link MailSettings#devMailbox}
         * together with {@link #cluster} is refused by {@link #start()}.
         */
        public Builder mail(MailSettings mail) {
            settings.mail = Objects.requireNonNull(mail, "mail");
            return this;
        }

        /**
         * How webhooks are delivered (docs/integrations.md): the private targets allowed, plain
         * http, the retry schedule, the pause rule, the requests in flight. Default {@link
         * WebhookSettings#DEFAULTS}; used when the store keeps integrations (SQLite, PostgreSQL).
         */
        public Builder webhooks(WebhookSettings webhooks) {
            settings.webhooks = Objects.requireNonNull(webhooks, "webhooks");
            return this;
        }

        /**
         * A sentence-embedding model for the FAQ bot, fused with its lexical matching (docs/faq.md,
         * "Semantic matching"); none by default. The {@code bot-semantic} module provides one,
         * found with {@link Embedder#find()} when its jar is on the class path.
         */
        public Builder embedder(Embedder embedder) {
            settings.embedder = Objects.requireNonNull(embedder, "embedder");
            return this;
        }

        /** Limits of attachments (docs/attachments.md); default {@link AttachmentSettings#DEFAULTS}. */
        public Builder attachments(AttachmentSettings attachments) {
            settings.attachments = Objects.requireNonNull(attachments, "attachments");
            return this;
        }

        /**
         * When the server writes mail and how much (docs/email.md, "When mail is sent" and
         * "Limits"): the agent reply delay, the long-wait alert time, the per-visitor, per-address
         * and per-site limits. Default {@link MailPolicyConfig#DEFAULTS}; used when mail is sent.
         */
        public Builder mailPolicy(MailPolicyConfig policy) {
            settings.mailPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * How long an agent's message to a visitor who is not connected waits before it is mailed
         * (not mailed if the visitor reads it in the chat by then); default 2 minutes.
         */
        public Builder mailReplyDelay(Duration delay) {
            if (delay == null || delay.isNegative()) {
                throw new IllegalArgumentException("mailReplyDelay must be zero or positive, was " + delay);
            }
            settings.mailPolicy = settings.mailPolicy.withReplyDelay(delay);
            return this;
        }

        /**
         * Reads visitors' replies by email from an IMAP mailbox (docs/email.md, "Replies by
         * email"): one thread on the node that decides. Off by default.
         */
        public Builder replies(ImapSettings imap) {
            settings.imap = Objects.requireNonNull(imap, "imap");
            return this;
        }

        /** How often the purge of old conversations runs; default every hour, at least a minute. */
        public Builder purgeInterval(Duration interval) {
            settings.purgeInterval = BuilderChecks.purgeInterval(interval);
            return this;
        }

        /**
         * The sites that embed the widget, from a sites file (docs/widget.md): their public
         * settings, allowed origins and identity secrets. Replaces the built-in {@code demo} site.
         * {@code environment} resolves a site's {@code identitySecretEnv} (e.g. {@code System::getenv}).
         */
        public Builder sitesFile(Path file, Function<String, String> environment) {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(environment, "environment");
            Map<String, Site> read = SitesFile.read(file, environment);
            settings.sites.clear();
            settings.sites.putAll(read);
            for (Site site : read.values()) {
                if (!site.allowedOrigins().isEmpty()) {
                    siteOrigins(site.key(), site.allowedOrigins());
                }
            }
            return this;
        }

        /**
         * The team from an agents file (agents, departments, canned replies); agents created
         * through the admin API are written back to it.
         */
        public Builder agentsFile(Path file) {
            AgentsFile.Team team = AgentsFile.readTeam(file);
            agents(team.agents());
            departments(team.departments());
            cannedReplies(team.cannedReplies());
            settings.agentsFile = file;
            return this;
        }

        /** The departments conversations can be routed and transferred to. */
        public Builder departments(List<String> departments) {
            settings.departments = List.copyOf(Objects.requireNonNull(departments, "departments"));
            return this;
        }

        /** The console's canned replies ({@code /shortcut} expands to the text). */
        public Builder cannedReplies(List<CannedReply> replies) {
            settings.cannedReplies = List.copyOf(Objects.requireNonNull(replies, "cannedReplies"));
            return this;
        }

        /** The routing strategy: {@code least-busy} (default), {@code round-robin} or {@code department}. */
        public Builder routing(String strategy) {
            RoutingStrategy.named(Objects.requireNonNull(strategy, "routing"));
            settings.routing = strategy;
            return this;
        }

        /** How long a visitor may wait in the queue before the console raises an alert (default 2 min). */
        public Builder queueAlertAfter(Duration after) {
            settings.queueAlertAfter = positive(after, "queueAlertAfter");
            return this;
        }

        /** When people answer; outside these hours visitors are offered to leave a message. */
        public Builder businessHours(BusinessHours hours) {
            settings.businessHours = Objects.requireNonNull(hours, "businessHours");
            return this;
        }

        /** Address to bind; default 127.0.0.1. */
        public Builder host(String host) {
            settings.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port to listen on; 0 takes a free one. */
        public Builder port(int port) {
            settings.port = within(port, 0, 65535, "port");
            return this;
        }

        /** The FAQ knowledge base file; default: the sample shop FAQ. */
        public Builder faq(Path faq) {
            settings.faq = Objects.requireNonNull(faq, "faq");
            return this;
        }

        /**
         * Directory for stored data: the embedded SQLite database lives here. Without a data
         * directory, a JDBC URL or a store, conversations are kept in memory only.
         */
        public Builder dataDir(Path dataDir) {
            settings.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** PostgreSQL instead of the embedded database: a {@code jdbc:postgresql://} URL and login. */
        public Builder database(String jdbcUrl, String user, String password) {
            settings.jdbcUrl = BuilderChecks.postgresUrl(jdbcUrl);
            settings.jdbcUser = user;
            settings.jdbcPassword = password;
            return this;
        }

        /**
         * Runs this server as node {@code nodeId} of a cluster (docs/scaling.md): the nodes share
         * the PostgreSQL of {@link #database} and the NATS server at {@code natsUrl}
         * ({@code nats://host:port}), and one of them at a time decides for all. Needs
         * {@link #database}; {@code nodeId} is 1-64 letters, digits, '-' or '_', unique in the
         * cluster.
         */
        public Builder cluster(String natsUrl, String nodeId) {
            settings.cluster = ClusterSettings.of(BuilderChecks.natsUrl(natsUrl), nodeId);
            return this;
        }

        /** A store of your own (it is closed with the server). */
        public Builder store(ConversationStore store) {
            settings.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Agents who may sign in; default: the demo agent ({@value #DEMO_USERNAME}). */
        public Builder agents(List<AgentAccount> agents) {
            settings.agents = BuilderChecks.nonEmpty(agents, "agents");
            return this;
        }

        /** The clock for timestamps and waits. */
        public Builder clock(Clock clock) {
            settings.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Concurrent conversations per agent before the queue holds new ones; default 5. */
        public Builder maxChatsPerAgent(int max) {
            settings.maxChatsPerAgent = atLeast(max, 1, "maxChatsPerAgent");
            return this;
        }

        /** Largest WebSocket message in bytes; default 64 KiB. */
        public Builder maxFrameBytes(int max) {
            settings.maxFrameBytes = atLeast(max, 1024, "maxFrameBytes");
            return this;
        }

        /** How long an agent session token lives without use; default 8 hours. */
        public Builder agentSessionTtl(Duration ttl) {
            settings.agentSessionTtl = positive(ttl, "agentSessionTtl");
            return this;
        }

        /**
         * The absolute lifetime of an agent session: however often it is used, a session this
         * old ends and the agent signs in again; default 7 days. (Beside it, a session ends after
         * {@link #agentSessionTtl} without use.)
         */
        public Builder agentSessionMaxAge(Duration maxAge) {
            settings.agentSessionMaxAge = positive(maxAge, "agentSessionMaxAge");
            return this;
        }

        /**
         * Sign-in throttling (docs/agents.md): failed attempts allowed per username and address,
         * per address, and per username from addresses that already failed, each getting one
         * attempt back every {@code refillEvery}. More get HTTP 429 with {@code Retry-After}.
         * Defaults 5, 20, 20, one minute. The right password from an address without failures
         * is never held back by the per-username limit.
         */
        public Builder loginThrottle(int perUserAndAddress, int perAddress, int perUser, Duration refillEvery) {
            settings.loginThrottle = BuilderChecks.loginLimits(perUserAndAddress, perAddress, perUser, refillEvery);
            return this;
        }

        /**
         * Time for session idle expiry, sign-in throttling and the per-connection message rate
         * limit (tests; the system's by default).
         */
        public Builder ticker(Ticker ticker) {
            settings.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** How passwords are checked (tests; {@link PasswordHasher#verify} by default). */
        Builder passwordCheck(AgentAuth.PasswordCheck check) {
            settings.passwordCheck = Objects.requireNonNull(check, "passwordCheck");
            return this;
        }

        /**
         * Largest WebSocket message in bytes once its continuation frames are joined; default
         * 64 KiB. Larger messages close the socket with 1009 without being buffered whole.
         */
        public Builder maxMessageBytes(int max) {
            settings.maxMessageBytes = atLeast(max, 1024, "maxMessageBytes");
            return this;
        }

        /** Largest HTTP header block (and WebSocket handshake) in bytes; default 8 KiB. */
        public Builder maxHeaderBytes(int max) {
            settings.maxHeaderBytes = within(max, 1024, 1024 * 1024, "maxHeaderBytes");
            return this;
        }

        /**
         * Time a connection has to send a complete HTTP request or WebSocket handshake before it
         * is closed (slowloris); default 10 s.
         */
        public Builder requestTimeout(Duration timeout) {
            settings.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * A WebSocket that has sent nothing for {@code pingAfter} gets a ping; one that has still
         * sent nothing (not even the pong) after {@code closeAfter} is closed. Defaults 30 s / 75 s.
         */
        public Builder idleTimeouts(Duration pingAfter, Duration closeAfter) {
            BuilderChecks.idleTimeouts(pingAfter, closeAfter);
            settings.pingAfter = pingAfter;
            settings.idleCloseAfter = closeAfter;
            return this;
        }

        /** Open connections allowed from one IP address; more get HTTP 429. Default 50. */
        public Builder maxConnectionsPerIp(int max) {
            settings.maxConnectionsPerIp = atLeast(max, 1, "maxConnectionsPerIp");
            return this;
        }

        /**
         * Open connections allowed in all, from every address together; more get HTTP 429.
         * Default 20,000 (about 80 MiB of heap for idle visitors); keep it below the process's
         * open-file limit ({@code ulimit -n}).
         */
        public Builder maxConnections(int max) {
            settings.maxConnections = atLeast(max, 1, "maxConnections");
            return this;
        }

        /**
         * Time a WebSocket has from its handshake to its {@code hello}; one that has not said
         * hello by then is closed with 1008 "hello timeout" (answering pings does not keep it
         * open). Default 10 s.
         */
        public Builder helloTimeout(Duration timeout) {
            settings.helloTimeout = positive(timeout, "helloTimeout");
            return this;
        }

        /**
         * Messages per second per WebSocket (a token bucket holding {@code burst}); messages over
         * the rate get a {@code rate_limited} error and are not processed. Default 20/s, burst 200:
         * the burst is large because a client that reconnects resends its whole outbox at once.
         */
        public Builder rateLimit(int messagesPerSecond, int burst) {
            settings.messagesPerSecond = atLeast(messagesPerSecond, 1, "messagesPerSecond");
            settings.messageBurst = atLeast(burst, 1, "messageBurst");
            return this;
        }

        /** A socket sending more than ten times the rate for this long is closed (1008); default 3 s. */
        public Builder floodCloseAfter(Duration duration) {
            settings.floodCloseAfter = positive(duration, "floodCloseAfter");
            return this;
        }

        /**
         * Slow readers: the write buffer water marks (default 32 KiB / 64 KiB), the most unsent
         * bytes a socket may hold (default 8 MiB, far above any frame: frames are bounded) and how
         * long an unwritable socket may go without any write progress (default 15 s) before it
         * is closed. A socket whose peer reads, however slowly, is closed only at the cap.
         */
        public Builder slowReaderLimits(int lowWater, int highWater, int maxPendingBytes, Duration unwritableTimeout) {
            BuilderChecks.writeWaterMarks(lowWater, highWater, maxPendingBytes);
            settings.unwritableTimeout = positive(unwritableTimeout, "unwritableTimeout");
            settings.writeLowWater = lowWater;
            settings.writeHighWater = highWater;
            settings.maxPendingWriteBytes = maxPendingBytes;
            return this;
        }

        /**
         * Accept WebSocket handshakes from any {@code Origin}. Off by default; only for demos,
         * where pages of any origin embed the widget.
         */
        public Builder allowAnyOrigin(boolean allow) {
            settings.allowAnyOrigin = allow;
            return this;
        }

        /**
         * Origins (exactly {@code scheme://host[:port]}) whose pages may open WebSockets, for every
         * site. The server's own origin is always allowed; so are clients that send no Origin
         * (not browsers).
         */
        public Builder allowedOrigins(List<String> origins) {
            settings.allowedOrigins = origins(origins, "allowedOrigins");
            return this;
        }

        /** Origins whose pages may open WebSockets for one site (the {@code site} of the hello). */
        public Builder siteOrigins(String site, List<String> origins) {
            BuilderChecks.notBlank(site, "site");
            settings.siteOrigins.put(site, origins(origins, "siteOrigins"));
            settings.sites.putIfAbsent(site, Site.withDefaults(site)); // a site with origins is a configured site
            return this;
        }

        /** Bearer token for the admin API ({@code /api/admin/...}); without one the admin API is off. */
        public Builder adminToken(String token) {
            settings.adminToken = BuilderChecks.adminToken(token);
            return this;
        }

        /**
         * The load balancers in front of this server that send the PROXY protocol (haproxy's
         * {@code send-proxy-v2}; docs/scaling.md): IP addresses ({@code 127.0.0.1}, {@code ::1})
         * and CIDR blocks ({@code 10.0.0.0/8}). A connection from one of them must start with a
         * PROXY protocol header (v1 or v2), else it is closed; the client's address it names is
         * the one every per-address limit, throttle and log line uses. A connection from any other
         * address is never read for a header. Default: none.
         */
        public Builder trustedProxies(List<String> proxies) {
            TrustedProxies.parse(proxies, "trustedProxies");
            settings.trustedProxies = List.copyOf(proxies);
            return this;
        }

        /** Starts the server; the returned server is listening. */
        public ChatServer start() {
            BuilderChecks.complete(settings);
            return NettyChatServer.start(settings.toConfig());
        }
    }
}
