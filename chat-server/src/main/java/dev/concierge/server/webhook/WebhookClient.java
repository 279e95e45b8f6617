package dev.concierge.server.webhook;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The webhook transport over Netty (docs/security.md, "Webhooks and SSRF"). Each request: the URL
 * is checked by the {@link TargetPolicy}; the host is resolved on one of two DNS threads and
 * EVERY address it resolves to is checked (one refused address refuses the request); the socket
 * connects to the first checked address itself, so a second DNS answer can never redirect it
 * (DNS rebinding); the connected peer is checked again; for {@code https} the certificate must be
 * valid for the URL's host (SNI and host name verification from the URL, not the IP). Redirects
 * are not followed; at most 64 KiB of the answer is read, its first 1 KiB kept. One connection per
 * request, all on one event-loop thread, {@code concierge-webhook-io}.
 *
 * <p>The futures complete on that thread or a DNS thread: callers do their work in the
 * {@code *Async} stages on an executor of their own, never blocking in a plain dependent stage.
 */
public final class WebhookClient implements WebhookTransport {
    /** Resolves a host name to its addresses; blocking, run on the client's DNS threads. */
    @FunctionalInterface
    public interface Resolver {
        /** The addresses of {@code host}, as the system's resolver gives them. */
        List<InetAddress> resolve(String host) throws UnknownHostException;
    }

    /** The system's resolver ({@link InetAddress#getAllByName}). */
    public static final Resolver SYSTEM_RESOLVER = host -> List.of(InetAddress.getAllByName(host));

    /** The default time to set up the TCP connection. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** The default time for the whole request: resolving, connecting, TLS, sending and reading. */
    public static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(10);

    private static final String USER_AGENT = "Concierge-Webhooks/1";

    private final TargetPolicy policy;
    private final Resolver resolver;
    private final Duration exchangeTimeout;
    private final Clock clock;
    private final SslContext ssl;
    private final EventLoopGroup io;
    private final ExecutorService dns;
    private final Bootstrap bootstrap;
    private final Set<WebhookCall> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** A client with the system's resolver and trust store and the default timeouts. */
    public WebhookClient(TargetPolicy policy) {
        this(policy, SYSTEM_RESOLVER, CONNECT_TIMEOUT, EXCHANGE_TIMEOUT, Optional.empty(), Clock.systemUTC());
    }

