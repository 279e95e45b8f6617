package dev.concierge.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.server.insights.InsightsApi;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP request and the ways to answer it. What a handler needs from the request (path,
 * query, body, {@code Authorization}) is read on the event loop when the exchange is made, so a
 * call that runs on a lane of {@link BlockingWork} may use it after Netty has released the
 * request. Every answer is written on the channel's event loop.
 */
final class Exchange {
    /** The message of a {@code busy} answer: a lane of blocking work is full. */
    static final String BUSY_MESSAGE = "the server is busy; try again shortly";

    /**
     * The {@code Retry-After} of an offloaded call answering 503: what it needs is unavailable for
     * now (a cluster's deciding node, which a takeover replaces within about 4 s).
     */
    static final long UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    private final ChannelHandlerContext ctx;
    private final ObjectMapper json;
    private final HttpMethod method;
    private final String path;
    private final Map<String, List<String>> params;
    private final String body;
    private final Optional<String> authorization;
    private final boolean keepAlive;
    /** The request's headers (not reference-counted: safe to read after the request is released). */
    private final HttpHeaders headers;
    /** The part of the path the route's {@code {name}} matched, or "". */
    private String variable = "";
    /** The REST API caller, once the guard of {@code /api/v1/} has found it ({@link ApiGuard}). */
    private Optional<ApiPrincipal> apiPrincipal = Optional.empty();

    Exchange(ChannelHandlerContext ctx, FullHttpRequest request, ObjectMapper json) {
        this.ctx = ctx;
        this.json = json;
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        this.method = request.method();
        this.path = uri.path();
        this.params = uri.parameters();
        this.body = request.content().toString(StandardCharsets.UTF_8);
        this.authorization = Optional.ofNullable(request.headers().get(HttpHeaderNames.AUTHORIZATION));
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.headers = request.headers();
    }

    /** The request's headers. */
    HttpHeaders headers() {
        return headers;
    }

    /** The client's address: the peer's, or the one a trusted proxy named ({@link ClientAddress}). */
    java.net.SocketAddress client() {
        return ClientAddress.of(ctx.channel());
    }

    HttpMethod method() {
        return method;
    }

    String path() {
        return path;
    }

