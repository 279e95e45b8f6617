package dev.concierge.server;

import static dev.concierge.server.BuilderChecks.atLeast;
import static dev.concierge.server.BuilderChecks.positive;
import static dev.concierge.server.BuilderChecks.within;

import dev.concierge.bot.Embedder;
import dev.concierge.protocol.CannedReply;
import dev.concierge.server.attach.AttachmentSettings;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.AgentsFile;
import dev.concierge.server.auth.Site;
import dev.concierge.server.auth.SitesFile;
import dev.concierge.server.cluster.ClusterSettings;
import dev.concierge.server.mail.ImapSettings;
import dev.concierge.server.mail.MailSettings;
import dev.concierge.server.routing.BusinessHours;
import dev.concierge.server.routing.MailPolicyConfig;
import dev.concierge.server.routing.RoutingStrategy;
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
    final class Builder extends SecurityBuilder<Builder> {
        /** The demo agent's username, printed by the launcher. */
        public static final String DEMO_USERNAME = "demo";
        /** The demo agent's password, printed by the launcher. */
        public static final String DEMO_PASSWORD = "demo-password";
        /** The second demo agent (billing), for trying transfers. */
        public static final String DEMO2_USERNAME = "sam";
        /** The second demo agent's password. */
        public static final String DEMO2_PASSWORD = "sam-password";

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

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
            settings.bot = settings.bot.withEmbedder(Objects.requireNonNull(embedder, "embedder"));
            return this;
        }

        /**
         * The share of the FAQ bot's answers its calibrated threshold aims to get right, with
         * questions outside the knowledge base counted as a fifth of what it is asked (docs/faq.md,
         * "Confidence and the threshold"): 0.9 by default; higher answers less often and declines
         * more questions the knowledge base does not cover.
         *
         * @param precision between 0 and 1
         * @throws IllegalArgumentException if it is not
         */
        public Builder botPrecision(double precision) {
            settings.bot = settings.bot.withTargetPrecision(precision);
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

        /** Starts the server; the returned server is listening. */
        public ChatServer start() {
            BuilderChecks.complete(settings);
            return NettyChatServer.start(settings.toConfig());
        }
    }
}
