package dev.concierge.client.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A WebSocket server on a real socket (port 0) that does nothing on its own: a test takes each
 * accepted socket as a {@link Peer}, reads what the client sent and scripts the answers. Also
 * answers {@code POST /api/agent/login} through a replaceable function, and file uploads
 * ({@code POST /api/conversations/{id}/attachments}) with a scripted answer, keeping each upload.
 */
public final class ScriptedServer implements AutoCloseable {
    /** How long the server waits for what a test expects of the client. */
    public static final Duration WAIT = Duration.ofSeconds(5);

    private final ProtocolCodec codec = ProtocolCodec.create();
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final BlockingQueue<Peer> peers = new LinkedBlockingQueue<>();
    private final AtomicInteger logins = new AtomicInteger();
    private volatile BiFunction<String, String, Optional<String>> login = (user, password) -> Optional.empty();
    private volatile HttpResponseStatus loginFailure;
    private final BlockingQueue<Upload> uploads = new LinkedBlockingQueue<>();
    private volatile boolean holdUploads;
    private volatile UploadAnswer uploadAnswer = new UploadAnswer(
            201,
            "{\"attachment\":{\"id\":\"" + ATTACHMENT_ID + "\",\"name\":\"mug.png\",\"kind\":\"image\","
                    + "\"mediaType\":\"image/png\",\"size\":120,\"width\":4,\"height\":3}}",
            Map.of());

    /** The id of the attachment uploads are answered with by default. */
    public static final String ATTACHMENT_ID = "a_abcdefghijklmnopqrstuvwxyz";

    /** An upload a client made: its URI (path and query), its {@code Authorization} and its body. */
    public record Upload(String uri, String authorization, byte[] body) {}

    /** How uploads are answered: a status, a JSON body and headers. */
    public record UploadAnswer(int status, String json, Map<String, String> headers) {}

    private final Channel channel;

    private ScriptedServer() throws InterruptedException {
        channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("http", new HttpServerCodec())
                                .addLast("aggregator", new HttpObjectAggregator(1 << 16))
                                .addLast("login", new LoginHandler())
                                .addLast(
                                        "websocket",
                                        new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                                .websocketPath("/ws")
                                                .checkStartsWith(true)
                                                .handleCloseFrames(false)
                                                .build()))
                                .addLast("frames", new FrameHandler());
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    /** Starts a server on a free port of 127.0.0.1. */
    public static ScriptedServer start() throws InterruptedException {
        return new ScriptedServer();
    }

    /** The base URI to give a client builder. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) channel.localAddress()).getPort());
    }

    /** Answers logins: a token for good credentials, empty for HTTP 401. */
    public void login(BiFunction<String, String, Optional<String>> login) {
        this.login = login;
    }

    /** Answers every login with {@code status} (a node that cannot serve: 503), whatever the credentials. */
    public void failLogins(HttpResponseStatus status) {
        this.loginFailure = status;
    }

    /** How many login requests arrived. */
    public int logins() {
        return logins.get();
    }

    /** Answers uploads from now on with {@code answer} (by default 201 with {@link #ATTACHMENT_ID}). */
    public void answerUploads(UploadAnswer answer) {
        this.uploadAnswer = answer;
    }

    /** Leaves uploads from now on unanswered (a server that stalls), or answers them again. */
    public void holdUploads(boolean hold) {
        this.holdUploads = hold;
    }

    /** The next upload a client made, waiting up to {@link #WAIT}. */
    public Upload nextUpload() throws InterruptedException {
        Upload upload = uploads.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (upload == null) {
            fail("no upload within " + WAIT);
        }
        return upload;
    }

    /** The next socket a client opened, waiting up to {@link #WAIT}. */
    public Peer nextPeer() throws InterruptedException {
        Peer peer = peers.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (peer == null) {
            fail("no client connected within " + WAIT);
        }
        return peer;
    }

