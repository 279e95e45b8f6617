package dev.concierge.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.insights.InsightsApi;
import dev.concierge.server.insights.ServerMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP for the insights: {@code GET /metrics} (Prometheus text) and {@code /api/insights/*}
 * (agents only). Sits before the general HTTP handler and passes every other request on. All
 * work runs on the insights lane of {@link BlockingWork}; the answer is written back on the channel's event loop.
 */
@ChannelHandler.Sharable
public final class InsightsHttpHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(InsightsHttpHandler.class);
    private static final String PREFIX = "/api/insights/";
    private static final String ENTRIES = PREFIX + "faq/entries";

    private final InsightsApi api;
    private final ServerMetrics metrics;
    private final Executor blocking;
    private final ObjectMapper json;

    public InsightsHttpHandler(InsightsApi api, ServerMetrics metrics, Executor blocking, ObjectMapper json) {
        this.api = api;
        this.metrics = metrics;
        this.blocking = blocking;
        this.json = json;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)
                || !request.decoderResult().isSuccess()) {
            ctx.fireChannelRead(msg);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        if (!path.equals("/metrics") && !path.startsWith(PREFIX)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            route(ctx, request, path, uri.parameters());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void route(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            String path,
            Map<String, java.util.List<String>> params) {
        HttpMethod method = request.method();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (path.equals("/metrics")) {
            if (!method.equals(HttpMethod.GET)) {
                respond(
                        ctx,
                        keepAlive,
                        InsightsApi.Reply.json(
                                HttpResponseStatus.METHOD_NOT_ALLOWED,
                                Map.of("error", ErrorCode.METHOD_NOT_ALLOWED.wire())));
                return;
            }
            offload(
                    ctx,
                    keepAlive,
                    () -> new InsightsApi.Reply(
                            HttpResponseStatus.OK, null, metrics.scrape(), ServerMetrics.contentType(), null));
            return;
        }
        if (!api.authorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            respond(
                    ctx,
                    keepAlive,
                    InsightsApi.Reply.json(
                            HttpResponseStatus.UNAUTHORIZED, Map.of("error", ErrorCode.UNAUTHORIZED.wire())));
            return;
        }
        String body = request.content().toString(StandardCharsets.UTF_8);
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        Supplier<InsightsApi.Reply> call = null;
        if (method.equals(HttpMethod.GET)) {
            call = switch (path) {
                case PREFIX + "summary" -> () -> api.summary(params);
                case PREFIX + "conversations.csv" -> () -> api.conversationsCsv(params);
                case PREFIX + "metrics.csv" -> () -> api.metricsCsv(params);
                case PREFIX + "unanswered" -> () -> api.unanswered(params);
                case PREFIX + "live" -> api::live;
                case PREFIX + "faq" -> () -> api.faqEntries(api.mayEditFaq(authorization));
                default -> null;
            };
        } else if (method.equals(HttpMethod.POST) && path.startsWith(ENTRIES) && !api.mayEditFaq(authorization)) {
            log.warn(
                    "{}: FAQ edit refused: the agent has no admin or supervisor role",
                    ctx.channel().id().asShortText());
            call = InsightsApi::faqEditForbidden;
        } else if (method.equals(HttpMethod.POST)) {
            if (path.equals(ENTRIES)) {
                call = () -> api.createEntry(body);
            } else if (path.startsWith(ENTRIES + "/") && path.endsWith("/questions")) {
                String id = path.substring(ENTRIES.length() + 1, path.length() - "/questions".length());
                call = () -> api.addQuestions(id, body);
            }
        }
        if (call == null) {
            respond(
                    ctx,
                    keepAlive,
                    InsightsApi.Reply.json(HttpResponseStatus.NOT_FOUND, Map.of("error", ErrorCode.NOT_FOUND.wire())));
            return;
        }
        offload(ctx, keepAlive, call);
    }

    private void offload(ChannelHandlerContext ctx, boolean keepAlive, Supplier<InsightsApi.Reply> call) {
        try {
            blocking.execute(() -> {
                InsightsApi.Reply reply;
                try {
                    reply = call.get();
                } catch (RuntimeException e) {
                    log.error("{}: insights request failed", ctx.channel().id().asShortText(), e);
                    reply = InsightsApi.Reply.json(
                            HttpResponseStatus.INTERNAL_SERVER_ERROR, Map.of("error", ErrorCode.INTERNAL.wire()));
                }
                InsightsApi.Reply r = reply;
                ctx.executor().execute(() -> respond(ctx, keepAlive, r));
            });
        } catch (RejectedExecutionException e) { // the insights lane is full (BlockingWork)
            respond(
                    ctx,
                    keepAlive,
                    InsightsApi.Reply.json(
                            HttpResponseStatus.SERVICE_UNAVAILABLE,
                            Map.of("error", ErrorCode.BUSY.wire(), "message", HttpHandler.BUSY_MESSAGE)));
        }
    }

    private void respond(ChannelHandlerContext ctx, boolean keepAlive, InsightsApi.Reply reply) {
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
                bytes = "{\"error\":\"internal\"}".getBytes(StandardCharsets.UTF_8);
                status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
            }
            type = HttpHeaderValues.APPLICATION_JSON.toString();
        }
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        response.headers().set("X-Content-Type-Options", "nosniff");
        if (status.equals(HttpResponseStatus.SERVICE_UNAVAILABLE)) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Integer.toString(BlockingWork.RETRY_AFTER_SECONDS));
        }
        if (reply.filename() != null) {
            response.headers()
                    .set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + reply.filename() + "\"");
        }
        HttpUtil.setContentLength(response, bytes.length);
        if (keepAlive) {
            HttpUtil.setKeepAlive(response, true);
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
