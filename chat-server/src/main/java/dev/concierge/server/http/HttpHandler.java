package dev.concierge.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.LoginThrottle;
import dev.concierge.server.auth.Site;
import dev.concierge.server.insights.InsightsApi;
import dev.concierge.server.insights.ServerMetrics;
import dev.concierge.server.mail.DevMailbox;
import dev.concierge.server.support.LogSafe;
import dev.concierge.store.ConversationStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plain HTTP: every REST endpoint, {@code /metrics}, and the static files (widget, console,
 * demo page), in one route table ({@link HttpRoutes}). WebSocket upgrades never reach this
 * handler; the protocol handler before it takes them. Work too slow for an event loop (store
 * reads, password hashes, reports) runs on the lanes of {@link BlockingWork}.
 */
@ChannelHandler.Sharable
public final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpHandler.class);
    private static final String FAQ_ENTRIES = "/api/insights/faq/entries";

    private final StaticFiles files;
    private final AgentAuth auth;
    private final ObjectMapper json;
    private final BlockingWork blocking;
    private final TranscriptExport export;
    private final SignedInSockets agentSockets;
    private final AgentApi agentApi;
    private final Map<String, Site> sites;
    /** Why the store refuses writes, for {@code /api/health}: {@link ConversationStore#failure}. */
    private final Supplier<Optional<String>> storeFailure;
    /** Why this node should get no traffic, for {@code /api/ready}. */
    private final Supplier<Optional<String>> notReady;

    private final InsightsApi insights;
    private final ServerMetrics metrics;
    private final HttpRoutes routes;
    /** The REST API's key check (docs/integrations.md, "Keys"). */
    private final ApiAccess apiAccess;

    /** The handler of every channel's plain HTTP requests (it keeps no state of a channel). */
    public HttpHandler(
            StaticFiles files,
            AgentAuth auth,
            ObjectMapper json,
            BlockingWork blocking,
            TranscriptExport export,
            SignedInSockets agentSockets,
            Optional<String> adminToken,
            AgentApi agentApi,
            Map<String, Site> sites,
            Supplier<Optional<String>> storeFailure,
            Supplier<Optional<String>> notReady,
            VisitorAdminApi visitorAdmin,
            InsightsApi insights,
            ServerMetrics metrics,
            Optional<DevMailbox> devMailbox,
            boolean smtp,
            Clock clock,
            RestApi restApi) {
        this.storeFailure = storeFailure;
        this.notReady = notReady;
        this.agentApi = agentApi;
        this.sites = sites;
        this.export = export;
        this.agentSockets = agentSockets;
        this.files = files;
        this.auth = auth;
        this.json = json;
        this.blocking = blocking;
        this.insights = insights;
        this.metrics = metrics;
        this.apiAccess = restApi.access();
        this.routes = routes(adminToken.map(
                token -> new AdminEndpoints(token, auth, agentSockets, agentApi, visitorAdmin, blocking)));
        restApi.register(routes);
        // The development mailbox's routes exist only when it does; each answers only loopback.
        devMailbox.ifPresent(box -> {
            DevMailboxPage page = new DevMailboxPage(box, smtp, json, blocking.exports(), clock);
            routes.guard("/dev/mail", page::refused)
                    .guard("/api/dev/mail", page::refused)
                    .get("/dev/mail", page::page)
                    .get("/api/dev/mail", page::list)
                    .post("/api/dev/mail/{id}/reply", page::reply);
        });
    }

    /** Serves the REST API's conversations, agents and follow-ups (docs/integrations.md). */
    public void conversationsApi(ConversationsEndpoints endpoints) {
        endpoints.register(routes, apiAccess);
    }

    /** Serves attachments' download URLs and files (docs/attachments.md); call after {@link #conversationsApi}. */
    public void attachments(AttachmentEndpoints endpoints) {
        endpoints.register(routes);
    }

    /** Every HTTP endpoint of the server (docs/agents.md, docs/insights.md, docs/storage.md). */
    private HttpRoutes routes(Optional<AdminEndpoints> admin) {
        HttpRoutes table = new HttpRoutes()
                .post("/api/agent/login", this::login)
                .post("/api/agent/logout", this::logout)
                .get("/api/conversations", this::search)
                .get("/api/conversations/{id}/transcript", this::transcript)
                .add(HttpMethod.OPTIONS, "/api/conversations/{id}/transcript", HttpHandler::transcriptPreflight)
                .get("/api/sites/{key?}", this::site)
                .get("/api/health", this::health)
                .get("/api/ready", this::ready)
                .get(OpenApiDocument.PATH, OpenApiDocument.load()::serve)
                .get("/metrics", onInsightsLane(ex -> metricsText()))
                // The supervisors' API, for signed-in agents; editing the FAQ needs a role.
                .guard("/api/insights/", this::refusedInsights)
                .guard(FAQ_ENTRIES, this::refusedFaqEdit)
                .get("/api/insights/summary", onInsightsLane(ex -> insights.summary(ex.params())))
                .get("/api/insights/conversations.csv", onInsightsLane(ex -> insights.conversationsCsv(ex.params())))
                .get("/api/insights/metrics.csv", onInsightsLane(ex -> insights.metricsCsv(ex.params())))
                .get("/api/insights/unanswered", onInsightsLane(ex -> insights.unanswered(ex.params())))
                .get("/api/insights/live", onInsightsLane(ex -> insights.live()))
                .get("/api/insights/faq", onInsightsLane(ex -> insights.faqEntries(mayEditFaq(ex))))
                .post(FAQ_ENTRIES, onInsightsLane(ex -> insights.createEntry(ex.body())))
                .post(
                        FAQ_ENTRIES + "/{id}/questions",
                        onInsightsLane(ex -> insights.addQuestions(ex.variable(), ex.body())))
                .otherwise(Set.of(HttpMethod.GET, HttpMethod.HEAD), this::serveFile);
        admin.ifPresent(a -> table.guard("/api/admin/", a::refused)
                .post("/api/admin/agents", a::createAgent)
                .post("/api/admin/agents/{id}/enable", a::enable)
                .post("/api/admin/agents/{id}/disable", a::disable)
                .get("/api/admin/visitors", a::findVisitors)
                .post("/api/admin/visitors/{id}/erase", a::erase));
        return table;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        Exchange ex = new Exchange(ctx, request, json);
        if (!request.decoderResult().isSuccess()) {
            ex.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_REQUEST);
            return;
        }
        routes.dispatch(ex);
    }

    /** A handler that runs {@code call} on the insights lane: reports read the whole period. */
    private HttpRoutes.Handler onInsightsLane(Function<Exchange, InsightsApi.Reply> call) {
        return ex -> ex.offload(blocking.insights(), () -> call.apply(ex));
    }

    /** {@code GET /metrics}: the Prometheus text. */
    private InsightsApi.Reply metricsText() {
        return new InsightsApi.Reply(HttpResponseStatus.OK, null, metrics.scrape(), ServerMetrics.contentType(), null);
    }

    private boolean mayEditFaq(Exchange ex) {
        return insights.mayEditFaq(ex.authorization().orElse(null));
    }

    /** The guard of the insights API: 401 without a signed-in agent's token. */
    private boolean refusedInsights(Exchange ex) {
        if (insights.authorized(ex.authorization().orElse(null))) {
            return false;
        }
        ex.error(HttpResponseStatus.UNAUTHORIZED, ErrorCode.UNAUTHORIZED);
        return true;
    }

    /** The guard of FAQ edits: 403 for an agent without the admin or supervisor role. */
    private boolean refusedFaqEdit(Exchange ex) {
        if (!ex.method().equals(HttpMethod.POST) || mayEditFaq(ex)) {
            return false;
        }
        log.warn("{}: FAQ edit refused: the agent has no admin or supervisor role", ex.channelId());
        ex.offload(blocking.insights(), InsightsApi::faqEditForbidden);
        return true;
    }

    /** {@code GET /api/health}: 503 with the reason while the store refuses writes. */
    private void health(Exchange ex) {
        Optional<String> failure = storeFailure.get();
        if (failure.isPresent()) {
            ex.json(HttpResponseStatus.SERVICE_UNAVAILABLE, Map.of("status", "failing", "reason", failure.get()));
        } else {
            ex.json(HttpResponseStatus.OK, Map.of("status", "ok"));
        }
    }

    /**
     * {@code GET /api/ready}: whether a load balancer should send this node traffic: 503 with the
     * reason while the store refuses writes or, in a cluster, while the node is away from NATS or
     * knows no deciding node. Unlike {@code /api/health}, a 503 here asks for no restart.
     */
    private void ready(Exchange ex) {
        Optional<String> why = notReady.get();
        if (why.isPresent()) {
            ex.json(HttpResponseStatus.SERVICE_UNAVAILABLE, Map.of("status", "not_ready", "reason", why.get()));
        } else {
            ex.json(HttpResponseStatus.OK, Map.of("status", "ready"));
        }
    }

    /** {@code GET /api/conversations?q=&limit=}: an agent's search in earlier conversations. */
    private void search(Exchange ex) {
        String q = ex.param("q").orElse(null);
        String limit = ex.param("limit").orElse(null);
        String authorization = ex.authorization().orElse(null);
        ex.offloadJson(blocking.searches(), () -> agentApi.search(authorization, q, limit));
    }

    /**
     * {@code GET /api/sites/{key}}: a site's public settings for the widget (never its secret
     * nor its origin list); any origin may read them, without credentials.
     */
    private void site(Exchange ex) {
        Site site = sites.get(ex.variable());
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(
                    site == null ? Map.of("error", ErrorCode.NOT_FOUND.wire()) : site.publicSettings());
        } catch (Exception e) {
            ex.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, ErrorCode.INTERNAL);
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
        ex.write(response);
    }

    /** {@code POST /api/agent/login}: throttled, then the password is checked on the sign-in lane. */
    private void login(Exchange ex) {
        String username;
        String password;
        try {
            JsonNode body = json.readTree(ex.body());
            username = body.path("username").asText("");
            password = body.path("password").asText("");
        } catch (Exception e) {
            ex.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_JSON);
            return;
        }
        if (username.isEmpty() || password.isEmpty() || username.length() > 200 || password.length() > 200) {
            ex.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_REQUEST);
            return;
        }
        String address = ex.address();
        LoginThrottle.Result admitted = auth.admit(username, address);
        if (admitted.attempt().isEmpty()) {
            long wait = admitted.retryAfterSeconds();
            ex.json(
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
                ex.onLoop(() -> {
                    if (login.isPresent()) {
                        ex.json(
                                HttpResponseStatus.OK,
                                Map.of(
                                        "token",
                                        login.get().token(),
                                        "agent",
                                        login.get().agent()));
                    } else {
                        ex.error(HttpResponseStatus.UNAUTHORIZED, ErrorCode.UNAUTHORIZED);
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            attempt.cancelled();
            ex.busy();
        }
    }

    /** {@code POST /api/agent/logout}: ends the session and closes its sockets. */
    private void logout(Exchange ex) {
        Optional<String> token = ex.bearer();
        if (token.isEmpty() || !auth.logout(token.get())) {
            ex.error(HttpResponseStatus.UNAUTHORIZED, ErrorCode.UNAUTHORIZED);
            return;
        }
        int closed = agentSockets.closeAll(List.of(token.get()));
        log.info("agent signed out, {} sockets closed", closed);
        ex.json(HttpResponseStatus.OK, Map.of("status", "signed_out"));
    }

    /**
     * CORS preflight of a transcript download: the widget downloads from pages of other origins
     * with a header credential (no cookies), so any origin may ask.
     */
    private static void transcriptPreflight(Exchange ex) {
        ex.preflight("GET", "Authorization");
    }

    /** {@code GET /api/conversations/{id}/transcript?format=json|txt}, on the downloads lane. */
    private void transcript(Exchange ex) {
        String id = ex.variable();
        String format = ex.param("format").orElse("json");
        String authorization = ex.authorization().orElse(null);
        if (!format.equals("json") && !format.equals("txt")) {
            ex.json(
                    HttpResponseStatus.BAD_REQUEST,
                    Map.of("error", ErrorCode.BAD_REQUEST.wire(), "message", "format must be json or txt"));
            return;
        }
        try {
            blocking.exports().execute(() -> exportOnLane(ex, authorization, id, format));
        } catch (RejectedExecutionException e) {
            ex.busy();
        }
    }

    private void exportOnLane(Exchange ex, String authorization, String id, String format) {
        Optional<TranscriptExport.Export> result;
        try {
            result = export.export(authorization, id, format);
        } catch (Exception e) {
            log.error("transcript export of {} failed", LogSafe.text(id), e);
            ex.onLoop(() -> ex.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, ErrorCode.INTERNAL));
            return;
        }
        ex.onLoop(() -> {
            if (result.isEmpty()) {
                HttpRoutes.notFound(ex); // missing and not-yours look the same
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
            ex.write(response);
        });
    }

    /** The static files: {@code /} goes to the demo page, a directory to its index. */
    private void serveFile(Exchange ex) {
        String path = ex.path();
        if (path.equals("/")) {
            ex.redirect("/demo/");
            return;
        }
        if (files.isDirectory(path)) {
            ex.redirect(path + "/");
            return;
        }
        var file = files.find(path);
        if (file.isEmpty()) {
            HttpRoutes.notFound(ex);
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
        ex.write(response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.pipeline().get(WebSocketFrameEncoder.class) != null) {
            ctx.fireExceptionCaught(cause); // a WebSocket now: the session handler picks the close code
            return;
        }
        log.warn("{}: HTTP error: {}", ctx.channel().id().asShortText(), cause.toString());
        ctx.close();
    }
}
