package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.attach.AttachmentSettings;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.AttachmentCalls;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.MutableClock;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.server.testing.TestAttachmentSettings;
import dev.concierge.store.JdbcConversationStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A file carried by a message, over real sockets and the SQLite store: uploaded over HTTP, sent
 * by {@code attachmentId}, acknowledged, seen by the agent with the transcript, still there after a
 * restart, and linked from the transcript export under the public URL, the link handing out a
 * fresh download.
 */
class AttachmentMessageTest {
    private static final Pattern LINK = Pattern.compile("https://chat\\.example\\.test(/files/link/[A-Za-z0-9_.-]+)");
    private final HttpClient http =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private Path data;
    private ChatServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private ChatServer start() throws Exception {
        server = ChatServer.builder()
                .port(0)
                .store(JdbcConversationStore.sqlite(data))
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .attachments(AttachmentSettings.DEFAULTS.withPublicUrl("https://chat.example.test/"))
                .start();
        return server;
    }

    @Test
    void aMessageCarriesItsFile_toTheAgent_throughARestart_andIntoTheExportWithAWorkingLink() throws Exception {
        data = Files.createTempDirectory("concierge-attach-msg");
        start();
        AttachmentCalls calls = new AttachmentCalls(server.baseUri());
        String token;
        String cid;
        String fileId;
        try (RawSocket visitor = RawSocket.connect(server, "/ws/visitor")) {
            visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            token = visitor.awaitType("welcome").path("visitorToken").asText();
            visitor.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"My mug arrived cracked\"}");
            cid = visitor.awaitType("ack").path("conversationId").asText();
            JsonNode file = calls.uploaded(
                    new AttachmentCalls.Conversation("Visitor " + token, cid), "mug.png", AttachmentCalls.png(4, 3));
            fileId = file.path("id").asText();

            visitor.send("{\"type\":\"message\",\"id\":\"m2\",\"conversationId\":\"" + cid
                    + "\",\"text\":\"\",\"attachmentId\":\"" + fileId + "\"}");
            assertThat(visitor.await(f -> "ack".equals(f.path("type").asText())
                                    && "m2".equals(f.path("ref").asText()))
                            .path("seq")
                            .asLong())
                    .isPositive();
            visitor.send("{\"type\":\"message\",\"id\":\"m3\",\"conversationId\":\"" + cid
                    + "\",\"text\":\"again\",\"attachmentId\":\"" + fileId + "\"}");
            JsonNode refused = visitor.await(f -> "error".equals(f.path("type").asText()));
            assertThat(refused.path("code").asText()).isEqualTo("bad_state");
            assertThat(refused.path("ref").asText()).isEqualTo("m3");
        }

        server.close();
        start(); // the file is read back from the store with its message
        calls = new AttachmentCalls(server.baseUri());
        String agent = calls.agent("one", "pw-one");
        HttpResponse<String> json = get("/api/conversations/" + cid + "/transcript?format=json", agent);
        JsonNode events = AttachmentCalls.json(json.body()).path("events");
        JsonNode carried = null;
        for (JsonNode e : events) {
            if ("m2".equals(e.path("id").asText())) {
                carried = e.path("attachment");
            }
        }
        assertThat(carried).isNotNull();
        assertThat(carried.path("id").asText()).isEqualTo(fileId);
        assertThat(carried.path("kind").asText()).isEqualTo("image");
        assertThat(carried.path("width").asInt()).isEqualTo(4);

        String text = get("/api/conversations/" + cid + "/transcript?format=txt", "Visitor " + token)
                .body();
        assertThat(text).contains("[file: mug.png, image/png, ");
        Matcher link = LINK.matcher(text);
        assertThat(link.find()).as("a lasting link in %s", text).isTrue();
        HttpResponse<String> redirect = get(link.group(1), null);
        assertThat(redirect.statusCode()).isEqualTo(302);
        String location = redirect.headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> download = calls.get(URI.create(location).getPath());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValue("Content-Type")).contains("image/png");
    }

    /**
     * Uploads no message came to carry are deleted once older than {@code unreferencedAfter} (here
     * 300 ms, so the sweep runs every 75 ms): the one never sent goes from downloads at once and
     * its bytes from disk once an hour has passed since they were last stored or found (the store's
     * clock moved on for that), while an older one that a message carries stays.
     */
    @Test
    void anUploadNoMessageCarries_isDeleted_whileAnOlderSentOneStays() throws Exception {
        data = Files.createTempDirectory("concierge-attach-sweep");
        MutableClock storeClock = new MutableClock(Instant.now());
        server = ChatServer.builder()
                .port(0)
                .store(JdbcConversationStore.sqlite(data, storeClock))
                .attachments(new TestAttachmentSettings()
                        .unreferencedAfter(Duration.ofMillis(300))
                        .build())
                .start();
        AttachmentCalls calls = new AttachmentCalls(server.baseUri());
        try (RawSocket visitor = RawSocket.connect(server, "/ws/visitor")) {
            visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            String token = visitor.awaitType("welcome").path("visitorToken").asText();
            visitor.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Two files\"}");
            String cid = visitor.awaitType("ack").path("conversationId").asText();
            AttachmentCalls.Conversation c = new AttachmentCalls.Conversation("Visitor " + token, cid);
            String sent = calls.uploaded(c, "sent.bin", "carried by a message".getBytes(StandardCharsets.UTF_8))
                    .path("id")
                    .asText();
            visitor.send("{\"type\":\"message\",\"id\":\"m2\",\"conversationId\":\"" + cid
                    + "\",\"text\":\"\",\"attachmentId\":\"" + sent + "\"}");
            visitor.await(f -> "ack".equals(f.path("type").asText())
                    && "m2".equals(f.path("ref").asText()));
            String unsent = calls.uploaded(c, "unsent.bin", "never sent".getBytes(StandardCharsets.UTF_8))
                    .path("id")
                    .asText();
            assertThat(calls.url(cid, unsent, c.authorization()).statusCode()).isEqualTo(200);

            Await.until("the unsent upload deleted", () -> {
                try {
                    return calls.url(cid, unsent, c.authorization()).statusCode() == 404;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // The sent file is older than the deleted one: a sweep that took it would have by now.
            HttpResponse<byte[]> kept = calls.get(calls.downloadPath(cid, sent, c.authorization()));
            assertThat(kept.statusCode()).isEqualTo(200);
            assertThat(new String(kept.body(), StandardCharsets.UTF_8)).isEqualTo("carried by a message");
            assertThat(filesOnDisk())
                    .as("bytes stay an hour after their last touch")
                    .isEqualTo(2);
            storeClock.advance(Duration.ofHours(2));
            Await.until("the unsent upload's bytes gone from disk", () -> filesOnDisk() == 1);
            assertThat(calls.get(calls.downloadPath(cid, sent, c.authorization()))
                            .body())
                    .isEqualTo("carried by a message".getBytes(StandardCharsets.UTF_8));
        }
    }

    private long filesOnDisk() {
        return AttachmentCalls.filesUnder(data.resolve("attachments"));
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.baseUri().resolve(path));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
