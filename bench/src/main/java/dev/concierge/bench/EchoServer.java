package dev.concierge.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The baseline: the smallest Netty 4.1 WebSocket server that answers every text frame with the
 * same text, on the same kind of pipeline as the product (HTTP codec, aggregator, WebSocket
 * protocol handler, one handler) and the same event loop sizing. Started by the bench in its own
 * JVM; prints {@code http://127.0.0.1:PORT/} when it listens.
 */
public final class EchoServer {
    private EchoServer() {}

    /** {@code EchoServer [--port N]}; runs until the process is stopped. */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length == 2 && args[0].equals("--port") ? Integer.parseInt(args[1]) : 0;
        EventLoopGroup boss = new NioEventLoopGroup(1);
        EventLoopGroup workers = new NioEventLoopGroup();
        Echo echo = new Echo();
        Channel server = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("http-codec", new HttpServerCodec());
                        ch.pipeline().addLast("http-aggregator", new HttpObjectAggregator(64 * 1024));
                        ch.pipeline()
                                .addLast(
                                        "websocket",
                                        new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                                .websocketPath("/ws")
                                                .checkStartsWith(true)
                                                .maxFramePayloadLength(64 * 1024)
                                                .build()));
                        ch.pipeline().addLast("echo", echo);
                    }
                })
                .bind("127.0.0.1", port)
                .sync()
                .channel();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close().awaitUninterruptibly();
                            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
                            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
                            stopped.countDown();
                        },
                        "echo-shutdown"));
        System.out.println(
                "Echo baseline at http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/ws");
        System.out.flush();
        stopped.await();
    }

    /** Writes each text frame's bytes straight back. */
    @ChannelHandler.Sharable
    private static final class Echo extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            ctx.writeAndFlush(new TextWebSocketFrame(frame.content().retain()), ctx.voidPromise());
        }
    }
}
