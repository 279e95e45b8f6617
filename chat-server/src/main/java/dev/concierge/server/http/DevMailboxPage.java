package dev.concierge.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.mustachejava.util.HtmlEscaper;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.insights.InsightsApi;
import dev.concierge.server.mail.DevMailbox;
import dev.concierge.server.support.LogSafe;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The development mailbox's page and API (docs/email.md, "Development mailbox"): {@code GET
 * /dev/mail} lists the mails the demo would have sent, each mail's HTML shown in a sandboxed
 * {@code <iframe srcdoc>} under a policy that loads nothing; {@code GET /api/dev/mail} is the same
 * list as JSON; {@code POST /api/dev/mail/{messageId}/reply} (JSON {@code {"text"}} or the page's
 * form) sends a reply to a mail as the visitor's mail client would, to the reader of replies.
 *
 * <p>Only for this machine's user: every one of these answers 404 unless {@link #allowed} (the
 * client is loopback, no proxy forwarded the request, the server sends no real mail).
 */
final class DevMailboxPage {
    private static final Logger log = LoggerFactory.getLogger(DevMailboxPage.class);

    /** The page's policy: nothing loads, nothing runs; the mails' inline styles show. */
    static final String POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
            + "base-uri 'none'; frame-ancestors 'none'";
    /** The headers a reverse proxy adds: a request carrying one came from elsewhere. */
    static final List<String> FORWARDING_HEADERS = List.of(
            "X-Forwarded-For",
            "Forwarded",
            "X-Real-IP",
            "X-Forwarded-Host",
            "X-Client-IP",
            "True-Client-IP",
            "CF-Connecting-IP");

    /** A loopback name as a browser writes it in {@code Host} or {@code Origin}: localhost, 127.x.y.z, [::1]. */
    private static final String LOOPBACK_NAME =
            "(localhost|127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|\\[::1\\])(:\\d{1,5})?";

    private static final Pattern LOOPBACK_HOST = Pattern.compile("(?i)" + LOOPBACK_NAME);

    /** A loopback origin: {@code http(s)://} and a loopback name. */
    private static final Pattern LOOPBACK_ORIGIN = Pattern.compile("(?i)https?://" + LOOPBACK_NAME);

    /** How long a reply's handling may take before the answer says so. */
    static final long REPLY_TIMEOUT_SECONDS = 30;

    private final DevMailbox mailbox;
    private final boolean smtp;
    private final ObjectMapper json;
    private final Executor lane;
    private final Clock clock;

    DevMailboxPage(DevMailbox mailbox, boolean smtp, ObjectMapper json, Executor lane, Clock clock) {
        this.mailbox = mailbox;
        this.smtp = smtp;
        this.json = json;
        this.lane = lane;
        this.clock = clock;
    }

    /**
     * Whether the development mailbox may answer a request from {@code client} with {@code
     * headers}: only when the server sends no real mail ({@code smtp} false), the client's
     * address is loopback (IPv4 {@code 127.0.0.0/8} or IPv6 {@code ::1}) and no forwarding header
     * is present (a reverse proxy on this host would otherwise make every visitor local), the
     * {@code Host} names this machine by a loopback name (a page of another site whose name was
     * re-pointed to 127.0.0.1, DNS rebinding, carries its own name), and an {@code Origin}, if
     * any, is a loopback one too (another site's page posting a form from the developer's
     * browser carries its own).
     */
    static boolean allowed(SocketAddress client, HttpHeaders headers, boolean smtp) {
        if (smtp) {
            return false;
        }
        for (String h : FORWARDING_HEADERS) {
            if (headers.contains(h)) {
                return false;
            }
        }
        String host = headers.get("Host");
        if (host == null || !LOOPBACK_HOST.matcher(host.strip()).matches()) {
            return false;
        }
        String origin = headers.get("Origin");
        if (origin != null && !LOOPBACK_ORIGIN.matcher(origin.strip()).matches()) {
            return false;
        }
        return client instanceof InetSocketAddress a
                && a.getAddress() != null
                && a.getAddress().isLoopbackAddress();
    }

