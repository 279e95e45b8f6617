package dev.concierge.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.attach.FileLinks;
import dev.concierge.store.AttachmentStore;
import dev.concierge.store.AttachmentStore.StoredAttachment;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.stream.ChunkedStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads of attachments (docs/attachments.md): a fresh short-lived URL for whoever may read the
 * conversation ({@code GET /api/conversations/{id}/attachments/{aid}}), the file itself at that
 * signed URL ({@code GET /files/<token>}), and the lasting links of exports and emails ({@code GET
 * /files/link/<token>}, a redirect to a fresh URL). Uploads are {@link
 * dev.concierge.server.attach.UploadHandler}'s. Store reads run on the uploads' lane.
 */
public final class AttachmentEndpoints {
    private static final Logger log = LoggerFactory.getLogger(AttachmentEndpoints.class);
    private static final Pattern ATTACHMENT = Pattern.compile("([^/]+)/attachments/([^/]+)");
    private static final int CHUNK = 64 * 1024;

    /**
     * What a served file may do in a browser: nothing. No script, no plugin, no request of its
     * own, and a sandbox (a unique origin) should anything still render it as a page.
     */
    static final String FILE_CSP = "default-src 'none'; sandbox";

    private final ConversationStore store;
    private final Optional<AttachmentStore> attachments;
    private final TranscriptExport access;
    private final FileLinks links;
    private final Duration ttl;
    private final Clock clock;
    private final Executor lane;
    private final ObjectMapper json;

    /**
     * The endpoints over {@code store}'s attachments, readable by whom {@code access} allows, with
     * URLs signed by {@code links} lasting {@code ttl} of {@code clock}, store reads on {@code lane}.
     */
    public AttachmentEndpoints(
            ConversationStore store,
            TranscriptExport access,
            FileLinks links,
            Duration ttl,
            Clock clock,
            Executor lane,
            ObjectMapper json) {
        this.store = store;
        this.attachments = store.attachments();
        this.access = access;
        this.links = links;
        this.ttl = ttl;
        this.clock = clock;
        this.lane = lane;
        this.json = json;
    }

    /** Adds the routes: after every other route under {@code /api/conversations/}. */
    void register(HttpRoutes routes) {
        routes.get("/files/link/{token}", this::link)
                .get("/files/{token}", this::file)
                .get("/api/conversations/{ref}", this::url)
                .add(HttpMethod.OPTIONS, "/api/conversations/{ref}", AttachmentEndpoints::preflight);
    }

    /** {@code GET /api/conversations/{id}/attachments/{aid}}: {@code {"url","expiresAt"}}. */
    private void url(Exchange ex) {
        Matcher m = ATTACHMENT.matcher(ex.variable());
        if (!m.matches() || attachments.isEmpty()) {
            HttpRoutes.notFound(ex);
            return;
        }
        String conversationId = m.group(1);
        String attachmentId = m.group(2);
        String authorization = ex.authorization().orElse(null);
        onLane(ex, () -> {
            Optional<ConversationRecord> record = store.conversation(conversationId);
            if (record.isEmpty()
                    || !access.allowed(authorization, record.get())
                    || stored(conversationId, attachmentId).isEmpty()) {
                return () -> cors(ex, HttpResponseStatus.NOT_FOUND, Map.of("error", ErrorCode.NOT_FOUND.wire()));
            }
            Instant expiresAt = clock.instant().plus(ttl);
            String path = links.downloadPath(attachmentId, expiresAt);
            return () -> cors(ex, HttpResponseStatus.OK, Map.of("url", path, "expiresAt", expiresAt.toString()));
        });
    }

