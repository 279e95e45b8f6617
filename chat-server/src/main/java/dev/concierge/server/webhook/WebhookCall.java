package dev.concierge.server.webhook;

import dev.concierge.server.webhook.WebhookTransport.Response;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import javax.net.ssl.SSLException;

/**
 * One webhook request from start to end: the future the caller holds, the channel once there is
 * one, and the reading of the response (the handler at the end of the pipeline). Whatever ends
 * it first (the response, a failure, the timeout, the client's close) completes the future; the
 * rest are ignored. The response's head and body are read on the channel's event loop.
 */
final class WebhookCall extends SimpleChannelInboundHandler<HttpObject> {
    /** The most of a response body read before the connection is closed. */
    static final int MAX_READ = 64 * 1024;
    /** The part of the response body kept for the delivery log. */
    static final int KEPT = 1024;
    /** The longest {@code Retry-After} honoured. */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

    private static final int LOCATION_SHOWN = 200;

    private final CompletableFuture<Response> future = new CompletableFuture<>();
    private final long startNanos = System.nanoTime();
    private final Clock clock;
    private volatile Channel channel;
    private volatile String address;
    private volatile Future<?> timer;

    // Read on the event loop only.
    private int status;
    private boolean informational;
    private Optional<Duration> retryAfter = Optional.empty();
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long read;

    WebhookCall(Clock clock) {
        this.clock = clock;
    }

    CompletableFuture<Response> future() {
        return future;
    }

    boolean done() {
        return future.isDone();
    }

    /** The timeout's task, cancelled when the call ends. */
    void timer(Future<?> timer) {
        this.timer = timer;
        if (done()) {
            timer.cancel(false);
        }
    }

    /** The channel connecting to {@code address} ({@code ip:port}), closed when the call ends. */
    void channel(Channel channel, String address) {
        this.channel = channel;
        this.address = address;
        if (done()) {
            channel.close();
        }
    }

    /** Ends the call with {@code error} and no status, unless it has ended already. */
    void fail(String error) {
        finish(new Response(0, address, error, "", Optional.empty(), elapsedMillis()));
    }

    private void finish(Response response) {
        if (!future.complete(response)) {
            return;
        }
        Future<?> scheduled = timer;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        Channel open = channel;
        if (open != null) {
            open.close();
        }
    }

    private void finishWithStatus(String error) {
        String body = new String(kept.toByteArray(), StandardCharsets.UTF_8);
        finish(new Response(status, address, error, body, retryAfter, elapsedMillis()));
    }

    private long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
        if (done()) {
            return;
        }
        if (message.decoderResult().isFailure()) {
            fail("bad response: " + message.decoderResult().cause().getMessage());
            return;
        }
        if (message instanceof HttpResponse response && !head(response)) {
            return;
        }
        if (message instanceof HttpContent content && !informational) {
            body(content.content());
        }
        if (message instanceof LastHttpContent) {
            if (informational) {
                informational = false;
            } else {
                finishWithStatus(statusError());
            }
        }
    }

    /** Takes the status line and headers; false if the call ended here (a redirect). */
    private boolean head(HttpResponse response) {
        int code = response.status().code();
        informational = code >= 100 && code < 200;
        if (informational) {
            return true;
        }
        status = code;
        if (code >= 300 && code < 400) {
            String location = response.headers().get(HttpHeaderNames.LOCATION);
            finishWithStatus("redirect not followed (" + code + " "
                    + (location == null ? "without Location" : "to " + clip(location)) + ")");
            return false;
        }
        if (code == 429 || code == 503) {
            retryAfter = Optional.ofNullable(response.headers().get(HttpHeaderNames.RETRY_AFTER))
                    .flatMap(value -> retryAfter(value, clock.instant()));
        }
        return true;
    }

    private void body(ByteBuf content) {
        int length = content.readableBytes();
        int keep = Math.min(length, Math.max(0, KEPT - kept.size()));
        if (keep > 0) {
            byte[] bytes = new byte[keep];
            content.getBytes(content.readerIndex(), bytes);
            kept.write(bytes, 0, keep);
        }
        read += length;
        if (read >= MAX_READ) {
            finishWithStatus(statusError());
        }
    }

    private String statusError() {
        return status >= 200 && status < 300 ? null : "HTTP " + status;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(status == 0 ? "connection closed before a response" : "connection closed during the response");
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(describe(cause));
    }

    /** A failure in a few words: {@code "tls: …"} for a TLS failure, else {@code "io: …"}. */
    static String describe(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return "tls: " + t.getMessage();
            }
        }
        return "io: " + reason(cause);
    }

    /** The message of the innermost cause, or its class's name if it has none. */
    static String reason(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /**
     * A {@code Retry-After} value (delay in seconds or an HTTP date) as a delay from {@code now},
     * at most {@link #MAX_RETRY_AFTER}; empty if it is neither.
     */
    static Optional<Duration> retryAfter(String value, Instant now) {
        String text = value.trim();
        if (!text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            long seconds = text.length() > 7 ? Long.MAX_VALUE : Long.parseLong(text);
            return Optional.of(seconds > MAX_RETRY_AFTER.toSeconds() ? MAX_RETRY_AFTER : Duration.ofSeconds(seconds));
        }
        Date date = DateFormatter.parseHttpDate(text);
        if (date == null) {
            return Optional.empty();
        }
        Duration delay = Duration.between(now, date.toInstant());
        return Optional.of(
                delay.isNegative() ? Duration.ZERO : delay.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : delay);
    }

    private static String clip(String location) {
        return location.length() <= LOCATION_SHOWN ? location : location.substring(0, LOCATION_SHOWN) + "…";
    }
}