    /**
     * A client resolving with {@code resolver}, trusting the certificates of {@code trust} (the
     * system's trust store if empty), giving up a connection after {@code connectTimeout} and a
     * whole request after {@code exchangeTimeout}; {@code clock} reads HTTP dates of
     * {@code Retry-After}.
     */
    public WebhookClient(
            TargetPolicy policy,
            Resolver resolver,
            Duration connectTimeout,
            Duration exchangeTimeout,
            Optional<TrustManagerFactory> trust,
            Clock clock) {
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, was " + connectTimeout);
        }
        if (exchangeTimeout.isNegative() || exchangeTimeout.isZero()) {
            throw new IllegalArgumentException("exchangeTimeout must be positive, was " + exchangeTimeout);
        }
        this.policy = policy;
        this.resolver = resolver;
        this.exchangeTimeout = exchangeTimeout;
        this.clock = clock;
        this.ssl = sslContext(trust);
        this.io = new NioEventLoopGroup(1, (ThreadFactory) runnable -> daemon(runnable, "concierge-webhook-io"));
        AtomicInteger dnsThreads = new AtomicInteger();
        this.dns = new ThreadPoolExecutor(
                2,
                2,
                0,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                runnable -> daemon(runnable, "concierge-webhook-dns-" + dnsThreads.incrementAndGet()));
        this.bootstrap = new Bootstrap()
                .group(io)
                .channel(NioSocketChannel.class)
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
    }

    @Override
    public CompletableFuture<Response> send(Request request) {
        WebhookCall call = new WebhookCall(clock);
        inFlight.add(call);
        call.future().whenComplete((response, error) -> inFlight.remove(call));
        if (closed) {
            call.fail("client closed");
            return call.future();
        }
        Optional<String> refusal = policy.refusalOfUrl(request.url());
        if (refusal.isPresent()) {
            call.fail("refused: " + refusal.get());
            return call.future();
        }
        try {
            call.timer(io.next().schedule(() -> call.fail("timeout"), exchangeTimeout.toNanos(), TimeUnit.NANOSECONDS));
            dns.execute(() -> resolveAndConnect(request, call));
        } catch (RejectedExecutionException e) {
            call.fail("client closed");
        }
        return call.future();
    }

    /** On a DNS thread: resolves, checks every address, connects to the first. */
    private void resolveAndConnect(Request request, WebhookCall call) {
        if (call.done()) {
            return;
        }
        URI url = request.url();
        String host = TargetPolicy.hostOf(url);
        List<InetAddress> addresses;
        try {
            byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
            addresses = literal != null ? List.of(InetAddress.getByAddress(literal)) : resolver.resolve(host);
        } catch (UnknownHostException e) {
            call.fail("dns: " + host + " not found");
            return;
        } catch (RuntimeException e) {
            call.fail("dns: " + WebhookCall.describe(e));
            return;
        }
        if (addresses.isEmpty()) {
            call.fail("dns: " + host + " has no address");
            return;
        }
        for (InetAddress address : addresses) {
            Optional<String> refusal = policy.refusalOf(address);
            if (refusal.isPresent()) {
                call.fail("refused: " + refusal.get());
                return;
            }
        }
        FullHttpRequest http;
        try {
            http = httpRequest(request);
        } catch (IllegalArgumentException e) {
            call.fail("bad request: " + e.getMessage());
            return;
        }
        connect(url, new InetSocketAddress(addresses.get(0), port(url)), http, call);
    }

    private void connect(URI url, InetSocketAddress target, FullHttpRequest http, WebhookCall call) {
        boolean https = url.getScheme().equalsIgnoreCase("https");
        ChannelFuture connecting;
        try {
            connecting = bootstrap
                    .clone()
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            if (https) {
                                SslHandler tls =
                                        ssl.newHandler(channel.alloc(), TargetPolicy.hostOf(url), target.getPort());
                                tls.handshakeFuture().addListener(handshake -> {
                                    if (!handshake.isSuccess()) {
                                        call.fail(WebhookCall.describe(handshake.cause()));
                                    }
                                });
                                channel.pipeline().addLast(tls);
                            }
                            channel.pipeline().addLast(new HttpClientCodec(), call);
                        }
                    })
                    .connect(target);
        } catch (RuntimeException e) {
            http.release();
            call.fail("client closed");
            return;
        }
        call.channel(connecting.channel(), NetUtil.toSocketAddressString(target));
        connecting.addListener(connected -> {
            if (!connected.isSuccess()) {
                http.release();
                call.fail(
                        connected.cause() instanceof ConnectTimeoutException
                                ? "connect timeout"
                                : "connect failed: " + WebhookCall.reason(connected.cause()));
                return;
            }
            InetSocketAddress peer = (InetSocketAddress) connecting.channel().remoteAddress();
            Optional<String> refusal = policy.refusalOf(peer.getAddress());
            if (refusal.isPresent()) {
                http.release();
                call.fail("refused: " + refusal.get());
                return;
            }
            connecting.channel().writeAndFlush(http).addListener(written -> {
                if (!written.isSuccess()) {
                    call.fail(WebhookCall.describe(written.cause()));
                }
            });
        });
    }

    private static FullHttpRequest httpRequest(Request request) {
        URI url = request.url();
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        String target = url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
        FullHttpRequest http = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.POST, target, Unpooled.wrappedBuffer(request.body()));
        http.headers().set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        for (Map.Entry<String, String> header : request.headers().entrySet()) {
            if (header.getValue().chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                http.release();
                throw new IllegalArgumentException("the header " + header.getKey() + " holds a line break");
            }
            http.headers().set(header.getKey(), header.getValue());
        }
        int port = port(url);
        boolean defaultPort = url.getPort() == -1 || port == (url.getScheme().equalsIgnoreCase("https") ? 443 : 80);
        http.headers().set(HttpHeaderNames.HOST, defaultPort ? url.getHost() : url.getHost() + ":" + port);
        http.headers().set(HttpHeaderNames.CONTENT_LENGTH, request.body().length);
        http.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return http;
    }

    private static int port(URI url) {
        if (url.getPort() != -1) {
            return url.getPort();
        }
        return url.getScheme().toLowerCase(Locale.ROOT).equals("https") ? 443 : 80;
    }

    /** Ends every request in flight with an error and stops the threads. */
    @Override
    public void close() {
        closed = true;
        for (WebhookCall call : inFlight) {
            call.fail("client closed");
        }
        dns.shutdownNow();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static SslContext sslContext(Optional<TrustManagerFactory> trust) {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .endpointIdentificationAlgorithm("HTTPS")
                .protocols("TLSv1.3", "TLSv1.2");
        trust.ifPresent(builder::trustManager);
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS for webhooks: " + e.getMessage(), e);
        }
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new FastThreadLocalThread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }
}
