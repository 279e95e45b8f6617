package dev.concierge.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.LoginThrottle;
import dev.concierge.server.auth.Site;
import dev.concierge.server.support.LogSafe;
import dev.concierge.server.transport.AgentSockets;
import dev.concierge.store.ConversationStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plain HTTP: static files (widget, console, demo page) and the small REST API. WebSocket
 * upgrades never reach this handler; the protocol handler before it takes them.
 */
public final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpHandler.class);

    /** The message of a {@code busy} answer: a lane of blocking work is full. */
    static final String BUSY_MESSAGE = "the server is busy; try again shortly";

    private final StaticFiles files;
    private final AgentAuth auth;
    private final ObjectMapper json;
    private final BlockingWork blocking;
    private final TranscriptExport export;
    private final AgentSockets agentSockets;
    private final Optional<String> adminToken;
    private final AgentApi agentApi;
    private final Map<String, Site> sites;
    /** Why the store refuses writes, for {@code /api/health}: {@link ConversationStore#failure}. */
    private final Supplier<Optional<String>> storeFailure;
    /** The admin API's calls on visitor data: lookup and erasure. */
    private final VisitorAdminApi visitorAdmin;

    public HttpHandler(
            StaticFiles files,
            AgentAuth auth,
            ObjectMapper json,
            BlockingWork blocking,
            TranscriptExport export,
            AgentSockets agentSockets,
            Optional<String> adminToken,
            AgentApi agentApi,
            Map<String, Site> sites,
            Supplier<Optional<String>> storeFailure,
            VisitorAdminApi visitorAdmin) {
        this.visitorAdmin = visitorAdmin;
        this.storeFailure = storeFailure;
        this.agentApi = agentApi;
        this.sites = sites;
        this.export = export;
        this.agentSockets = agentSockets;
        this.adminToken = adminToken;
        this.files = files;
        this.auth = auth;
        this.json = json;
        this.blocking = blocking;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST, Map.of("error", ErrorCode.BAD_REQUEST.wire()));
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = request.method();
        if (path.equals("/api/agent/login") && method.equals(HttpMethod.POST)) {
            login(ctx, request);
        } else if (path.equals("/api/agent/logout") && method.equals(HttpMethod.POST)) {
            logout(ctx, request);
        } else if (path.startsWith("/api/admin/") && adminToken.isPresent()) {
            admin(ctx, request, path);
        } else if (path.equals("/api/conversations") && method.equals(HttpMethod.GET)) {
            var params = new QueryStringDecoder(request.uri()).parameters();
            String q = params.containsKey("q") ? params.get("q").get(0) : null;
            String limit = params.containsKey("limit") ? params.get("limit").get(0) : null;
            String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
            onBlocking(ctx, request, blocking.searches(), () -> agentApi.search(authorization, q, limit));
        } else if (path.startsWith("/api/sites/") && method.equals(HttpMethod.GET)) {
            site(ctx, request, path.substring("/api/sites/".length()));
        } else if (path.equals("/api/health") && method.equals(HttpMethod.GET)) {
            Optional<String> failure = storeFailure.get();
            if (failure.isPresent()) {
                respond(
                        ctx,
                        request,
                        HttpResponseStatus.SERVICE_UNAVAILABLE,
                        Map.of("status", "failing", "reason", failure.get()));
            } else {
                respond(ctx, request, HttpResponseStatus.OK, Map.of("status", "ok"));
            }
        } else if (path.startsWith("/api/conversations/")
                && path.endsWith("/transcript")
                && method.equals(HttpMethod.GET)) {
            transcript(ctx, request, path);
        } else if (path.startsWith("/api/conversations/")
                && path.endsWith("/transcript")
                && method.equals(HttpMethod.OPTIONS)) {
            // CORS preflight: the widget downloads from pages of other origins with a header
            // credential (no cookies), so any origin may ask.
            FullHttpResponse preflight =
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
            preflight.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
            preflight.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET");
            preflight.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization");
            preflight.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
            write(ctx, HttpUtil.isKeepAlive(request), preflight);
        } else if (path.startsWith("/api/")) {
            respond(ctx, request, HttpResponseStatus.NOT_FOUND, Map.of("error", ErrorCode.NOT_FOUND.wire()));
        } else if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
            serveFile(ctx, request, path);
        } else {
            respond(
                    ctx,
                    request,
                    HttpResponseStatus.METHOD_NOT_ALLOWED,
                    Map.of("error", ErrorCode.METHOD_NOT_ALLOWED.wire()));
        }
    }

    /**
     * {@code GET /api/sites/{key}}: a site's public settings for the widget (never its secret
     * nor its origin list); any origin may read them, without credentials.
     */
    private void site(ChannelHandlerContext ctx, FullHttpRequest request, String key) {
        Site site = sites.get(key);
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(
                    site == null ? Map.of("error", ErrorCode.NOT_FOUND.wire()) : site.publicSettings());
        } catch (Exception e) {
            respond(ctx, request, HttpResponseStatus.INTERNAL_SERVER_ERROR, Map.of("error", ErrorCode.INTERNAL.wire()));
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                site == null ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        // Short: a site owner's change shows within a minute without a redeploy of the page.
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=60");
        response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        response.headers().set("X-Content-Type-Options", "nosniff");
        write(ctx, HttpUtil.isKeepAlive(request), response);
    }

    private void login(ChannelHandlerContext ctx, FullHttpRequest request) {
        String username;
        String password;
        try {
            JsonNode body = json.readTree(request.content().toString(StandardCharsets.UTF_8));
            username = body.path("username").asText("");
            password = body.path("password").asText("");
        } catch (Exception e) {
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST, Map.of("error", ErrorCode.BAD_JSON.wire()));
            return;
        }
        if (username.isEmpty() || password.isEmpty() || username.length() > 200 || password.length() > 200) {
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST, Map.of("error", ErrorCode.BAD_REQUEST.wire()));
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String address = address(ctx);
        LoginThrottle.Result admitted = auth.admit(username, address);
        if (admitted.attempt().isEmpty()) {
            long wait = admitted.retryAfterSeconds();
            respond(
                    ctx,
                    keepAlive,
                    HttpResponseStatus.TOO_MANY_REQUESTS,
                    Map.of(
                            "error",
                            ErrorCode.TOO_MANY_ATTEMPTS.wire(),
                            "message",
                            "too many sign-in attempts; try again in " + wait + " s"),
                    wait);
            return;
        }
        LoginThrottle.Attempt attempt = admitted.attempt().get();
        // Password hashing is slow on purpose: never on the event loop.
        try {
            blocking.logins().execute(() -> {
                var login = auth.login(username, password, address, attempt);
                ctx.executor().execute(() -> {
                    if (login.isPresent()) {
                        respond(
                                ctx,
                                keepAlive,
                                HttpResponseStatus.OK,
                                Map.of(
                                        "token",
                                        login.get().token(),
                                        "agent",
                                        login.get().agent()));
                    } else {
                        respond(
                                ctx,
                                keepAlive,
                                HttpResponseStatus.UNAUTHORIZED,
                                Map.of("error", ErrorCode.UNAUTHORIZED.wire()));
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            attempt.cancelled();
            busy(ctx, keepAlive);
        }
    }

    /** The client's IP address, as the failure log line and the sign-in throttle know it. */
    private static String address(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress()
                : String.valueOf(ctx.channel().remoteAddress());
    }

    /** 503 with Retry-After: the lane for this kind of work is full. */
    private void busy(ChannelHandlerContext ctx, boolean keepAlive) {
        respond(
                ctx,
                keepAlive,
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                Map.of("error", ErrorCode.BUSY.wire(), "message", BUSY_MESSAGE),
                BlockingWork.RETRY_AFTER_SECONDS);
    }

    private void logout(ChannelHandlerContext ctx, FullHttpRequest request) {
        Optional<String> token = bearer(request);
        if (token.isEmpty() || !auth.logout(token.get())) {
            respond(ctx, request, HttpResponseStatus.UNAUTHORIZED, Map.of("error", ErrorCode.UNAUTHORIZED.wire()));
            return;
        }
        int closed = agentSockets.closeAll(java.util.List.of(token.get()));
        log.info("agent signed out, {} sockets closed", closed);
        respond(ctx, request, HttpResponseStatus.OK, Map.of("status", "signed_out"));
    }

    /**
     * The admin API, on only when an admin token is configured: {@code POST /api/admin/agents},
     * {@code POST /api/admin/agents/{id}/disable}, {@code POST /api/admin/agents/{id}/enable}, and
     * the visitor calls of {@link #adminVisitors}.
     */
    private void admin(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
        byte[] expected = adminToken.orElseThrow().getBytes(StandardCharsets.UTF_8);
        byte[] given = bearer(request).orElse("").getBytes(StandardCharsets.UTF_8);
        if (!java.security.MessageDigest.isEqual(expected, given)) {
            log.warn(
                    "{}: admin API call with a missing or wrong token",
                    ctx.channel().id().asShortText());
            respond(ctx, request, HttpResponseStatus.UNAUTHORIZED, Map.of("error", ErrorCode.UNAUTHORIZED.wire()));
            return;
        }
        if (path.equals("/api/admin/visitors") || path.startsWith("/api/admin/visitors/")) {
            adminVisitors(ctx, request, path);
            return;
        }
        if (path.equals("/api/admin/agents") && request.method().equals(HttpMethod.POST)) {
            String body = request.content().toString(StandardCharsets.UTF_8);
            onBlocking(ctx, request, blocking.logins(), () -> agentApi.createAgent(body));
            return;
        }
        String prefix = "/api/admin/agents/";
        String enable = "/enable";
        if (request.method().equals(HttpMethod.POST)
                && path.startsWith(prefix)
                && path.endsWith(enable)
                && path.length() > prefix.length() + enable.length()) {
            boolean known = auth.enable(path.substring(prefix.length(), path.length() - enable.length()));
            respond(
                    ctx,
                    request,
                    known ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND,
                    Map.of(known ? "status" : "error", known ? "enabled" : ErrorCode.NOT_FOUND.wire()));
            return;
        }
        String suffix = "/disable";
        if (!request.method().equals(HttpMethod.POST)
                || !path.startsWith(prefix)
                || !path.endsWith(suffix)
                || path.length() <= prefix.length() + suffix.length()) {
            respond(ctx, request, HttpResponseStatus.NOT_FOUND, Map.of("error", ErrorCode.NOT_FOUND.wire()));
            return;
        }
        String agentId = path.substring(prefix.length(), path.length() - suffix.length());
        var tokens = auth.disable(agentId);
        if (tokens.isEmpty()) {
            respond(ctx, request, HttpResponseStatus.NOT_FOUND, Map.of("error", ErrorCode.NOT_FOUND.wire()));
            return;
        }
        int closed = agentSockets.closeAll(tokens.get());
        respond(ctx, request, HttpResponseStatus.OK, Map.of("status", "disabled", "socketsClosed", closed));
    }

    /**
     * {@code GET /api/admin/visitors?conversation=|email=|site=&user=} finds visitor ids;
     * {@code POST /api/admin/visitors/{id}/erase} erases one (docs/storage.md).
     */
    private void adminVisitors(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
        String erase = "/erase";
        String prefix = "/api/admin/visitors/";
        if (path.equals("/api/admin/visitors") && request.method().equals(HttpMethod.GET)) {
            var params = new QueryStringDecoder(request.uri()).parameters();
            java.util.function.Function<String, String> p =
                    k -> params.containsKey(k) ? params.get(k).get(0) : null;
            String conversation = p.apply("conversation");
            String email = p.apply("email");
            String site = p.apply("site");
            String user = p.apply("user");
            onBlocking(ctx, request, blocking.exports(), () -> visitorAdmin.find(conversation, email, site, user));
        } else if (request.method().equals(HttpMethod.POST)
                && path.startsWith(prefix)
                && path.endsWith(erase)
                && path.length() > prefix.length() + erase.length()) {
            String visitorId = path.substring(prefix.length(), path.length() - erase.length());
            onBlocking(ctx, request, blocking.exports(), () -> visitorAdmin.erase(visitorId));
        } else {
            respond(ctx, request, HttpResponseStatus.NOT_FOUND, Map.of("error", ErrorCode.NOT_FOUND.wire()));
        }
    }

    /**
     * Runs a store read or password hash on one of the blocking lanes and answers on the event
     * loop; 503 when that lane is full.
     */
    private void onBlocking(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            Executor lane,
            java.util.function.Supplier<AgentApi.Reply> call) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        try {
            lane.execute(() -> {
                AgentApi.Reply reply;
                try {
                    reply = call.get();
                } catch (RuntimeException e) {
                    log.error("{}: request failed", ctx.channel().id().asShortText(), e);
                    reply = new AgentApi.Reply(
                            HttpResponseStatus.INTERNAL_SERVER_ERROR, Map.of("error", ErrorCode.INTERNAL.wire()));
                }
                AgentApi.Reply r = reply;
                ctx.executor().execute(() -> respond(ctx, keepAlive, r.status(), r.body()));
            });
        } catch (RejectedExecutionException e) {
            busy(ctx, keepAlive);
        }
    }

    private static Optional<String> bearer(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    private void transcript(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
        String id = path.substring("/api/conversations/".length(), path.length() - "/transcript".length());
        String format = new QueryStringDecoder(request.uri())
                .parameters()
                .getOrDefault("format", java.util.List.of("json"))
                .get(0);
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!format.equals("json") && !format.equals("txt")) {
            respond(
                    ctx,
                    keepAlive,
                    HttpResponseStatus.BAD_REQUEST,
                    Map.of("error", ErrorCode.BAD_REQUEST.wire(), "message", "format must be json or txt"));
            return;
        }
        try {
            blocking.exports().execute(() -> exportOnLane(ctx, keepAlive, authorization, id, format));
        } catch (RejectedExecutionException e) {
            busy(ctx, keepAlive);
        }
    }

    private void exportOnLane(
            ChannelHandlerContext ctx, boolean keepAlive, String authorization, String id, String format) {
        Optional<TranscriptExport.Export> result;
        try {
            result = export.export(authorization, id, format);
        } catch (Exception e) {
            log.error("transcript export of {} failed", LogSafe.text(id), e);
            ctx.executor()
                    .execute(() -> respond(
                            ctx,
                            keepAlive,
                            HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            Map.of("error", ErrorCode.INTERNAL.wire())));
            return;
        }
        ctx.executor().execute(() -> {
            if (result.isEmpty()) {
                // Missing and not-yours look the same.
                respond(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, Map.of("error", ErrorCode.NOT_FOUND.wire()));
                return;
            }
            TranscriptExport.Export e = result.get();
            FullHttpResponse response = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(e.body()));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, e.contentType());
            response.headers()
                    .set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + e.filename() + "\"");
            response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, "Content-Disposition");
            write(ctx, keepAlive, response);
        });
    }

    private void serveFile(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
        if (path.equals("/")) {
            redirect(ctx, request, "/demo/");
            return;
        }
        if (files.isDirectory(path)) {
            redirect(ctx, request, path + "/");
            return;
        }
        var file = files.find(path);
        if (file.isEmpty()) {
            respond(ctx, request, HttpResponseStatus.NOT_FOUND, Map.of("error", ErrorCode.NOT_FOUND.wire()));
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(file.get().bytes()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, file.get().contentType());
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        response.headers().set("X-Content-Type-Options", "nosniff");
        PageSecurity.apply(path, response.headers());
        if (path.endsWith(".js") || path.endsWith(".css")) {
            // The widget's modules are imported by pages of other origins (CORS mode).
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        }
        write(ctx, HttpUtil.isKeepAlive(request), response);
    }

    private void redirect(ChannelHandlerContext ctx, FullHttpRequest request, String location) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND);
        response.headers().set(HttpHeaderNames.LOCATION, location);
        write(ctx, HttpUtil.isKeepAlive(request), response);
    }

    private void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, Object body) {
        respond(ctx, HttpUtil.isKeepAlive(request), status, body);
    }

    private void respond(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, Object body) {
        respond(ctx, keepAlive, status, body, 0);
    }

    /** A JSON answer; with {@code Retry-After} when {@code retryAfterSeconds} is positive. */
    private void respond(
            ChannelHandlerContext ctx,
            boolean keepAlive,
            HttpResponseStatus status,
            Object body,
            long retryAfterSeconds) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (Exception e) {
            bytes = "{\"error\":\"internal\"}".getBytes(StandardCharsets.UTF_8);
            status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
        }
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (retryAfterSeconds > 0) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds));
        }
        write(ctx, keepAlive, response);
    }

    private static void write(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (keepAlive) {
            HttpUtil.setKeepAlive(response, true);
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.pipeline().get(io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder.class) != null) {
            ctx.fireExceptionCaught(cause); // a WebSocket now: the session handler picks the close code
            return;
        }
        log.warn("{}: HTTP error: {}", ctx.channel().id().asShortText(), cause.toString());
        ctx.close();
    }
}
