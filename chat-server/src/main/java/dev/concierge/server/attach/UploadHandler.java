package dev.concierge.server.attach;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.attach.Uploads.Admitted;
import dev.concierge.server.attach.Uploads.Outcome;
import dev.concierge.server.attach.Uploads.Refused;
import dev.concierge.server.attach.Uploads.Stored;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads ({@code POST /api/conversations/{id}/attachments}, docs/attachments.md), streamed: sits
 * before the HTTP aggregator and takes those requests from it, so that no body is ever held in
 * memory. The caller and the conversation are checked before a byte of the body is read (reading
 * is paused meanwhile, and {@code 100 Continue} is sent only then); a {@code Content-Length} over
 * the limit is refused at once; the body then goes to a temporary file, one batch of chunks at a
 * time on the uploads' lane (reading paused while a batch is written), and the upload is refused
 * ({@code 413}, file deleted) as soon as it passes the limit. The complete file is inspected and
 * stored on the lane and answered {@code 201}. One handler per connection.
 *
 * <p>A refusal closes the connection the way web servers' "lingering close" does: the answer, then
 * the end of the output (FIN), then whatever the client still sends is read and dropped for up to
 * {@link #LINGER}, and only then is the connection closed. Closing at once, with body bytes unread,
 * makes the kernel reset the connection, and a client still writing the body (a browser, most HTTP
 * clients) loses the answer to the reset and can only report a network error. Nothing read while
 * lingering is kept, so the limit still holds: the cost is bandwidth for at most {@link #LINGER}.
 *
 * <p>The whole-request deadline stands aside while a body streams ({@link BodyStreaming}): an
 * upload instead has {@code requestTimeout} plus its limit at {@link #MIN_BYTES_PER_SECOND} to
 * complete, and a stalled one is cut by the idle limit.
 */
public final class UploadHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(UploadHandler.class);
    private static final Pattern PATH = Pattern.compile("/api/conversations/([^/]+)/attachments");

    /** How long a refused upload's connection is kept reading (and dropping) the rest of the body. */
    static final Duration LINGER = Duration.ofSeconds(5);

    /** The slowest upload allowed on average, in bytes per second (a 10 MB file: 5 minutes). */
    static final long MIN_BYTES_PER_SECOND = 32 * 1024;

    /**
     * Told to the handlers after this one when it starts streaming a request's body and when it
     * has answered it, so that the whole-request deadline stands aside meanwhile.
     */
    public enum BodyStreaming {
        /** A body streams: the request is this handler's until {@link #ENDED}. */
        STARTED,
        /** The upload was answered; the connection may carry the next request. */
        ENDED
    }

    private enum State {
        IDLE,
        ADMITTING,
        STREAMING,
        FINISHING,
        REFUSED
    }

    private final Uploads uploads;
    private final ObjectMapper json;
    private final Duration requestTimeout;
    private State state = State.IDLE;
    private Upload upload;
    /** Messages that followed a complete upload before it was answered (pipelining): read after the answer. */
    private final ArrayDeque<Object> held = new ArrayDeque<>();

    /** A handler for one connection. */
    public UploadHandler(Uploads uploads, ObjectMapper json, Duration requestTimeout) {
        this.uploads = uploads;
        this.json = json;
        this.requestTimeout = requestTimeout;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case IDLE -> {
                if (msg instanceof HttpRequest request && !(msg instanceof FullHttpRequest) && isUpload(request)) {
                    begin(ctx, request);
                } else {
                    ctx.fireChannelRead(msg);
                }
            }
            case ADMITTING, STREAMING -> {
                if (msg instanceof HttpContent content) {
                    body(ctx, content);
                } else {
                    held.add(msg);
                }
            }
            case FINISHING -> held.add(msg);
            case REFUSED -> ReferenceCountUtil.release(msg);
        }
    }

    private static boolean isUpload(HttpRequest request) {
        return request.method().equals(HttpMethod.POST)
                && PATH.matcher(new QueryStringDecoder(request.uri()).path()).matches();
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest request) {
        ctx.channel().config().setAutoRead(false); // the body waits until the caller is known
        ctx.fireUserEventTriggered(BodyStreaming.STARTED);
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        Matcher path = PATH.matcher(uri.path());
        path.matches();
        List<String> names = uri.parameters().get("name");
        Upload u = new Upload(
                path.group(1),
                names == null ? "" : names.get(0),
                request.headers().get(HttpHeaderNames.AUTHORIZATION),
                HttpUtil.is100ContinueExpected(request),
                HttpUtil.isKeepAlive(request));
        upload = u;
        state = State.ADMITTING;
        long allowed = requestTimeout.toSeconds() + uploads.settings().maxFileBytes() / MIN_BYTES_PER_SECOND;
        u.deadline = ctx.executor().schedule(() -> tooSlow(ctx, u), allowed, TimeUnit.SECONDS);
        if (!request.decoderResult().isSuccess()) {
            refuse(ctx, Refused.of(400, ErrorCode.BAD_REQUEST, "malformed request"));
        } else if (!uploads.supported()) {
            refuse(ctx, Refused.of(501, ErrorCode.UNAVAILABLE, "this server's store keeps no attachments"));
        } else if (u.name.isBlank()) {
            refuse(ctx, Refused.of(400, ErrorCode.BAD_REQUEST, "name is missing: ?name=<file name>"));
        } else if (HttpUtil.getContentLength(request, -1L) > uploads.settings().maxFileBytes()) {
            refuse(ctx, tooLarge());
        } else {
            offload(ctx, u, () -> uploads.admit(u.authorization, u.conversationId), this::admitted);
        }
    }

    private void admitted(ChannelHandlerContext ctx, Upload u, Outcome outcome) {
        if (outcome instanceof Refused r) {
            refuse(ctx, r);
            return;
        }
        u.admitted = (Admitted) outcome;
        state = State.STREAMING;
        if (u.received > u.admitted.limit()) {
            refuse(ctx, tooLarge());
            return;
        }
        if (u.expectContinue) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        drain(ctx, u);
    }

    private void body(ChannelHandlerContext ctx, HttpContent content) {
        Upload u = upload;
        try {
            if (!content.decoderResult().isSuccess()) {
                refuse(ctx, Refused.of(400, ErrorCode.BAD_REQUEST, "malformed request body"));
                return;
            }
            u.received += content.content().readableBytes();
            long limit =
                    u.admitted != null ? u.admitted.limit() : uploads.settings().maxFileBytes();
            if (u.received > limit) {
                refuse(ctx, tooLarge());
                return;
            }
            if (content.content().isReadable()) {
                u.pending.add(content.content().retain());
            }
            u.last = content instanceof LastHttpContent;
        } finally {
            content.release();
        }
        if (state == State.STREAMING) {
            drain(ctx, u);
        }
    }

    /** Writes what arrived, or asks for more, or, with the whole body written, stores it. */
    private void drain(ChannelHandlerContext ctx, Upload u) {
        if (u.writing || state != State.STREAMING) {
            return;
        }
        if (!u.pending.isEmpty()) {
            List<ByteBuf> batch = new ArrayList<>(u.pending);
            u.pending.clear();
            u.writing = true;
            try {
                uploads.lane().execute(() -> {
                    Exception failure = u.write(batch);
                    ctx.executor().execute(() -> written(ctx, u, failure));
                });
            } catch (RejectedExecutionException e) {
                batch.forEach(ByteBuf::release);
                refuse(ctx, busy());
            }
        } else if (u.last) {
            state = State.FINISHING;
            offload(ctx, u, () -> uploads.store(u.finish(), u.conversationId, u.name), this::finished);
        } else {
            ctx.read();
        }
    }

    private void written(ChannelHandlerContext ctx, Upload u, Exception failure) {
        if (u != upload) {
            return; // refused or closed meanwhile
        }
        u.writing = false;
        if (failure != null) {
            log.error("{}: writing an upload failed", ctx.channel().id().asShortText(), failure);
            refuse(ctx, Refused.of(500, ErrorCode.INTERNAL, "the upload could not be stored"));
            return;
        }
        drain(ctx, u);
    }

    private void finished(ChannelHandlerContext ctx, Upload u, Outcome outcome) {
        if (outcome instanceof Refused r) {
            refuse(ctx, r);
            return;
        }
        u.deadline.cancel(false);
        upload = null;
        state = State.IDLE;
        var written = answer(ctx, 201, Map.of("attachment", ((Stored) outcome).view()), !u.keepAlive, 0);
        if (!u.keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        ctx.fireUserEventTriggered(BodyStreaming.ENDED);
        ctx.channel().config().setAutoRead(true);
        while (!held.isEmpty() && state == State.IDLE) {
            channelRead(ctx, held.poll());
        }
    }

    /** A blocking step of {@code u} on the lane, its outcome handed to {@code then} on the event loop. */
    private void offload(ChannelHandlerContext ctx, Upload u, Step step, Then then) {
        try {
            uploads.lane().execute(() -> {
                Outcome outcome;
                try {
                    outcome = step.run();
                } catch (Exception e) {
                    log.error("{}: an upload failed", ctx.channel().id().asShortText(), e);
                    outcome = Refused.of(500, ErrorCode.INTERNAL, "the upload could not be stored");
                }
                Outcome o = outcome;
                ctx.executor().execute(() -> {
                    if (u == upload) {
                        then.accept(ctx, u, o);
                    } else if (o instanceof Admitted a) {
                        Uploads.delete(a.temp()); // the connection went meanwhile
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            refuse(ctx, busy());
        }
    }

    private interface Step {
        Outcome run() throws Exception;
    }

    private interface Then {
        void accept(ChannelHandlerContext ctx, Upload u, Outcome outcome);
    }

    private Refused tooLarge() {
        return Refused.of(
                413,
                ErrorCode.TOO_LARGE,
                "the file is larger than " + uploads.settings().maxFileBytes() + " bytes");
    }

    private static Refused busy() {
        return new Refused(503, ErrorCode.BUSY, "the server is busy; try again shortly", 1);
    }

    private void tooSlow(ChannelHandlerContext ctx, Upload u) {
        if (u == upload) {
            log.info(
                    "{}: upload not complete in time, closing",
                    ctx.channel().id().asShortText());
            abandon();
            ctx.close();
        }
    }

    /**
     * Answers {@code r} and ends the connection with a lingering close: the rest of the body is read
     * and dropped, never stored.
     */
    private void refuse(ChannelHandlerContext ctx, Refused r) {
        log.info(
                "{}: upload refused: {} {}",
                ctx.channel().id().asShortText(),
                r.status(),
                r.code().wire());
        abandon();
        LingeringClose.after(
                answer(ctx, r.status(), Map.of("error", r.code().wire(), "message", r.message()), true, r.retryAfter()),
                LINGER);
    }

    /** Drops the upload under way: its buffers, its deadline and (on the lane) its file. */
    private void abandon() {
        Upload u = upload;
        upload = null;
        state = State.REFUSED;
        held.forEach(ReferenceCountUtil::release);
        held.clear();
        if (u != null) {
            u.deadline.cancel(false);
            u.pending.forEach(ByteBuf::release);
            u.pending.clear();
            try {
                uploads.lane().execute(u::discard);
            } catch (RejectedExecutionException e) {
                u.discard();
            }
        }
    }

    private ChannelFuture answer(ChannelHandlerContext ctx, int status, Object body, boolean close, long retryAfter) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (Exception e) {
            bytes = ("{\"error\":\"" + ErrorCode.INTERNAL.wire() + "\"}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        response.headers().set("X-Content-Type-Options", "nosniff");
        // The widget uploads from its customers' pages, with a header credential (no cookies).
        response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        if (retryAfter > 0) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfter));
        }
        HttpUtil.setContentLength(response, bytes.length);
        HttpUtil.setKeepAlive(response, !close);
        return ctx.writeAndFlush(response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (state == State.REFUSED && cause instanceof java.io.IOException) {
            // A client that stops sending a refused body often resets the connection: expected.
            log.debug(
                    "{}: refused upload's connection ended: {}",
                    ctx.channel().id().asShortText(),
                    cause.toString());
            ctx.close();
            return;
        }
        super.exceptionCaught(ctx, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (state != State.IDLE) {
            abandon();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (state != State.IDLE) {
            abandon();
        }
    }
}
