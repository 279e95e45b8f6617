package dev.concierge.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The load clients' WebSocket connector: one NIO event loop group sized to the cores, shared by
 * every connection of the run. Listeners are called on the connection's event loop and must not
 * block.
 */
final class WsClient implements AutoCloseable {
    /** Large enough for a handoff package with a long transcript. */
    private static final int MAX_FRAME = 16 * 1024 * 1024;

    /**
     * Connections per loopback source address. Servers limit connections per remote address
     * (50 by default), as they should: real visitors come from many addresses. So the clients
     * spread theirs over 127.1.0.1, 127.1.0.2, ... (all loopback on Linux) instead of lifting
     * the limit.
     */
    private static final int PER_SOURCE_ADDRESS = 40;

    private final EventLoopGroup group;
    private final List<Channel> open = new ArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean spreadSources = true;

    private WsClient(int threads) {
        this.group = new NioEventLoopGroup(threads);
    }

    static WsClient create(int threads) {
        return new WsClient(threads);
    }

    /** Receives a connection's frames; called on its event loop. */
    interface Listener {
        /** The handshake completed; a good place to send {@code hello}. */
        default void opened(WsConnection connection) {}

        /** A text frame arrived. */
        void text(WsConnection connection, String text);

        /** The socket closed. */
        default void closed(WsConnection connection) {}
    }

    /** Connects and completes with the connection once the WebSocket handshake is done. */
    CompletableFuture<WsConnection> connect(URI uri, Listener listener) {
        CompletableFuture<WsConnection> ready = new CompletableFuture<>();
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .maxFramePayloadLength(MAX_FRAME)
                .handshakeTimeoutMillis(30_000)
                .build();
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("http-codec", new HttpClientCodec());
                        ch.pipeline().addLast("http-aggregator", new HttpObjectAggregator(64 * 1024));
                        ch.pipeline().addLast("websocket", new WebSocketClientProtocolHandler(config));
                        ch.pipeline().addLast("frame-aggregator", new WebSocketFrameAggregator(MAX_FRAME));
                        ch.pipeline().addLast("load", new Handler(listener, ready));
                    }
                });
        InetSocketAddress remote = new InetSocketAddress(uri.getHost(), uri.getPort());
        ChannelFuture connecting =
                spreadSources ? bootstrap.connect(remote, sourceAddress()) : bootstrap.connect(remote);
        track(connecting.channel());
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                return;
            }
            if (spreadSources && f.cause() instanceof BindException) {
                spreadSources = false; // no 127.1.x.y here (not Linux): one address for all
                ChannelFuture again = bootstrap.connect(remote);
                track(again.channel());
                again.addListener(g -> {
                    if (!g.isSuccess()) {
                        ready.completeExceptionally(g.cause());
                    }
                });
            } else {
                ready.completeExceptionally(f.cause());
            }
        });
        return ready;
    }

    private InetSocketAddress sourceAddress() {
        int k = connections.getAndIncrement() / PER_SOURCE_ADDRESS;
        return new InetSocketAddress("127.1." + (k / 250 % 250) + "." + (k % 250 + 1), 0);
    }

    private void track(Channel channel) {
        synchronized (open) {
            open.add(channel);
        }
    }

    /**
     * Opens {@code count} connections with at most {@code concurrency} handshakes under way, and
     * returns those that opened before {@code timeout} (failures are counted, not thrown).
     */
    List<WsConnection> connectAll(
            URI uri, int count, int concurrency, IntFunction<Listener> listeners, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Semaphore slots = new Semaphore(concurrency);
        List<WsConnection> connected = new ArrayList<>(count);
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < count; i++) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !slots.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                break;
            }
            connect(uri, listeners.apply(i)).whenComplete((c, e) -> {
                if (e == null) {
                    synchronized (connected) {
                        connected.add(c);
                    }
                } else {
                    failed.incrementAndGet();
                }
                slots.release();
            });
        }
        long left = Math.max(0, deadline - System.nanoTime());
        if (slots.tryAcquire(concurrency, left, TimeUnit.NANOSECONDS)) {
            slots.release(concurrency);
        }
        synchronized (connected) {
            return new ArrayList<>(connected);
        }
    }

    /** Closes every connection opened so far (the group stays up). */
    void closeAll() {
        List<Channel> channels;
        synchronized (open) {
            channels = new ArrayList<>(open);
            open.clear();
        }
        for (Channel c : channels) {
            c.close();
        }
        for (Channel c : channels) {
            c.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        closeAll();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Completes the connect future on the handshake and hands text frames to the listener. */
    private static final class Handler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final Listener listener;
        private final CompletableFuture<WsConnection> ready;
        private WsConnection connection;

        Handler(Listener listener, CompletableFuture<WsConnection> ready) {
            this.listener = listener;
            this.ready = ready;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                connection = new WsConnection(ctx.channel());
                listener.opened(connection);
                ready.complete(connection);
            } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                ready.completeExceptionally(new BenchException("WebSocket handshake timed out"));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame text && connection != null) {
                listener.text(connection, text.text());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            ready.completeExceptionally(new BenchException("closed before the handshake completed"));
            if (connection != null) {
                listener.closed(connection);
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ready.completeExceptionally(cause);
            ctx.close();
        }
    }
}
