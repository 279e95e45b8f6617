package dev.concierge.server;

import dev.concierge.protocol.ProtocolCodec;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.channel.group.ChannelGroup;
import java.util.concurrent.Executor;

/** Assembles the pipeline, one named handler per concern, and nothing else. */
final class ServerInitializer extends ChannelInitializer<SocketChannel> {
    private final ServerConfig config;
    private final ProtocolCodec codec;
    private final Router router;
    private final AgentAuth auth;
    private final StaticFiles files = new StaticFiles();
    private final ServerMessageEncoder encoder;
    private final Executor blocking;
    private final ChannelGroup sockets;
    private final TranscriptExport export;

    ServerInitializer(ServerConfig config, ProtocolCodec codec, Router router, AgentAuth auth, Executor blocking,
                      ChannelGroup sockets) {
        this.sockets = sockets;
        this.export = new TranscriptExport(router.store, auth, codec.mapper());
        this.config = config;
        this.codec = codec;
        this.router = router;
        this.auth = auth;
        this.blocking = blocking;
        this.encoder = new ServerMessageEncoder(codec);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("http-codec", new HttpServerCodec(4096, 8192, 8192));
        p.addLast("http-aggregator", new HttpObjectAggregator(64 * 1024));
        p.addLast("websocket", new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws")
                .checkStartsWith(true)
                .maxFramePayloadLength(config.maxFrameBytes())
                .handshakeTimeoutMillis(10_000)
                .allowExtensions(false)
                .build()));
        p.addLast("frame-aggregator", new WebSocketFrameAggregator(config.maxFrameBytes()));
        p.addLast("http", new HttpHandler(files, auth, codec.mapper(), blocking, export));
        p.addLast("json-encoder", encoder);
        p.addLast("session", new WebSocketSessionHandler(codec, router, auth, sockets));
    }
}