    /** {@code GET /files/link/<token>}: 302 to a fresh download URL while the attachment is kept. */
    private void link(Exchange ex) {
        Optional<FileLinks.Link> target = links.ofLink(ex.variable());
        if (target.isEmpty()) {
            HttpRoutes.notFound(ex);
            return;
        }
        onLane(ex, () -> {
            FileLinks.Link l = target.get();
            if (store.conversation(l.conversationId()).isEmpty()
                    || stored(l.conversationId(), l.attachmentId()).isEmpty()) {
                return () -> HttpRoutes.notFound(ex);
            }
            String path = links.downloadPath(l.attachmentId(), clock.instant().plus(ttl));
            return () -> {
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND);
                response.headers().set(HttpHeaderNames.LOCATION, path);
                response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
                response.headers().set("Referrer-Policy", "no-referrer");
                ex.write(response);
            };
        });
    }

    /** {@code GET /files/<token>[?download=1]}: the stored bytes, with headers that keep them inert. */
    private void file(Exchange ex) {
        Optional<String> attachmentId = links.attachmentOfDownload(ex.variable(), clock.instant());
        if (attachmentId.isEmpty() || attachments.isEmpty()) {
            HttpRoutes.notFound(ex); // expired and forged look the same
            return;
        }
        boolean download = ex.param("download").filter(v -> !v.equals("0")).isPresent();
        onLane(ex, () -> {
            Optional<StoredAttachment> stored = attachments.get().attachment(attachmentId.get());
            Optional<InputStream> content = stored.isEmpty()
                    ? Optional.empty()
                    : attachments.get().openContent(stored.get().sha256());
            if (content.isEmpty()) {
                return () -> HttpRoutes.notFound(ex);
            }
            Attachment view = stored.get().view();
            return () -> {
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                fileHeaders(head.headers(), view, download);
                HttpUtil.setContentLength(head, view.size());
                ex.stream(head, new HttpChunkedInput(new ChunkedStream(content.get(), CHUNK)));
            };
        });
    }

    /** The headers of a served file: an image we re-encoded is shown inline, anything else downloaded. */
    static void fileHeaders(HttpHeaders headers, Attachment view, boolean download) {
        boolean inline = view.isImage() && !download;
        headers.set(
                HttpHeaderNames.CONTENT_TYPE,
                inline ? view.mediaType() : HttpHeaderValues.APPLICATION_OCTET_STREAM.toString());
        headers.set(HttpHeaderNames.CONTENT_DISPOSITION, disposition(inline, view.name()));
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Content-Security-Policy", FILE_CSP);
        headers.set(HttpHeaderNames.CACHE_CONTROL, "private, max-age=300");
        // The widget shows re-encoded images with <img> on its customers' pages (another origin);
        // anything else is only ever a download, which no other page may embed.
        headers.set("Cross-Origin-Resource-Policy", inline ? "cross-origin" : "same-origin");
        headers.set("Referrer-Policy", "no-referrer");
        // The widget reads files with fetch() from its customers' pages; the URL is the credential.
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    }

    /**
     * {@code inline} or {@code attachment}, with an ASCII {@code filename} (others replaced by
     * {@code _}) and the exact name as {@code filename*} (RFC 6266, RFC 8187).
     */
    static String disposition(boolean inline, String name) {
        StringBuilder ascii = new StringBuilder();
        StringBuilder encoded = new StringBuilder();
        name.codePoints().forEach(c -> ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? (char) c : '_'));
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "!#$&+-.^_`|~".indexOf(c) >= 0) {
                encoded.append((char) c);
            } else {
                encoded.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return (inline ? "inline" : "attachment") + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
    }

    /** The upload {@code attachmentId} if it belongs to {@code conversationId}. */
    private Optional<StoredAttachment> stored(String conversationId, String attachmentId) {
        if (!Attachment.isId(attachmentId)) {
            return Optional.empty();
        }
        return attachments.flatMap(a -> a.attachment(attachmentId)).filter(s -> s.conversationId()
                .equals(conversationId));
    }

    /** CORS preflight: the widget calls from its customers' pages with a header credential. */
    private static void preflight(Exchange ex) {
        ex.preflight("GET, POST", "Authorization, Content-Type");
    }

    private void cors(Exchange ex, HttpResponseStatus status, Object body) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (Exception e) {
            ex.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, ErrorCode.INTERNAL);
            return;
        }
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        response.headers().set("X-Content-Type-Options", "nosniff");
        response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        ex.write(response);
    }

    private interface Read {
        Runnable run() throws Exception;
    }

    /** Runs {@code read} on the lane and its answer on the event loop; 500 when it throws, 503 when the lane is full. */
    private void onLane(Exchange ex, Read read) {
        try {
            lane.execute(() -> {
                Runnable answer;
                try {
                    answer = read.run();
                } catch (Exception e) {
                    log.error("{}: attachment request failed", ex.channelId(), e);
                    answer = () -> ex.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, ErrorCode.INTERNAL);
                }
                ex.onLoop(answer);
            });
        } catch (RejectedExecutionException e) {
            ex.busy();
        }
    }
}