    /** The first value of a query parameter. */
    Optional<String> param(String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    Map<String, List<String>> params() {
        return params;
    }

    /** The request body as UTF-8 text. */
    String body() {
        return body;
    }

    /** The {@code Authorization} header as sent. */
    Optional<String> authorization() {
        return authorization;
    }

    /** The token of an {@code Authorization: Bearer} header. */
    Optional<String> bearer() {
        return authorization
                .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(h -> h.substring(7).trim())
                .filter(t -> !t.isEmpty());
    }

    /** What the route's path variable matched ("" for a route without one). */
    String variable() {
        return variable;
    }

    void variable(String value) {
        this.variable = value;
    }

    /** The REST API caller the guard of {@code /api/v1/} found; empty before it has. */
    Optional<ApiPrincipal> apiPrincipal() {
        return apiPrincipal;
    }

    void apiPrincipal(ApiPrincipal principal) {
        this.apiPrincipal = Optional.of(principal);
    }

    /** The channel's short id, for log lines. */
    String channelId() {
        return ctx.channel().id().asShortText();
    }

    /** The client's IP address, as the failure log line and the sign-in throttle know it. */
    String address() {
        return ClientAddress.host(ctx.channel());
    }

    /** {@code {"error": code}} with this status. */
    void error(HttpResponseStatus status, ErrorCode code) {
        json(status, Map.of("error", code.wire()));
    }

    /**
     * {@code {"error": code, "message": message}} with this status: the one error shape of the
     * REST API (docs/integrations.md, "Errors").
     */
    void error(HttpResponseStatus status, ErrorCode code, String message) {
        json(status, Map.of("error", code.wire(), "message", message));
    }

    /** A JSON answer. */
    void json(HttpResponseStatus status, Object body) {
        reply(InsightsApi.Reply.json(status, body), 0);
    }

    /** A JSON answer with {@code Retry-After}. */
    void json(HttpResponseStatus status, Object body, long retryAfterSeconds) {
        reply(InsightsApi.Reply.json(status, body), retryAfterSeconds);
    }

    /** 503 with {@code Retry-After}: the lane for this kind of work is full. */
    void busy() {
        json(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                Map.of("error", ErrorCode.BUSY.wire(), "message", BUSY_MESSAGE),
                BlockingWork.RETRY_AFTER_SECONDS);
    }

    /**
     * Runs {@code call} (a store read, a report, a password hash) on {@code lane} and answers
     * with its reply on the event loop; 500 when it throws, 503 when the lane is full.
     */
    void offload(Executor lane, Supplier<InsightsApi.Reply> call) {
        try {
            lane.execute(() -> {
                InsightsApi.Reply reply;
                try {
                    reply = call.get();
                } catch (RuntimeException e) {
                    log.error("{}: request failed", channelId(), e);
                    reply = InsightsApi.Reply.json(
                            HttpResponseStatus.INTERNAL_SERVER_ERROR, Map.of("error", ErrorCode.INTERNAL.wire()));
                }
                InsightsApi.Reply r = reply;
                // A 503 here: what the call needs (a cluster's deciding node) is unavailable for now.
                long retryAfter =
                        HttpResponseStatus.SERVICE_UNAVAILABLE.equals(r.status()) ? UNAVAILABLE_RETRY_AFTER_SECONDS : 0;
                onLoop(() -> reply(r, retryAfter));
            });
        } catch (RejectedExecutionException e) {
            busy();
        }
    }

    /** {@link #offload} for the agents' and admin calls, which answer JSON. */
    void offloadJson(Executor lane, Supplier<AgentApi.Reply> call) {
        offload(lane, () -> {
            AgentApi.Reply r = call.get();
            return InsightsApi.Reply.json(r.status(), r.body());
        });
    }

    /** Runs {@code task} on the channel's event loop. */
    void onLoop(Runnable task) {
        ctx.executor().execute(task);
    }

    /**
     * Writes a reply: JSON or text (with a download name when it has one), never cached, never
     * sniffed; {@code Retry-After} when {@code retryAfterSeconds} is positive.
     */
    private void reply(InsightsApi.Reply reply, long retryAfterSeconds) {
        byte[] bytes;
        String type;
        HttpResponseStatus status = reply.status();
        if (reply.text() != null) {
            bytes = reply.text().getBytes(StandardCharsets.UTF_8);
            type = reply.contentType();
        } else {
            try {
                bytes = json.writeValueAsBytes(reply.json());
            } catch (Exception e) {
                bytes = ("{\"error\":\"" + ErrorCode.INTERNAL.wire() + "\"}").getBytes(StandardCharsets.UTF_8);
                status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
            }
            type = HttpHeaderValues.APPLICATION_JSON.toString();
        }
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        response.headers().set("X-Content-Type-Options", "nosniff");
        if (retryAfterSeconds > 0) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds));
        }
        if (reply.filename() != null) {
            response.headers()
                    .set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + reply.filename() + "\"");
        }
        write(response);
    }

    /** Writes a response built by the caller, with its length; closes after it unless kept alive. */
    void write(FullHttpResponse response) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (keepAlive) {
            HttpUtil.setKeepAlive(response, true);
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Streams a response: {@code head} (with its {@code Content-Length}) then {@code body}, read
     * as the client takes it; the body's source is closed at its end or when the write fails.
     */
    void stream(HttpResponse head, ChunkedInput<HttpContent> body) {
        if (ctx.pipeline().get(ChunkedWriteHandler.class) == null) {
            ctx.pipeline().addBefore(ctx.name(), "chunked-writer", new ChunkedWriteHandler());
        }
        HttpUtil.setKeepAlive(head, keepAlive);
        ctx.write(head);
        var written = ctx.writeAndFlush(body);
        // A source failing mid-way leaves the response shorter than its Content-Length: close.
        written.addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }

    /**
     * A CORS preflight's answer: any origin may call with {@code methods} and {@code headers} (the
     * widget calls from its customers' pages with a header credential, no cookies).
     */
    void preflight(String methods, String headers) {
        FullHttpResponse preflight = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        preflight.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        preflight.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, methods);
        preflight.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, headers);
        preflight.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
        write(preflight);
    }

    /** A {@code 302 Found} to {@code location}. */
    void redirect(String location) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND);
        response.headers().set(HttpHeaderNames.LOCATION, location);
        write(response);
    }
}
