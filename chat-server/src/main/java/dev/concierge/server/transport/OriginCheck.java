package dev.concierge.server.transport;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.auth.SecurityConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-site WebSocket hijacking: a WebSocket handshake whose {@code Origin} is not allowed gets
 * 403 before the upgrade. Allowed: no Origin at all (not a browser), the server's own origin, the
 * configured origins (exact match), or anything but {@code null} when {@code allowAnyOrigin}. The
 * per-site lists are checked again at the {@code hello}, which names the site; a site that lists
 * its origins is held to them even when {@code allowAnyOrigin} is on.
 */
@Sharable
final class OriginCheck extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(OriginCheck.class);
    /** The Origin of the handshake, when a browser sent one from a page not served by this server. */
    static final AttributeKey<String> ORIGIN = AttributeKey.valueOf("concierge.origin");

    private final SecurityConfig config;
    private final Set<String> anySite = new HashSet<>();

    OriginCheck(SecurityConfig config) {
        this.config = config;
        anySite.addAll(config.allowedOrigins());
        config.siteOrigins().values().forEach(anySite::addAll);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof FullHttpRequest request && isWebSocketPath(request)) {
            String origin = request.headers().get(HttpHeaderNames.ORIGIN);
            if (origin != null && !allowedAtHandshake(origin, request.headers().get(HttpHeaderNames.HOST))) {
                log.warn(
                        "{}: WebSocket handshake from a foreign origin refused",
                        ctx.channel().id().asShortText());
                boolean keepAlive = false;
                ReferenceCountUtil.release(request);
                FullHttpResponse response = new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.FORBIDDEN,
                        Unpooled.copiedBuffer(
                                "{\"error\":\"" + ErrorCode.FORBIDDEN_ORIGIN.wire() + "\"}", StandardCharsets.UTF_8));
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
                HttpUtil.setContentLength(response, response.content().readableBytes());
                HttpUtil.setKeepAlive(response, keepAlive);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (origin != null && !ownOrigin(origin, request.headers().get(HttpHeaderNames.HOST))) {
                ctx.channel().attr(ORIGIN).set(origin);
            }
        }
        super.channelRead(ctx, msg);
    }

    private static boolean isWebSocketPath(FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        return path.equals("/ws") || path.startsWith("/ws/");
    }

    private boolean allowedAtHandshake(String origin, String host) {
        if (origin.equals("null")) {
            return false;
        }
        return config.allowAnyOrigin() || anySite.contains(origin) || ownOrigin(origin, host);
    }

    private static boolean ownOrigin(String origin, String host) {
        return host != null
                && (origin.equalsIgnoreCase("http://" + host) || origin.equalsIgnoreCase("https://" + host));
    }

    /**
     * Whether a socket opened from {@code origin} ({@link #ORIGIN}: empty for non-browsers and the
     * server's own pages) may speak for {@code site}: the server-wide origins speak for every
     * site; a site that lists origins only for those; a site without a list for any origin when
     * {@code allowAnyOrigin}, else for none but the server-wide ones.
     */
    boolean allowedForSite(Optional<String> origin, String site) {
        if (origin.isEmpty()) {
            return true;
        }
        String o = origin.get();
        if (config.allowedOrigins().contains(o)) {
            return true;
        }
        List<String> own = site == null ? null : config.siteOrigins().get(site);
        if (own != null) {
            return own.contains(o);
        }
        return config.allowAnyOrigin();
    }
}
