package dev.concierge.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.bot.FaqBot;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.AgentsFile;
import dev.concierge.server.auth.AuthConfig;
import dev.concierge.server.cluster.ClusterNode;
import dev.concierge.server.cluster.ClusterSettings;
import dev.concierge.server.http.BlockingWork;
import dev.concierge.server.http.StaticFiles;
import dev.concierge.server.insights.FaqEditing;
import dev.concierge.server.insights.InsightsApi;
import dev.concierge.server.insights.MeteredConversationStore;
import dev.concierge.server.insights.ServerMetrics;
import dev.concierge.server.routing.BotService;
import dev.concierge.server.routing.ChatCore;
import dev.concierge.server.routing.Recovery;
import dev.concierge.server.routing.Router;
import dev.concierge.server.support.FileEdits;
import dev.concierge.server.support.Ids;
import dev.concierge.server.support.ServerException;
import dev.concierge.server.transport.LoopBatching;
import dev.concierge.server.transport.ServerConfig;
import dev.concierge.server.transport.ServerInitializer;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.DeciderLease;
import dev.concierge.store.Fencing;
import dev.concierge.store.InMemoryConversationStore;
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
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Netty implementation of {@link ChatServer}. */
public final class NettyChatServer implements ChatServer {
    private static final Logger log = LoggerFactory.getLogger(NettyChatServer.class);
    private static final String SAMPLE_FAQ = "/sample-faq/shop-faq.json";
    /** How long rebuilding the router from the store may take at start-up or a takeover. */
    private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(5);

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
        Path faqFile = config.faq() != null ? config.faq() : extractSampleFaq(config.dataDir());
        // Watched: an FAQ file saved by an editor or a deploy answers visitors without a restart.
        FaqBot faqBot = FaqBot.builder().file(faqFile).watch(true).build();
        ServerMetrics metrics = new ServerMetrics(
                config.cluster() == null ? null : config.cluster().nodeId());
        BotService bot = new BotService(
                faqBot, config.botThreads(), nanos -> metrics.botAnswer().record(nanos, TimeUnit.NANOSECONDS));
        ConversationStore opened = openStore(config);
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
        ClusterNode cluster = null;
        ChatCore core;
        Supplier<Optional<Router>> localRouter;
        FileEdits faqEdits = FileEdits.local();
        FileEdits teamEdits = FileEdits.local();
        if (config.cluster() == null) {
            Router single = newRouter(config, store, bot, ids, auth);
            router = single;
            core = single;
            localRouter = () -> Optional.of(single);
        } else {
            ClusterNode node = startCluster(config, bot, ids, auth, metrics);
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
                                    teamEdits))
                    .bind(config.host(), config.port())
                    .sync()
                    .channel();
            if (cluster != null) {
                cluster.closeSocketsWith(initializer.signedInSockets()::closeAll);
                initializer.shareConnections(cluster.connections());
                ClusterCalls.wire(cluster, initializer.visitorAdmin(), localRouter, json);
            }
            NettyChatServer server = new NettyChatServer(
                    boss, workers, channel, sockets, router, cluster, bot, store, blocking, config.host(), files);
            log.info(
                    "listening on {}:{} with {} FAQ entries",
                    config.host(),
                    server.port,
                    faqBot.knowledgeBase().entries().size());
            return server;
        } catch (Exception e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
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

    private static Router newRouter(
            ServerConfig config, ConversationStore store, BotService bot, Ids ids, AgentAuth auth) {
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
     * Joins the cluster (docs/scaling.md). While this node holds the decider lease it runs the
     * router over a store fenced by the lease's token, recovered from PostgreSQL as after a
     * restart; the other stores of this node (sign-ins, searches, exports) are not fenced, since
     * they decide nothing about a conversation.
     */
    private static ClusterNode startCluster(
            ServerConfig config, BotService bot, Ids ids, AgentAuth auth, ServerMetrics metrics) {
        ClusterSettings settings = config.cluster();
        DeciderLease lease = DeciderLease.postgres(
                config.jdbcUrl(), config.jdbcUser(), config.jdbcPassword(), ClusterSettings.LEASE);
        ClusterNode.Starter starter = token -> {
            JdbcConversationStore fenced = JdbcConversationStore.postgres(
                    config.jdbcUrl(),
                    config.jdbcUser(),
                    config.jdbcPassword(),
                    new Fencing(ClusterSettings.LEASE, token));
            Router router;
            try {
                router = newRouter(config, new MeteredConversationStore(fenced, metrics), bot, ids, auth);
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
                    fenced.close(); // commits what is queued, if the lease still allows
                    router.call(() -> null); // the commits' completions
                    router.close();
                }
            };
        };
        return ClusterNode.start(settings, lease, starter, config.sites()::containsKey, auth, ProtocolCodec.create());
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

    private static ConversationStore openStore(ServerConfig config) {
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

    /**
     * The embedded sample FAQ as a file (the bot watches files): in the data directory if any.
     * FAQ edits from the console go to this copy, so a copy already there (with its edits) is
     * kept; delete it to start again from the sample.
     */
    private static Path extractSampleFaq(Path dataDir) {
        try (InputStream in = NettyChatServer.class.getResourceAsStream(SAMPLE_FAQ)) {
            if (in == null) {
                throw new ServerException("the sample FAQ is missing from the classpath: " + SAMPLE_FAQ);
            }
            Path file;
            if (dataDir != null) {
                Files.createDirectories(dataDir);
                file = dataDir.resolve("sample-faq.json");
                if (Files.isRegularFile(file)) {
                    return file;
                }
                // Whole or not at all: a half-written copy would stop the next start.
                Path part = Files.createTempFile(dataDir, "sample-faq", ".part");
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
                return file;
            }
            file = Files.createTempFile("concierge-sample-faq", ".json");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new ServerException("cannot extract the sample FAQ", e);
        }
    }

    @Override
    public int port() {
        return port;
    }

    /** The open WebSockets' channels (for tests that look at a socket's pipeline). */
    ChannelGroup sockets() {
        return sockets;
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
