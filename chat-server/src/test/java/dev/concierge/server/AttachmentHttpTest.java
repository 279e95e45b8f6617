package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.attach.AttachmentSettings;
import dev.concierge.server.attach.FileLinks;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.AttachmentCalls;
import dev.concierge.server.testing.AttachmentCalls.Conversation;
import dev.concierge.server.testing.MutableClock;
import dev.concierge.store.JdbcConversationStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attachments over real HTTP against the SQLite store: uploads typed from their bytes whatever
 * they claim, names made safe, who may upload and download what, signed URLs that expire, and
 * the headers that keep a served file inert.
 */
final class AttachmentHttpTest {
    private static final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private static final int PER_WINDOW = 4;
    private static JdbcConversationStore store;
    private static ChatServer server;
    private static AttachmentCalls calls;

    @BeforeAll
    static void start() throws Exception {
        store = JdbcConversationStore.sqlite(Files.createTempDirectory("concierge-attach"), clock);
        server = ChatServer.builder()
                .port(0)
                .store(store)
                .clock(clock)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .attachments(new AttachmentSettings(
                        256 * 1024,
                        600 * 1024,
                        40_000_000,
                        Duration.ofMinutes(5),
                        PER_WINDOW,
                        Duration.ofMinutes(10),
                        Duration.ofHours(24),
                        Optional.empty(),
                        Optional.empty()))
                .start();
        calls = new AttachmentCalls(server.baseUri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aPngSentAsHtml_underATraversalName_isTypedFromItsBytes_namedSafely_andServedInlineAsPng() throws Exception {
        Conversation c = calls.startConversation();
        HttpResponse<String> r =
                calls.upload(c.id(), c.authorization(), "../../etc/passwd", AttachmentCalls.png(3, 2), "text/html");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(r.headers().firstValue("access-control-allow-origin")).contains("*");
        JsonNode a = AttachmentCalls.json(r.body()).path("attachment");
        assertThat(a.path("id").asText()).matches("a_[a-z2-7]{26}");
        assertThat(a.path("kind").asText()).isEqualTo("image");
        assertThat(a.path("mediaType").asText()).isEqualTo("image/png");
        assertThat(a.path("width").asInt()).isEqualTo(3);
        assertThat(a.path("height").asInt()).isEqualTo(2);
        assertThat(a.path("name").asText()).doesNotContain("/", "\\", "..").endsWith(".png");

        HttpResponse<String> url = calls.url(c.id(), a.path("id").asText(), c.authorization());
        assertThat(url.statusCode()).isEqualTo(200);
        assertThat(url.headers().firstValue("access-control-allow-origin")).contains("*");
        JsonNode u = AttachmentCalls.json(url.body());
        assertThat(u.path("url").asText()).startsWith("/files/");
        assertThat(Instant.parse(u.path("expiresAt").asText()))
                .isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));

        HttpResponse<byte[]> file = calls.get(u.path("url").asText());
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.headers().firstValue("content-type")).contains("image/png");
        assertThat(file.headers().firstValue("content-disposition").orElseThrow())
                .startsWith("inline;");
        assertInert(file);
        // Shown with <img> by the widget on its customers' pages.
        assertThat(file.headers().firstValue("cross-origin-resource-policy")).contains("cross-origin");
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(file.body()));
        assertThat(image.getWidth()).isEqualTo(3);
        assertThat(image.getHeight()).isEqualTo(2);
        assertThat((long) file.body().length).isEqualTo(a.path("size").asLong());

        HttpResponse<byte[]> forced = calls.get(u.path("url").asText() + "?download=1");
        assertThat(forced.headers().firstValue("content-type")).contains("application/octet-stream");
        assertThat(forced.headers().firstValue("content-disposition").orElseThrow())
                .startsWith("attachment;");
    }

    @Test
    void svgAndHtml_areServedAsDownloadsOnly_nosniff_inASandbox() throws Exception {
        Conversation c = calls.startConversation();
        String svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(document.cookie)\"/>";
        String html = "<!doctype html><script>alert(1)</script>";
        for (String[] f : new String[][] {{"drawing.svg", svg, "image/svg+xml"}, {"page ü.html", html, "text/html"}}) {
            HttpResponse<String> r =
                    calls.upload(c.id(), c.authorization(), f[0], f[1].getBytes(StandardCharsets.UTF_8), f[2]);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            JsonNode a = AttachmentCalls.json(r.body()).path("attachment");
            assertThat(a.path("kind").asText()).isEqualTo("file");
            HttpResponse<byte[]> file =
                    calls.get(calls.downloadPath(c.id(), a.path("id").asText(), c.authorization()));
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(file.headers().firstValue("content-type")).contains("application/octet-stream");
            String disposition =
                    file.headers().firstValue("content-disposition").orElseThrow();
            assertThat(disposition).startsWith("attachment; filename=\"").contains("filename*=UTF-8''");
            assertInert(file);
            assertThat(file.headers().firstValue("cross-origin-resource-policy"))
                    .contains("same-origin");
            assertThat(new String(file.body(), StandardCharsets.UTF_8)).isEqualTo(f[1]);
        }
    }

    private static void assertInert(HttpResponse<byte[]> file) {
        assertThat(file.headers().firstValue("x-content-type-options")).contains("nosniff");
        assertThat(file.headers().firstValue("content-security-policy")).contains("default-src 'none'; sandbox");
        assertThat(file.headers().firstValue("cache-control")).contains("private, max-age=300");
    }

    @Test
    void anotherVisitor_getsNotFound_forUploadsAndUrls_whileAnAgentDownloads() throws Exception {
        Conversation ada = calls.startConversation();
        Conversation mallory = calls.startConversation();
        String id = calls.uploaded(ada, "notes.txt", "private notes".getBytes(StandardCharsets.UTF_8))
                .path("id")
                .asText();
        HttpResponse<String> upload =
                calls.upload(ada.id(), mallory.authorization(), "x.txt", new byte[] {1}, "text/plain");
        assertThat(upload.statusCode()).isEqualTo(404);
        assertThat(AttachmentCalls.json(upload.body()).path("error").asText()).isEqualTo("not_found");
        assertThat(calls.upload(ada.id(), null, "x.txt", new byte[] {1}, "text/plain")
                        .statusCode())
                .isEqualTo(404);
        assertThat(calls.upload("c_missing", ada.authorization(), "x.txt", new byte[] {1}, "text/plain")
                        .statusCode())
                .isEqualTo(404);
        assertThat(calls.url(ada.id(), id, mallory.authorization()).statusCode())
                .isEqualTo(404);
        assertThat(calls.url(mallory.id(), id, mallory.authorization()).statusCode())
                .as("an attachment of another conversation")
                .isEqualTo(404);
        assertThat(calls.url(ada.id(), id, null).statusCode()).isEqualTo(404);
        assertThat(calls.url(ada.id(), "a_" + "b".repeat(26), ada.authorization())
                        .statusCode())
                .isEqualTo(404);

        String agent = calls.agent("one", "pw-one");
        HttpResponse<byte[]> file = calls.get(calls.downloadPath(ada.id(), id, agent));
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(new String(file.body(), StandardCharsets.UTF_8)).isEqualTo("private notes");
        JsonNode byAgent = AttachmentCalls.json(
                        calls.upload(ada.id(), agent, "reply.txt", "from the agent".getBytes(), "text/plain")
                                .body())
                .path("attachment");
        assertThat(calls.url(ada.id(), byAgent.path("id").asText(), ada.authorization())
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void aTamperedToken_andAnExpiredUrl_answerNotFound_whileALastingLinkRedirectsToAFreshUrl() throws Exception {
        Conversation c = calls.startConversation();
        String first = calls.uploaded(c, "a.txt", "first".getBytes()).path("id").asText();
        String second =
                calls.uploaded(c, "b.txt", "second".getBytes()).path("id").asText();
        String path = calls.downloadPath(c.id(), first, c.authorization());
        assertThat(calls.get(path).statusCode()).isEqualTo(200);

        String token = path.substring("/files/".length());
        String payload = new String(
                Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))), StandardCharsets.UTF_8);
        String forged = Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(payload.replace(first, second).getBytes(StandardCharsets.UTF_8))
                + token.substring(token.indexOf('.'));
        assertThat(calls.get("/files/" + forged).statusCode()).isEqualTo(404);
        assertThat(calls.get("/files/" + token + "x").statusCode()).isEqualTo(404);
        assertThat(calls.get("/files/nonsense").statusCode()).isEqualTo(404);

        FileLinks links = new FileLinks(store.attachments().orElseThrow().signingKey());
        String link = links.linkPath(c.id(), second, clock.instant());
        clock.advance(Duration.ofMinutes(5));
        assertThat(calls.get(path).statusCode()).as("expired").isEqualTo(404);
        HttpResponse<byte[]> redirect = calls.get(link);
        assertThat(redirect.statusCode()).isEqualTo(302);
        String fresh = redirect.headers().firstValue("location").orElseThrow();
        assertThat(new String(calls.get(fresh).body(), StandardCharsets.UTF_8)).isEqualTo("second");
        assertThat(calls.get(links.linkPath("c_other", second, clock.instant())).statusCode())
                .as("a link naming another conversation")
                .isEqualTo(404);
    }

    @Test
    void badUploads_areRefusedWithTheirCode() throws Exception {
        Conversation c = calls.startConversation();
        HttpResponse<String> noName = calls.upload(c.id(), c.authorization(), "", new byte[] {1}, "text/plain");
        assertThat(noName.statusCode()).isEqualTo(400);
        assertThat(AttachmentCalls.json(noName.body()).path("error").asText()).isEqualTo("bad_request");
        HttpResponse<String> empty = calls.upload(c.id(), c.authorization(), "e.txt", new byte[0], "text/plain");
        assertThat(empty.statusCode()).isEqualTo(400);
        byte[] lies = "\u0089PNG\r\n\u001a\nnot really a png".getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<String> broken = calls.upload(c.id(), c.authorization(), "x.png", lies, "image/png");
        assertThat(broken.statusCode()).as(broken.body()).isEqualTo(415);
        assertThat(AttachmentCalls.json(broken.body()).path("error").asText()).isEqualTo("unsupported_type");
        // Refused before the body is read, while the client still writes it: the answer still arrives.
        HttpResponse<String> big =
                calls.upload(c.id(), c.authorization(), "big.bin", new byte[256 * 1024 + 1], "text/plain");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(AttachmentCalls.json(big.body()).path("error").asText()).isEqualTo("too_large");
    }

    @Test
    void aVisitorsUploads_areLimitedPerWindow_andAConversationsTotal() throws Exception {
        Conversation c = calls.startConversation();
        for (int i = 0; i < 2; i++) {
            calls.uploaded(c, "part" + i + ".bin", new byte[250 * 1024]);
        }
        HttpResponse<String> full = calls.upload(c.id(), c.authorization(), "more.bin", new byte[150 * 1024], "x/y");
        assertThat(full.statusCode()).as("600 KiB per conversation").isEqualTo(413);
        calls.uploaded(c, "small.bin", new byte[50 * 1024]);
        HttpResponse<String> limited = calls.upload(c.id(), c.authorization(), "one.bin", new byte[10], "x/y");
        assertThat(limited.statusCode()).as("%d per window", PER_WINDOW).isEqualTo(429);
        assertThat(AttachmentCalls.json(limited.body()).path("error").asText()).isEqualTo("rate_limited");
        assertThat(limited.headers().firstValue("retry-after")).isPresent();
        String agent = calls.agent("one", "pw-one");
        assertThat(calls.upload(c.id(), agent, "agent.bin", new byte[10], "x/y").statusCode())
                .as("agents are not held to a visitor's rate")
                .isEqualTo(201);
    }
}