    /** The guard of every route: 404, as if there were no such page, unless {@link #allowed}. */
    boolean refused(Exchange ex) {
        if (allowed(ex.client(), ex.headers(), smtp)) {
            return false;
        }
        log.info("{}: development mailbox refused to {}", ex.channelId(), LogSafe.text(ex.address()));
        HttpRoutes.notFound(ex);
        return true;
    }

    /** {@code GET /api/dev/mail}: the mails kept, newest first. */
    void list(Exchange ex) {
        ex.json(
                HttpResponseStatus.OK,
                Map.of(
                        "mails",
                        mailbox.mails().stream().map(DevMailboxPage::view).toList()));
    }

    private static Map<String, Object> view(DevMailbox.Delivered m) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("messageId", m.messageId());
        v.put("from", m.from());
        v.put("to", m.to());
        m.replyTo().ifPresent(r -> v.put("replyTo", r));
        v.put("subject", m.subject());
        v.put("date", m.date().toString());
        m.inReplyTo().ifPresent(r -> v.put("inReplyTo", r));
        m.references().ifPresent(r -> v.put("references", r));
        v.put("text", m.text());
        v.put("html", m.html());
        return v;
    }

    /** {@code GET /dev/mail}: the page. */
    void page(Exchange ex) {
        StringBuilder out = new StringBuilder();
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                        + "<title>Development mailbox</title></head>\n"
                        + "<body style=\"font-family:sans-serif;max-width:960px;margin:24px auto;padding:0 12px\">\n"
                        + "<h1 style=\"font-size:20px\">Development mailbox</h1>\n"
                        + "<p>The mails this server would have sent (no SMTP server is set), newest first; the latest ")
                .append(DevMailbox.CAPACITY)
                .append(" are kept in memory. Only this machine can see this page.</p>\n");
        List<DevMailbox.Delivered> mails = mailbox.mails();
        if (mails.isEmpty()) {
            out.append("<p><em>No mail yet. Leave a message in the widget while no agent is available.</em></p>\n");
        }
        for (DevMailbox.Delivered m : mails) {
            out.append("<section style=\"border:1px solid #ccc;border-radius:6px;padding:12px;margin:16px 0\">\n")
                    .append("<h2 style=\"font-size:16px;margin:0 0 8px\">")
                    .append(html(m.subject()))
                    .append("</h2>\n<table style=\"font-size:13px\">")
                    .append(row("To", m.to()))
                    .append(row("From", m.from()))
                    .append(m.replyTo().map(r -> row("Reply-To", r)).orElse(""))
                    .append(row("Date", m.date().toString()))
                    .append(row("Message-ID", m.messageId()))
                    .append(m.inReplyTo().map(r -> row("In-Reply-To", r)).orElse(""))
                    .append("</table>\n<details><summary>Text part</summary><pre style=\"white-space:pre-wrap\">")
                    .append(html(m.text()))
                    .append("</pre></details>\n")
                    .append(
                            "<iframe sandbox title=\"HTML part\" style=\"width:100%;height:360px;border:1px solid #eee\" srcdoc=\"")
                    .append(html(m.html()))
                    .append("\"></iframe>\n");
            if (m.replyTo().isPresent()) {
                out.append("<form method=\"post\" action=\"/api/dev/mail/")
                        .append(html(URLEncoder.encode(m.messageId(), StandardCharsets.UTF_8)))
                        .append("/reply\"><p><label>Reply as ")
                        .append(html(m.to()))
                        .append("<br><textarea name=\"text\" rows=\"3\" cols=\"80\" maxlength=\"")
                        .append(DevMailbox.MAX_REPLY)
                        .append("\" required></textarea></label><br><button type=\"submit\">Send reply</button>"
                                + "</p></form>\n");
            }
            out.append("</section>\n");
        }
        out.append("</body></html>\n");
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(out.toString().getBytes(StandardCharsets.UTF_8)));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        response.headers().set("X-Content-Type-Options", "nosniff");
        response.headers().set("Content-Security-Policy", POLICY);
        response.headers().set("X-Frame-Options", "DENY");
        response.headers().set("Referrer-Policy", "no-referrer");
        ex.write(response);
    }

    private static String row(String name, String value) {
        return "<tr><th style=\"text-align:left;padding-right:8px\">" + name + "</th><td>" + html(value) + "</td></tr>";
    }

    /** {@code value} escaped for HTML text and double-quoted attributes. */
    static String html(String value) {
        StringWriter w = new StringWriter();
        HtmlEscaper.escape(value, w);
        return w.toString();
    }

    /**
     * {@code POST /api/dev/mail/{messageId}/reply}: builds the reply and hands it to the reader of
     * replies, on a lane (the reader waits for the store). JSON in, JSON out; the page's form
     * ({@code application/x-www-form-urlencoded}) is sent back to the page.
     */
    void reply(Exchange ex) {
        Optional<DevMailbox.Delivered> mail = mailbox.find(ex.variable());
        if (mail.isEmpty()) {
            HttpRoutes.notFound(ex);
            return;
        }
        String contentType = Optional.ofNullable(ex.headers().get(HttpHeaderNames.CONTENT_TYPE))
                .orElse("");
        boolean form = contentType.startsWith("application/x-www-form-urlencoded");
        String text;
        if (form) {
            List<String> values = new QueryStringDecoder(ex.body(), StandardCharsets.UTF_8, false)
                    .parameters()
                    .get("text");
            text = values == null || values.isEmpty() ? null : values.get(0);
        } else {
            try {
                JsonNode body = json.readTree(ex.body());
                text = body == null || !body.path("text").isTextual()
                        ? null
                        : body.path("text").asText();
            } catch (IOException e) {
                ex.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_JSON);
                return;
            }
        }
        MimeMessage message;
        try {
            message = mailbox.reply(mail.get(), text, clock.instant());
        } catch (IllegalArgumentException e) {
            ex.json(
                    HttpResponseStatus.BAD_REQUEST,
                    Map.of("error", ErrorCode.BAD_REQUEST.wire(), "message", e.getMessage()));
            return;
        } catch (MessagingException e) {
            ex.json(
                    HttpResponseStatus.BAD_REQUEST,
                    Map.of(
                            "error",
                            ErrorCode.BAD_REQUEST.wire(),
                            "message",
                            "cannot make the reply: " + e.getMessage()));
            return;
        }
        Optional<DevMailbox.Replies> replies = mailbox.replies();
        if (replies.isEmpty()) {
            ex.json(
                    HttpResponseStatus.SERVICE_UNAVAILABLE,
                    Map.of(
                            "error",
                            ErrorCode.UNAVAILABLE.wire(),
                            "message",
                            "replies by email are not read by this server"));
            return;
        }
        ex.offload(lane, () -> {
            String outcome;
            try {
                outcome = replies.get().accept(message).get(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return InsightsApi.Reply.json(
                        HttpResponseStatus.SERVICE_UNAVAILABLE, Map.of("error", ErrorCode.UNAVAILABLE.wire()));
            } catch (ExecutionException e) {
                String why = e.getCause() == null
                        ? "refused"
                        : String.valueOf(e.getCause().getMessage());
                return InsightsApi.Reply.json(
                        HttpResponseStatus.UNPROCESSABLE_ENTITY,
                        Map.of("error", ErrorCode.BAD_REQUEST.wire(), "message", why));
            } catch (TimeoutException e) {
                return InsightsApi.Reply.json(
                        HttpResponseStatus.SERVICE_UNAVAILABLE,
                        Map.of("error", ErrorCode.UNAVAILABLE.wire(), "message", "the reply is still being handled"));
            }
            if (form) {
                return new InsightsApi.Reply(
                        HttpResponseStatus.OK,
                        null,
                        "<!DOCTYPE html><title>Reply sent</title><p>Reply handled: " + html(String.valueOf(outcome))
                                + "</p><p><a href=\"/dev/mail\">Back to the mailbox</a></p>",
                        "text/html; charset=utf-8",
                        null);
            }
            return InsightsApi.Reply.json(
                    HttpResponseStatus.OK, Map.of("status", "handled", "outcome", String.valueOf(outcome)));
        });
    }
}