    /** Asserts that no client connects within {@code quiet} (absence can only be waited for). */
    public void assertNoPeerWithin(Duration quiet) throws InterruptedException {
        assertThat(peers.poll(quiet.toMillis(), TimeUnit.MILLISECONDS))
                .as("unexpected connection")
                .isNull();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One accepted socket. */
    public final class Peer {
        /** The path the client opened the socket on. */
        public final String path;

        private final Channel ch;
        private final BlockingQueue<ClientMessage> received = new LinkedBlockingQueue<>();
        private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();

        Peer(String path, Channel ch) {
            this.path = path;
            this.ch = ch;
        }

        /** The next frame the client sent, which must be a {@code type}. */
        public <T extends ClientMessage> T expect(Class<T> type) throws InterruptedException {
            ClientMessage message = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (message == null) {
                fail("expected a " + type.getSimpleName() + " within " + WAIT);
            }
            assertThat(message).isInstanceOf(type);
            return type.cast(message);
        }

        /** Asserts that nothing was received so far (frames arrive in order, so call after a later expect). */
        public void assertNothingElse() {
            assertThat(received).isEmpty();
        }

        /** Sends a frame. */
        public void send(ServerMessage message) {
            ch.writeAndFlush(new TextWebSocketFrame(codec.encode(message))).syncUninterruptibly();
        }

        /** Sends a frame split into {@code parts} WebSocket fragments. */
        public void sendFragmented(ServerMessage message, int parts) {
            byte[] bytes = codec.encode(message).getBytes(StandardCharsets.UTF_8);
            int size = (bytes.length + parts - 1) / parts;
            for (int i = 0; i < parts; i++) {
                int from = i * size;
                int to = Math.min(bytes.length, from + size);
                boolean last = i == parts - 1;
                var content = Unpooled.copiedBuffer(bytes, from, to - from);
                ch.write(
                        i == 0
                                ? new TextWebSocketFrame(last, 0, content)
                                : new ContinuationWebSocketFrame(last, 0, content));
            }
            ch.flush();
        }

        /** The status code of the client's close frame, awaited up to {@link #WAIT}. */
        public int awaitCloseFrame() throws Exception {
            return closeCode.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Drops the TCP connection without a close frame, as a crash would. */
        public void drop() {
            ch.close().syncUninterruptibly();
        }

        /** Closes with a WebSocket close frame. */
        public void close(int code, String reason) {
            ch.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private final class FrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake) {
                Peer peer = new Peer(URI.create(handshake.requestUri()).getPath(), ctx.channel());
                ctx.channel().attr(PeerKey.KEY).set(peer);
                peers.add(peer);
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            Peer peer = ctx.channel().attr(PeerKey.KEY).get();
            if (frame instanceof TextWebSocketFrame text) {
                peer.received.add(codec.decodeClient(text.text()));
            } else if (frame instanceof CloseWebSocketFrame close) {
                peer.closeCode.complete(close.statusCode());
                ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), ""))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    private final class LoginHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        LoginHandler() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws Exception {
            if (request.method().equals(HttpMethod.POST) && request.uri().startsWith("/api/conversations/")) {
                byte[] body = new byte[request.content().readableBytes()];
                request.content().readBytes(body);
                uploads.add(new Upload(request.uri(), request.headers().get(HttpHeaderNames.AUTHORIZATION), body));
                request.release();
                if (holdUploads) {
                    return;
                }
                UploadAnswer answer = uploadAnswer;
                sendJson(
                        ctx,
                        HttpResponseStatus.valueOf(answer.status()),
                        answer.json().getBytes(StandardCharsets.UTF_8),
                        answer.headers());
                return;
            }
            if (!(request.method().equals(HttpMethod.POST) && request.uri().equals("/api/agent/login"))) {
                ctx.fireChannelRead(request);
                return;
            }
            logins.incrementAndGet();
            HttpResponseStatus failure = loginFailure;
            if (failure != null) {
                request.release();
                sendJson(ctx, failure, codec.mapper().writeValueAsBytes(Map.of("error", "unavailable")), Map.of());
                return;
            }
            JsonNode body = codec.mapper().readTree(request.content().toString(StandardCharsets.UTF_8));
            request.release();
            Optional<String> token = login.apply(
                    body.path("username").asText(), body.path("password").asText());
            Object answer = token.<Object>map(
                            t -> Map.of("token", t, "agent", Map.of("id", "demo", "name", "Dana Demo")))
                    .orElse(Map.of("error", "unauthorized"));
            sendJson(
                    ctx,
                    token.isPresent() ? HttpResponseStatus.OK : HttpResponseStatus.UNAUTHORIZED,
                    codec.mapper().writeValueAsBytes(answer),
                    Map.of());
        }

        /** Answers with {@code json} and {@code status}, with {@code headers} besides its type and length. */
        private void sendJson(
                ChannelHandlerContext ctx, HttpResponseStatus status, byte[] json, Map<String, String> headers) {
            var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(json));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            headers.forEach((name, value) -> response.headers().set(name, value));
            response.headers()
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            ctx.writeAndFlush(response);
        }
    }

    private static final class PeerKey {
        static final io.netty.util.AttributeKey<Peer> KEY = io.netty.util.AttributeKey.valueOf("peer");
    }
}
