package dev.concierge.server.transport;

import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.server.attach.AttachmentSettings;
import dev.concierge.server.attach.FileLinks;
import dev.concierge.server.attach.FileUrls;
import dev.concierge.server.attach.UploadHandler;
import dev.concierge.server.attach.Uploads;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.SecurityConfig;
import dev.concierge.server.cluster.ClusterNode;
import dev.concierge.server.http.AgentApi;
import dev.concierge.server.http.AttachmentEndpoints;
import dev.concierge.server.http.BlockingWork;
import dev.concierge.server.http.ConversationWrites;
import dev.concierge.server.http.ConversationsEndpoints;
import dev.concierge.server.http.HttpHandler;
import dev.concierge.server.http.RestApi;
import dev.concierge.server.http.SignedInSockets;
import dev.concierge.server.http.StaticFiles;
import dev.concierge.server.http.TranscriptExport;
import dev.concierge.server.http.VisitorAdminApi;
import dev.concierge.server.http.WebhookReloads;
import dev.concierge.server.insights.InsightsApi;
import dev.concierge.server.insights.ServerMetrics;
import dev.concierge.server.mail.DevMailbox;
import dev.concierge.server.routing.ChatCore;
import dev.concierge.server.routing.Router;
import dev.concierge.server.support.FileEdits;
import dev.concierge.store.ConversationStore;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** Assembles the pipeline, one named handler per concern, and nothing else. */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {
    /** Handler names that only act on HTTP requests (a WebSocket drops them, see {@link WebSocketSessionHandler}). */
    static final String REQUEST_DEADLINE = "request-deadline";

    static final String ORIGIN = "origin";
    static final String HTTP = "http";
    /** The environment variable of the key that signs download URLs (the same on every node of a cluster). */
    private final ServerConfig config;

    private final ProtocolCodec codec;
    private final ChatCore core;
    private final AgentAuth auth;
    private final ServerMessageEncoder encoder;
    private final ChannelGroup sockets;
    private final ConnectionsPerIp connectionsPerIp;
    private final OriginCheck originCheck;
    private final RateLimiter rateLimiter;
    /** Peers whose connections start with a PROXY protocol header; usually none. */
    private final TrustedProxies trustedProxies;
    /** The server's clock for the connection guards: the ticker of {@link AuthConfig}. */
    private final LongSupplier nanoTime;

    private final AgentSockets agentSockets = new AgentSockets();
    private final VisitorAdminApi visitorAdmin;
    private final ConversationWrites conversationWrites;
    private final WebhookReloads webhookReloads;
    /** Shared by every channel: it keeps no state of one. */
    private final HttpHandler http;
    /** The decisions of uploads, shared by every channel's {@link UploadHandler}. */
    private final Uploads uploads;

    /** The pipeline of every accepted connection, over the server's shared parts. */
    public ServerInitializer(
            ServerConfig config,
            ProtocolCodec codec,
            ChatCore core,
            Supplier<Optional<Router>> localRouter,
            Supplier<Optional<String>> notReady,
            ConversationStore store,
            AgentAuth auth,
            BlockingWork blocking,
            ChannelGroup sockets,
            InsightsApi insights,
            ServerMetrics metrics,
            StaticFiles files,
            FileEdits teamEdits,
            Optional<DevMailbox> devMailbox) {
        this.sockets = sockets;
        TranscriptExport export =
                new TranscriptExport(store, auth, codec.mapper(), FileUrls.of(store, config.attachments()));
        AgentApi agentApi = new AgentApi(store, auth, config.routing(), config.agentsFile(), teamEdits, codec.mapper());
        this.visitorAdmin = new VisitorAdminApi(localRouter, store);
        this.webhookReloads = new WebhookReloads(localRouter, Router::reloadWebhooks);
        this.config = config;
        this.codec = codec;
        this.core = core;
        this.auth = auth;
        this.encoder = new ServerMessageEncoder(codec);
        SecurityConfig security = config.security();
        this.connectionsPerIp = new ConnectionsPerIp(security.maxConnectionsPerIp(), security.maxConnections());
        this.originCheck = new OriginCheck(security);
        this.trustedProxies = TrustedProxies.parse(security.trustedProxies(), "trustedProxies");
        this.nanoTime = config.auth().ticker()::read;
        this.rateLimiter = new RateLimiter(
                security.messagesPerSecond(), security.messageBurst(), security.floodCloseAfter(), nanoTime);
        this.http = new HttpHandler(
                files,
                auth,
                codec.mapper(),
                blocking,
                export,
                agentSockets,
                security.adminToken(),
                agentApi,
                config.sites(),
                store::failure,
                notReady,
                visitorAdmin,
                insights,
                metrics,
                devMailbox,
                config.mail() != null && !config.mail().isDevMailbox(),
                config.clock(),
                new RestApi(
                        security.adminToken(),
                        store.integrations(),
                        auth,
                        config.sites()::containsKey,
                        blocking,
                        config.clock(),
                        config.auth().ticker(),
                        webhookReloads,
                        config.webhooks().targetPolicy()::refusalOfTarget,
                        codec.mapper()));
        this.conversationWrites = new ConversationWrites(localRouter, store, auth, codec.mapper(), blocking.api());
        http.conversationsApi(new ConversationsEndpoints(
                store, conversationWrites, insights, codec.mapper(), blocking, auth::accounts));
        AttachmentSettings limits = config.attachments();
        this.uploads = new Uploads(
                limits,
                store,
                auth,
                blocking.uploads(),
                config.clock(),
                config.auth().ticker(),
                uploadDir(config));
        store.attachments()
                .map(FileLinks::forStore)
                .ifPresent(links -> http.attachments(new AttachmentEndpoints(
                        store,
                        export,
                        links,
                        limits.downloadTtl(),
                        config.clock(),
                        blocking.uploads(),
                        codec.mapper())));
    }

    /**
     * Where uploads stream to before they are stored: {@code uploads/} in the data directory,
     * else a directory of this process under the system's temporary directory.
     */
    private static Path uploadDir(ServerConfig config) {
        return config.dataDir() != null
                ? config.dataDir().resolve("uploads")
                : Path.of(
                        System.getProperty("java.io.tmpdir"),
                        "concierge-uploads-" + ProcessHandle.current().pid());
    }

    /** The REST API's writes to conversations (a cluster node passes them to the deciding node). */
    public ConversationWrites conversationWrites() {
        return conversationWrites;
    }

    /** The agents' open sockets by session token (a cluster node closes those signed out elsewhere). */
    public SignedInSockets signedInSockets() {
        return agentSockets;
    }

    /**
     * Lets the per-address connection cap count the connections open on the other nodes of a
     * cluster, and tells the cluster of those open here (docs/scaling.md).
     */
    public void shareConnections(ClusterNode.Connections elsewhere) {
        connectionsPerIp.share(elsewhere);
        elsewhere.countHere(connectionsPerIp::openHere);
    }

    /**
     * Counts every node's uploads against each visitor's upload limit, and tells the other nodes
     * of those admitted here (docs/attachments.md, "In a cluster").
     */
    public void shareUploads(ClusterNode.UploadCharges elsewhere) {
        uploads.share(elsewhere::admitted);
        elsewhere.countElsewhere(uploads::admittedElsewhere);
    }

    /** The admin API's visitor calls (a cluster node passes erasure to the deciding node). */
    public VisitorAdminApi visitorAdmin() {
        return visitorAdmin;
    }

    /** Tells the router of webhook endpoint changes (a cluster node passes them to the deciding node). */
    public WebhookReloads webhookReloads() {
        return webhookReloads;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        SecurityConfig security = config.security();
        ch.config()
                .setWriteBufferWaterMark(new WriteBufferWaterMark(security.writeLowWater(), security.writeHighWater()));
        ChannelPipeline p = ch.pipeline();
        if (!trustedProxies.isEmpty() && trustedProxies.contains(ch.remoteAddress())) {
            // Only a trusted proxy's connection is read for a header: both leave once it is read.
            p.addLast("proxy-decoder", new HAProxyMessageDecoder());
            p.addLast("proxy-header", new ProxyHeader());
        }
        p.addLast("connections-per-ip", connectionsPerIp);
        p.addLast("idle", new IdleGuard(security.pingAfter(), security.idleCloseAfter(), nanoTime));
        p.addLast("slow-reader", new SlowReaderGuard(security.maxPendingWriteBytes(), security.unwritableTimeout()));
        p.addLast("http-codec", new HttpServerCodec(4096, security.maxHeaderBytes(), 8192));
        // Uploads stream to disk: taken before the aggregator, which holds a whole request in memory.
        p.addLast("uploads", new UploadHandler(uploads, codec.mapper(), security.requestTimeout()));
        p.addLast("http-aggregator", new HttpObjectAggregator(64 * 1024));
        p.addLast(REQUEST_DEADLINE, new RequestDeadline(security.requestTimeout()));
        p.addLast(ORIGIN, originCheck);
        p.addLast(
                "websocket",
                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                        .websocketPath("/ws")
                        .checkStartsWith(true)
                        // Violations reach the session handler, which closes with their code (1002, 1007,
                        // 1009); closing here would answer a bad close frame with 1000.
                        .decoderConfig(WebSocketDecoderConfig.newBuilder()
                                .maxFramePayloadLength(config.maxFrameBytes())
                                .allowExtensions(false)
                                .closeOnProtocolViolation(false)
                                .build())
                        .handshakeTimeoutMillis(security.requestTimeout().toMillis())
                        .build()));
        p.addLast("frame-aggregator", new WebSocketFrameAggregator(security.maxMessageBytes()));
        p.addLast(HTTP, http);
        p.addLast("json-encoder", encoder);
        p.addLast(
                "session",
                new WebSocketSessionHandler(
                        codec, core, auth, sockets, rateLimiter, agentSockets, originCheck, security.helloTimeout()));
    }
}
