package dev.concierge.server;

import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.server.attach.UnreferencedSweep;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.Site;
import dev.concierge.server.cluster.ClusterNode;
import dev.concierge.server.cluster.ClusterSettings;
import dev.concierge.server.insights.MeteredConversationStore;
import dev.concierge.server.insights.ServerMetrics;
import dev.concierge.server.mail.DevMailbox;
import dev.concierge.server.mail.ImapSettings;
import dev.concierge.server.mail.MailSender;
import dev.concierge.server.mail.MailTransport;
import dev.concierge.server.mail.ReplyReader;
import dev.concierge.server.mail.ReplyToken;
import dev.concierge.server.routing.BotService;
import dev.concierge.server.routing.Recovery;
import dev.concierge.server.routing.Router;
import dev.concierge.server.support.Ids;
import dev.concierge.server.transport.LoopBatching;
import dev.concierge.server.transport.ServerConfig;
import dev.concierge.server.webhook.WebhookClient;
import dev.concierge.server.webhook.WebhookSender;
import dev.concierge.server.webhook.WebhookSettings;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationStore.QueuedMail;
import dev.concierge.store.DeciderLease;
import dev.concierge.store.Fencing;
import dev.concierge.store.InMemoryConversationStore;
import dev.concierge.store.JdbcConversationStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * What holds the conversations at start-up: the store the configuration names, and the chat core
 * over it — the router on a single server, or this node of a cluster, which runs a router over a
 * fenced store only while it holds the decider lease. {@link NettyChatServer} wires the rest.
 */
final class CoreStart {
    /** How long rebuilding the router from the store may take at start-up or a takeover. */
    private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(5);

    private CoreStart() {}

    /** The configured store, or SQLite in the data directory, or PostgreSQL, or memory. */
    static ConversationStore openStore(ServerConfig config) {
        if (config.store() != null) {
            return config.store();
        }
        if (config.jdbcUrl() == null && config.dataDir() == null) {
            return new InMemoryConversationStore(config.clock());
        }
        return JdbcConversationStore.fromConfig(
                Optional.ofNullable(config.dataDir()),
                Optional.ofNullable(config.jdbcUrl()),
                Optional.ofNullable(config.jdbcUser()),
                Optional.ofNullable(config.jdbcPassword()));
    }

    /** A router over {@code store}, with the open conversations recovered from it. */
    static Router router(ServerConfig config, ConversationStore store, BotService bot, Ids ids, AgentAuth auth) {
        Router router = new Router(
                store,
                bot,
                config.clock(),
                ids,
                config.routing(),
                auth::departments,
                config.sites(),
                config.retention(),
                LoopBatching::new);
        // Reading back many open conversations can take a while: no short deadline here.
        router.call(
                () -> {
                    Recovery.recover(router, auth::agentInfo);
                    return null;
                },
                RECOVERY_TIMEOUT);
        return router;
    }

    /**
     * The sender of {@code store}'s mail outbox, started, if the configuration sends email: on
     * a single server, and on a cluster's node while it decides, over the fenced store, so that a
     * deposed node records nothing more. The router then confirms left messages by email.
     */
    static Optional<MailSender> mailSender(
            ServerConfig config, ConversationStore store, Router router, AgentAuth auth) {
        return mailSender(config, store, router, auth, Optional.empty());
    }

    /**
     * {@link #mailSender(ServerConfig, ConversationStore, Router, AgentAuth)}, the mails going to
     * {@code devMailbox} when the settings say so (a new one, seen by nobody, if none is given).
     */
    static Optional<MailSender> mailSender(
            ServerConfig config,
            ConversationStore store,
            Router router,
            AgentAuth auth,
            Optional<DevMailbox> devMailbox) {
        return Optional.ofNullable(config.mail()).map(m -> {
            MailTransport transport = m.isDevMailbox()
                    ? devMailbox.<MailTransport>map(d -> d).orElseGet(DevMailbox::new)
                    : MailTransport.smtp(m.smtp(), m.user(), m.password());
            Function<QueuedMail, Optional<String>> replyTo = replyTo(config.imap(), config.sites());
            if (config.imap() == null && devMailbox.isPresent()) {
                // The development mailbox answers its own mails: reply addresses signed with a key
                // of this process (the mailbox forgets its mails at a restart too), the replies
                // taken by the same checks and stripping as a mailbox read over IMAP.
                ReplyToken tokens = new ReplyToken(randomKey(), Optional.empty());
                replyTo = replyTo(tokens, m.messageIdDomain(), config.sites());
                ReplyReader reader = ReplyReader.withoutMailbox(tokens, store, router::visitorReplyByEmail);
                devMailbox.get().replies(reader::handle);
            }
            MailSender sender = MailSender.over(store, m, config.sites(), config.clock(), transport, replyTo)
                    .onUndelivered(router::mailUndelivered)
                    .start();
            router.sendMail(m.messageIdDomain(), sender::wake, config.mailPolicy(), auth::accounts);
            return sender;
        });
    }

