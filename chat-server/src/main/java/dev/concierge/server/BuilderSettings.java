package dev.concierge.server;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.protocol.CannedReply;
import dev.concierge.server.attach.AttachmentSettings;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.AuthConfig;
import dev.concierge.server.auth.DemoTeam;
import dev.concierge.server.auth.LoginThrottle;
import dev.concierge.server.auth.PasswordHasher;
import dev.concierge.server.auth.SecurityConfig;
import dev.concierge.server.auth.Site;
import dev.concierge.server.cluster.ClusterSettings;
import dev.concierge.server.mail.ImapSettings;
import dev.concierge.server.mail.MailSettings;
import dev.concierge.server.routing.BusinessHours;
import dev.concierge.server.routing.MailPolicyConfig;
import dev.concierge.server.routing.RetentionConfig;
import dev.concierge.server.routing.RoutingConfig;
import dev.concierge.server.transport.BotConfig;
import dev.concierge.server.transport.ServerConfig;
import dev.concierge.server.webhook.WebhookSettings;
import dev.concierge.store.ConversationStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The values a {@link ChatServer.Builder} collects, with their defaults, and the
 * {@link ServerConfig} they make: where nothing was set, the demo team (two agents, three
 * departments, canned replies) and the built-in {@code demo} site. The builder checks each value
 * as it is set; this class only holds and assembles them.
 */
final class BuilderSettings {
    // Hashed once with `concierge hash-password`, so starting a demo server costs no hashing.
    private static final String DEMO_HASH =
            "pbkdf2-sha256$210000$r5PXwaJ5q9pJD6zyunm1bA$YzizxSlFQicsPaE7cMjystc+FEM6eAeZ/2nDpERa6M8";
    private static final String DEMO2_HASH =
            "pbkdf2-sha256$210000$NY/ad9VrVQa0244SzEm7pQ$+eS7AGMJWtLv1/WZMsrr7cMfQO2nVSHYFOODO2BdM+8";

    String host = "127.0.0.1";
    int port = 8080;
    Path faq;
    Path dataDir;
    String jdbcUrl;
    String jdbcUser;
    String jdbcPassword;
    ClusterSettings cluster;
    MailSettings mail;
    MailPolicyConfig mailPolicy = MailPolicyConfig.DEFAULTS;
    ImapSettings imap;
    WebhookSettings webhooks = WebhookSettings.DEFAULTS;
    AttachmentSettings attachments = AttachmentSettings.DEFAULTS;
    BotConfig bot = BotConfig.DEFAULTS;
    ConversationStore store;
    List<AgentAccount> agents;
    Clock clock = Clock.systemUTC();
    int maxChatsPerAgent = 5;
    int maxFrameBytes = 64 * 1024;
    Duration agentSessionTtl = Duration.ofHours(8);
    Duration agentSessionMaxAge = Duration.ofDays(7);
    LoginThrottle.Limits loginThrottle = LoginThrottle.Limits.defaults();
    Ticker ticker = Ticker.systemTicker();
    AgentAuth.PasswordCheck passwordCheck = PasswordHasher::verify;
    int botThreads = 2;
    int maxMessageBytes = 64 * 1024;
    int maxHeaderBytes = 8 * 1024;
    Duration requestTimeout = Duration.ofSeconds(10);
    Duration pingAfter = Duration.ofSeconds(30);
    Duration idleCloseAfter = Duration.ofSeconds(75);
    int maxConnectionsPerIp = 50;
    int maxConnections = 20_000;
    Duration helloTimeout = Duration.ofSeconds(10);
    int messagesPerSecond = 20;
    int messageBurst = 200;
    Duration floodCloseAfter = Duration.ofSeconds(3);
    int writeLowWater = 32 * 1024;
    int writeHighWater = 64 * 1024;
    int maxPendingWriteBytes = 8 * 1024 * 1024;
    Duration unwritableTimeout = Duration.ofSeconds(15);
    boolean allowAnyOrigin;
    List<String> allowedOrigins = List.of();
    final Map<String, List<String>> siteOrigins = new LinkedHashMap<>();
    String adminToken;
    List<String> trustedProxies = List.of();
    final Map<String, Site> sites = new LinkedHashMap<>(Map.of("demo", Site.demo()));
    List<String> departments;
    List<CannedReply> cannedReplies;
    String routing = "least-busy";
    Duration queueAlertAfter = Duration.ofMinutes(2);
    BusinessHours businessHours;
    Path agentsFile;
    Duration botIdleClose = RetentionConfig.DEFAULTS.botIdleClose();
    Duration queuedVisitorGoneAfter = RetentionConfig.DEFAULTS.queuedVisitorGoneAfter();
    Duration retainClosed = RetentionConfig.DEFAULTS.retainClosed();
    Duration purgeInterval = RetentionConfig.DEFAULTS.purgeInterval();

    /** The configuration these values make, the demo team's where no agents were given. */
    ServerConfig toConfig() {
        boolean demo = agents == null;
        List<AgentAccount> accounts = !demo
                ? agents
                : List.of(
                        new AgentAccount(
                                "demo",
                                "Dana Demo",
                                ChatServer.Builder.DEMO_USERNAME,
                                DEMO_HASH,
                                List.of("orders", "returns"),
                                List.of(AgentAccount.ADMIN)),
                        new AgentAccount(
                                "sam",
                                "Sam Support",
                                ChatServer.Builder.DEMO2_USERNAME,
                                DEMO2_HASH,
                                List.of("billing")));
        List<String> depts = departments != null
                ? departments
                : demo
                        ? List.of("billing", "orders", "returns")
                        : accounts.stream()
                                .flatMap(a -> a.departments().stream())
                                .distinct()
                                .sorted()
                                .toList();
        List<CannedReply> canned = cannedReplies != null ? cannedReplies : demo ? DemoTeam.CANNED_REPLIES : List.of();
        RoutingConfig routingConfig = new RoutingConfig(
                routing, maxChatsPerAgent, queueAlertAfter, Optional.ofNullable(businessHours), depts, canned);
        return new ServerConfig(
                host,
                port,
                faq,
                dataDir,
                jdbcUrl,
                jdbcUser,
                jdbcPassword,
                store,
                accounts,
                clock,
                routingConfig,
                agentsFile,
                maxFrameBytes,
                agentSessionTtl,
                botThreads,
                new SecurityConfig(
                        maxMessageBytes,
                        maxHeaderBytes,
                        requestTimeout,
                        pingAfter,
                        idleCloseAfter,
                        maxConnectionsPerIp,
                        maxConnections,
                        helloTimeout,
                        messagesPerSecond,
                        messageBurst,
                        floodCloseAfter,
                        writeLowWater,
                        writeHighWater,
                        maxPendingWriteBytes,
                        unwritableTimeout,
                        allowAnyOrigin,
                        allowedOrigins,
                        Map.copyOf(siteOrigins),
                        Optional.ofNullable(adminToken),
                        trustedProxies),
                Map.copyOf(sites),
                new AuthConfig(agentSessionMaxAge, loginThrottle, ticker, passwordCheck),
                new RetentionConfig(botIdleClose, queuedVisitorGoneAfter, retainClosed, purgeInterval),
                cluster,
                mail,
                mailPolicy,
                imap,
                webhooks,
                attachments,
                bot);
    }
}
