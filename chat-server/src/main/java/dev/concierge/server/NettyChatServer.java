package dev.concierge.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.bot.FaqBot;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.server.attach.UnreferencedSweep;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.AgentsFile;
import dev.concierge.server.auth.AuthConfig;
import dev.concierge.server.cluster.ClusterNode;
import dev.concierge.server.http.BlockingWork;
import dev.concierge.server.http.StaticFiles;
import dev.concierge.server.insights.FaqEditing;
import dev.concierge.server.insights.InsightsApi;
import dev.concierge.server.insights.MeteredConversationStore;
import dev.concierge.server.insights.ServerMetrics;
import dev.concierge.server.mail.DevMailbox;
import dev.concierge.server.mail.MailSender;
import dev.concierge.server.mail.ReplyReader;
import dev.concierge.server.routing.BotService;
import dev.concierge.server.routing.ChatCore;
import dev.concierge.server.routing.Router;
import dev.concierge.server.support.FileEdits;
import dev.concierge.server.support.Ids;
import dev.concierge.server.support.ServerException;
import dev.concierge.server.transport.LoopBatching;
import dev.concierge.server.transport.ServerConfig;
import dev.concierge.server.transport.ServerInitializer;
import dev.concierge.server.webhook.WebhookSender;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.JdbcConversationStore;
import dev.concierge.store.SharedFiles;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Netty implementation of {@link ChatServer}. */
public final class NettyChatServer implements ChatServer {
    private static final Logger log = LoggerFactory.getLogger(NettyChatServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final ChannelGroup sockets;
    /** The router, on a single server; null in a cluster, where it runs on the deciding node. */
    private final Router router;
    /** This node of a cluster; null on a single server. */
    private final ClusterNode cluster;

    private final BotService bot;
    private final ConversationStore store;
    private final BlockingWork blocking;
    private final String host;
    private final int port;
    private final StaticFiles files;
    /** The mail outbox's sender on a single server, if it sends email; set once, when started. */
    private Optional<MailSender> mail = Optional.empty();
    /** The development mailbox, when the server keeps its mails instead of sending them; set once, when started. */
    private Optional<DevMailbox> devMailbox = Optional.empty();
    /** The reader of replies by email on a single server, if it reads them; set once, when started. */
    private Optional<ReplyReader> replies = Optional.empty();
    /** The webhook outbox's sender on a single server, if the store keeps integrations; set once, when started. */
    private Optional<WebhookSender> webhooks = Optional.empty();
    /** The sweep of unsent uploads on a single server, if the store keeps attachments; set once, when started. */
    private Optional<UnreferencedSweep> sweep = Optional.empty();

    private NettyChatServer(
            EventLoopGroup boss,
            EventLoopGroup workers,
            Channel serverChannel,
            ChannelGroup sockets,
            Router router,
            ClusterNode cluster,
            BotService bot,
            ConversationStore store,
            BlockingWork blocking,
            String host,
            StaticFiles files) {
        this.files = files;
        this.boss = boss;
        this.workers = workers;
        this.serverChannel = serverChannel;
        this.sockets = sockets;
        this.router = router;
        this.cluster = cluster;
        this.bot = bot;
        this.store = store;
        this.blocking = blocking;
        this.host = host;
        this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    static NettyChatServer start(ServerConfig config) {
        Path faqFile = config.faq() != null ? config.faq() : SampleFaq.extract(config.dataDir());
        // Watched: an FAQ file saved by an editor or a deploy answers visitors without a restart.
        FaqBot.Builder faqBuilder = FaqBot.builder()
                .file(faqFile)
                .watch(true)
                .targetPrecision(config.bot().targetPrecision());
        if (config.bot().embedder() != null) {
            faqBuilder.embedder(config.bot().embedder());
        }
        FaqBot faqBot = faqBuilder.build();
        ServerMetrics metrics = new ServerMetrics(
                config.cluster() == null ? null : config.cluster().nodeId());
        BotService bot = new BotService(
                faqBot, config.botThreads(), nanos -> metrics.botAnswer().record(nanos, TimeUnit.NANOSECONDS));
        ConversationStore opened = CoreStart.openStore(config);
        if (opened instanceof JdbcConversationStore jdbc) {
            metrics.bindMerges(jdbc.merges());
        }
        ConversationStore store = new MeteredConversationStore(opened, metrics);
        Ids ids = Ids.secure();
        AuthConfig authConfig = config.auth();
        AgentAuth auth = new AgentAuth(
                config.agents(),
                config.agentSessionTtl(),
                authConfig.sessionMaxAge(),
                authConfig.ticker(),
                ids,
                store,
                config.clock(),
                authConfig.passwordCheck(),
                authConfig.loginThrottle());
        auth.restore(store.agentSessionsUsedSince(config.clock().instant().minus(config.agentSessionTtl())));
        Router router = null;
        Optional<MailSender> mail = Optional.empty();
        // Without SMTP, the demo's mails are kept for the /dev/mail page (a single server only).
        Optional<DevMailbox> devMailbox = Optional.ofNullable(config.mail())
                .filter(m -> m.isDevMailbox() && config.cluster() == null)
                .map(m -> new DevMailbox());
        Optional<ReplyReader> replies = Optional.empty();
        Optional<WebhookSender> webhooks = Optional.empty();
        Optional<UnreferencedSweep> sweep = Optional.empty();
        ClusterNode cluster = null;
        ChatCore core;
        Supplier<Optional<Router>> localRouter;
        FileEdits faqEdits = FileEdits.local();
        FileEdits teamEdits = FileEdits.local();
        if (config.cluster() == null) {
            Router single = CoreStart.router(config, store, bot, ids, auth);
            router = single;
            mail = CoreStart.mailSender(config, store, single, auth, devMailbox); // in a cluster, the deciding node's
            replies = CoreStart.replyReader(config, store, single);
            webhooks = CoreStart.webhookSender(config, store, single, "local", () -> true, metrics.webhooks());
            sweep = UnreferencedSweep.start(store, config.attachments(), config.clock());
            core = single;
            localRouter = () -> Optional.of(single);
        } else {
            ClusterNode node = CoreStart.cluster(config, bot, ids, auth, metrics);
            cluster = node;
            core = node.core();
            localRouter = () -> node.deciding().map(ClusterNode.Deciding::router);
            // The console's FAQ edits and the admin API's new agents reach every node.
            SharedFiles shared = SharedFiles.postgres(config.jdbcUrl(), config.jdbcUser(), config.jdbcPassword());
            // A version from the cluster is answered from at once, as an edit made here is (the
            // file watcher reloads too); on start, before this node listens.
            faqEdits = node.share("faq", faqFile, shared, () -> bot.bot().reload());
            Path agentsFile = config.agentsFile();
            if (agentsFile != null) {
                teamEdits = node.share("agents", agentsFile, shared, () -> AgentsFile.read(agentsFile)
                        .forEach(auth::add));
            }
        }
        BlockingWork blocking = BlockingWork.create();
        ChannelGroup sockets = new DefaultChannelGroup("websockets", GlobalEventExecutor.INSTANCE);
        metrics.bindConnections(sockets::size);
        metrics.bindLive(() -> localRouter.get().map(RouterSnapshots::metrics).orElse(ServerMetrics.Live.NONE));
        ObjectMapper json = ProtocolCodec.create().mapper();
        ClusterNode node = cluster;
        InsightsApi insights = new InsightsApi(
                store,
                auth,
                config.clock(),
                new FaqEditing(faqFile, bot, faqEdits),
                bot,
                // A node that does not decide asks the deciding node.
                () -> localRouter
                        .get()
                        .map(RouterSnapshots::dashboard)
                        .orElseGet(() -> node != null
                                ? ClusterCalls.dashboard(node, json)
                                : new InsightsApi.Live(
                                        List.of(),
                                        0,
                                        0,
                                        List.of(),
                                        config.routing().maxChatsPerAgent())),
                json);
        StaticFiles files = new StaticFiles();
        EventLoopGroup boss = new NioEventLoopGroup(1);
        EventLoopGroup workers = new NioEventLoopGroup();
        ServerInitializer initializer;
        try {
            Channel channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(
                            initializer = new ServerInitializer(
                                    config,
                                    ProtocolCodec.create(),
                                    core,
                                    localRouter,
                                    notReady(store, cluster),
                                    store,
                                    auth,
                                    blocking,
                                    sockets,
                                    insights,
                                    metrics,
                                    files,
                                    teamEdits,
                                    devMailbox))
                    .bind(config.host(), config.port())
                    .sync()
                    .channel();
            if (cluster != null) {
                cluster.closeSocketsWith(initializer.signedInSockets()::closeAll);
                initializer.shareConnections(cluster.connections());
                initializer.shareUploads(cluster.uploads());
                ClusterCalls.wire(
                        cluster, initializer.visitorAdmin(), initializer.conversationWrites(), localRouter, json);
                ClusterCalls.wireWebhookReloads(cluster, initializer.webhookReloads());
            }
            NettyChatServer server = new NettyChatServer(
                    boss, workers, channel, sockets, router, cluster, bot, store, blocking, config.host(), files);
            server.mail = mail;
            server.devMailbox = devMailbox;
            server.replies = replies;
            server.webhooks = webhooks;
            server.sweep = sweep;
            if (devMailbox.isPresent()) {
                log.info(
                        "no SMTP server: mails are kept for the development mailbox, {}dev/mail (this machine only)",
                        server.baseUri());
            }
            log.info(
                    "listening on {}:{} with {} FAQ entries{}",
                    config.host(),
                    server.port,
                    faqBot.knowledgeBase().entries().size(),
                    config.bot().embedder() == null
                            ? ""
                            : ", semantic matching by "
                                    + config.bot().embedder().name() + " where it supports every entry's language");
            return server;
        } catch (Exception e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            replies.ifPresent(ReplyReader::close);
            mail.ifPresent(MailSender::close);
            webhooks.ifPresent(WebhookSender::close);
            sweep.ifPresent(UnreferencedSweep::close);
            if (router != null) {
                router.close();
            }
            if (cluster != null) {
                cluster.close();
            }
            bot.close();
            throw new ServerException(
                    "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
    }

    /** Why this node should get no traffic ({@code /api/ready}): the store's failure, or the cluster's. */
    private static Supplier<Optional<String>> notReady(ConversationStore store, ClusterNode cluster) {
        return () -> {
            Optional<String> failure = store.failure();
            if (failure.isPresent() || cluster == null) {
                return failure;
            }
            return cluster.notReady();
        };
    }

    @Override
    public int port() {
        return port;
    }

    /** The open WebSockets' channels (for tests that look at a socket's pipeline). */
    ChannelGroup sockets() {
        return sockets;
    }

    /**
     * The development mailbox ({@code /dev/mail}) when this server keeps its mails instead of
     * sending them (no SMTP server set), e.g. to hand it the reader of replies.
     */
    public Optional<DevMailbox> devMailbox() {
        return devMailbox;
    }

    /** The widget, console and demo files held in memory (for tests that count them). */
    public StaticFiles staticFiles() {
        return files;
    }

    @Override
    public URI baseUri() {
        return URI.create("http://" + host + ":" + port + "/");
    }

    @Override
    public void close() {
        log.info("shutting down");
        // 1. Stop accepting connections and reading requests.
        serverChannel.close().awaitUninterruptibly();
        sockets.forEach(ch -> ch.config().setAutoRead(false));
        LoopBatching.awaitHandovers(workers);
        // 2. Let the router finish what it has, then commit every pending write; the commits'
        //    acknowledgements run on the router and go out before the close frames below. In a
        //    cluster the node stops deciding the same way (if it does), sends the frames, and
        //    releases the lease so that another node takes over at once.
        if (router != null) {
            router.call(() -> null);
        }
        if (cluster != null) {
            cluster.close();
        }
        replies.ifPresent(ReplyReader::close);
        mail.ifPresent(MailSender::close);
        webhooks.ifPresent(WebhookSender::close);
        sweep.ifPresent(UnreferencedSweep::close);
        bot.close();
        store.close();
        if (router != null) {
            router.call(() -> null);
        }
        // 3. Tell clients we are going away (1001): they reconnect with backoff and resume.
        sockets.writeAndFlush(new CloseWebSocketFrame(
                        WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(), "server shutting down"))
                .awaitUninterruptibly(2, TimeUnit.SECONDS);
        sockets.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        if (router != null) {
            router.close();
        }
        blocking.shutdownNow();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