    /**
     * The sender of {@code store}'s webhook outbox, started, if the store keeps integrations
     * (SQLite, PostgreSQL): on a single server, and on a cluster's node while it decides, over the
     * fenced store, sending nothing once {@code stillDeciding} answers false. The router wakes it
     * when an append stored webhook rows; {@code node} is recorded with each attempt.
     */
    static Optional<WebhookSender> webhookSender(
            ServerConfig config,
            ConversationStore store,
            Router router,
            String node,
            BooleanSupplier stillDeciding,
            WebhookSender.Listener listener) {
        return store.integrations().map(integrations -> {
            WebhookSettings settings = config.webhooks();
            WebhookClient client = new WebhookClient(settings.targetPolicy());
            WebhookSender sender = new WebhookSender(
                            integrations, client, settings, config.clock(), node, stillDeciding, listener)
                    .start();
            router.onWebhooksStored(sender::wake);
            return sender;
        });
    }

    /**
     * The signed per-conversation reply address of each mail a visitor may answer (confirmation,
     * agent reply, transcript) when the server reads replies ({@code --imap}): {@code
     * reply+TOKEN@} the site's {@code email.replyDomain}, else the server's. None for agent alerts
     * (an agent answering one must not write as the visitor) and without {@code --imap}.
     */
    static Function<QueuedMail, Optional<String>> replyTo(ImapSettings imap, Map<String, Site> sites) {
        if (imap == null) {
            return MailSender.NO_REPLY_TO;
        }
        return replyTo(imap.tokens(), imap.replyDomain(), sites);
    }

    private static byte[] randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }

    /** Reply addresses signed by {@code tokens}, at a site's reply domain, else {@code replyDomain}. */
    static Function<QueuedMail, Optional<String>> replyTo(
            ReplyToken tokens, String replyDomain, Map<String, Site> sites) {
        return queued -> {
            ConversationStore.OutboundMail mail = queued.mail();
            if (mail.kind().equals("agent_alert")) {
                return Optional.empty();
            }
            String domain = Optional.ofNullable(sites.get(mail.site()))
                    .flatMap(Site::email)
                    .flatMap(Site.Email::replyDomain)
                    .orElse(replyDomain);
            return Optional.of(tokens.address(mail.site(), mail.conversationId(), domain));
        };
    }

    /**
     * The reader of visitors' replies by email, started, if the configuration reads them: on a
     * single server, and on a cluster's node while it decides, as {@link #mailSender}.
     */
    static Optional<ReplyReader> replyReader(ServerConfig config, ConversationStore store, Router router) {
        return Optional.ofNullable(config.imap())
                .map(s -> new ReplyReader(s, store, router::visitorReplyByEmail).start());
    }

    /**
     * Joins the cluster (docs/scaling.md). While this node holds the decider lease it runs the
     * router over a store fenced by the lease's token, recovered from PostgreSQL as after a
     * restart; the other stores of this node (sign-ins, searches, exports) are not fenced, since
     * they decide nothing about a conversation.
     */
    static ClusterNode cluster(ServerConfig config, BotService bot, Ids ids, AgentAuth auth, ServerMetrics metrics) {
        ClusterSettings settings = config.cluster();
        DeciderLease lease = DeciderLease.postgres(
                config.jdbcUrl(), config.jdbcUser(), config.jdbcPassword(), ClusterSettings.LEASE);
        // Set once the node exists: until then its sender sends nothing.
        AtomicReference<ClusterNode> self = new AtomicReference<>();
        ClusterNode.Starter starter = token -> {
            JdbcConversationStore fenced = JdbcConversationStore.postgres(
                    config.jdbcUrl(),
                    config.jdbcUser(),
                    config.jdbcPassword(),
                    new Fencing(ClusterSettings.LEASE, token));
            Router router;
            Optional<MailSender> mail;
            Optional<ReplyReader> replies;
            Optional<WebhookSender> webhooks;
            Optional<UnreferencedSweep> sweep;
            try {
                MeteredConversationStore metered = new MeteredConversationStore(fenced, metrics);
                router = router(config, metered, bot, ids, auth);
                mail = mailSender(config, metered, router, auth);
                replies = replyReader(config, metered, router);
                BooleanSupplier deciding = () -> {
                    ClusterNode node = self.get();
                    return node != null && node.decidesUnder(token);
                };
                webhooks = webhookSender(config, metered, router, settings.nodeId(), deciding, metrics.webhooks());
                sweep = UnreferencedSweep.start(metered, config.attachments(), config.clock());
            } catch (RuntimeException e) {
                fenced.close();
                throw e;
            }
            return new ClusterNode.Deciding() {
                @Override
                public Router router() {
                    return router;
                }

                @Override
                public void close() {
                    router.call(() -> null);
                    replies.ifPresent(ReplyReader::close);
                    mail.ifPresent(MailSender::close);
                    webhooks.ifPresent(WebhookSender::close);
                    sweep.ifPresent(UnreferencedSweep::close);
                    fenced.close(); // commits what is queued, if the lease still allows
                    router.call(() -> null); // the commits' completions
                    router.close();
                }
            };
        };
        ClusterNode node =
                ClusterNode.start(settings, lease, starter, config.sites()::containsKey, auth, ProtocolCodec.create());
        self.set(node);
        return node;
    }
}
