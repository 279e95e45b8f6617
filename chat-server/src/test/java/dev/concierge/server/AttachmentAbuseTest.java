package dev.concierge.server;

import static dev.concierge.server.testing.AttachmentCalls.filesUnder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.attach.AttachmentSettings;
import dev.concierge.server.testing.AttachmentCalls;
import dev.concierge.server.testing.AttachmentCalls.Conversation;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.RawSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Uploads that try to exhaust the server, over raw sockets: a 1 GB body refused while it streams,
 * a Content-Length over the limit refused before the body, {@code Expect: 100-continue} answered
 * only for an admitted upload, a stalled body cut by the idle limit; none leaves a file behind.
 */
final class AttachmentAbuseTest {
    private static final int MAX_FILE = 1 << 20;
    private static Path data;
    private static ChatServer server;
    private static AttachmentCalls calls;

    @BeforeAll
    static void start() throws Exception {
        data = Files.createTempDirectory("concierge-abuse");
        server = ChatServer.builder()
                .port(0)
                .dataDir(data)
                .attachments(settings(MAX_FILE))
                .start();
        calls = new AttachmentCalls(server.baseUri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static AttachmentSettings settings(long maxFile) {
        return new AttachmentSettings(
                maxFile,
                50L << 20,
                40_000_000,
                Duration.ofMinutes(5),
                1000,
                Duration.ofMinutes(10),
                Duration.ofHours(24),
                Optional.empty(),
                Optional.empty());
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static String head(Conversation c, String... headers) {
        return "POST /api/conversations/" + c.id() + "/attachments?name=big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: " + c.authorization() + "\r\n" + String.join("", headers) + "\r\n";
    }

    /** The status line and headers of the next response (its body is left unread). */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        for (int b; (b = in.read()) >= 0; ) {
            head.append((char) b);
            if (head.toString().endsWith("\r\n\r\n")) {
                return head.toString();
            }
        }
        return head.toString();
    }

    /** The files under the uploads' temporary directory and the store's, after the lane has cleaned up. */
    private static void awaitNoFilesLeft() {
        Await.until(
                "no upload left on disk",
                () -> filesUnder(data.resolve("uploads")) == 0 && filesUnder(data.resolve("attachments")) == 0);
    }

    @Test
    void aGigabyteSentChunked_isRefusedWhileStreaming_afterLittleMoreThanTheLimit() throws Exception {
        Conversation c = calls.startConversation();
        try (Socket socket = connect(server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(head(c, "Transfer-Encoding: chunked\r\n").getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return readHead(socket.getInputStream());
                } catch (IOException e) {
                    return "failed: " + e;
                }
            });
            byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            long sent = 0;
            try {
                while (sent < (1L << 30) && !answer.isDone()) {
                    out.write(chunk);
                    sent += 0x10000;
                }
            } catch (IOException e) {
                // the server closed the connection: expected once it answered
            }
            String response = answer.get(20, TimeUnit.SECONDS);
            assertThat(response).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
            // Socket buffers on both sides hold some megabytes more than the server read.
            assertThat(sent).as("bytes sent before the refusal").isLessThan(MAX_FILE + (32L << 20));
        }
        awaitNoFilesLeft();
    }

    @Test
    void aContentLengthOverTheLimit_isRefusedBeforeTheBody() throws Exception {
        Conversation c = calls.startConversation();
        try (Socket socket = connect(server.port())) {
            socket.getOutputStream()
                    .write(head(c, "Content-Length: 2147483648\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = readHead(socket.getInputStream());
            assertThat(response).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
        }
        awaitNoFilesLeft();
    }

    /**
     * A client that writes the whole body before it reads (as browsers and most HTTP clients do)
     * still gets the refusal: the server reads and drops the rest of the body instead of resetting
     * the connection, then ends it in order. Both ways: refused at once by its {@code Content-Length},
     * and refused while streaming (chunked, passing the limit).
     */
    @Test
    void aClientWritingTheWholeBodyFirst_stillReadsTheRefusal() throws Exception {
        Conversation c = calls.startConversation();
        byte[] body = new byte[MAX_FILE * 32]; // more than the sockets' buffers hold
        try (Socket socket = connect(server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(head(c, "Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            assertRefusedThenEnded(socket.getInputStream());
        }
        try (Socket socket = connect(server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(head(c, "Transfer-Encoding: chunked\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int sent = 0; sent < body.length; sent += 0x10000) {
                out.write(chunk);
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertRefusedThenEnded(socket.getInputStream());
        }
        awaitNoFilesLeft();
    }

    /** A 413 {@code too_large} with its JSON body, then the end of the stream (not a reset). */
    private static void assertRefusedThenEnded(InputStream in) throws IOException {
        String head = readHead(in);
        assertThat(head).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
        String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        assertThat(rest).contains("\"error\":\"too_large\"");
    }

    @Test
    void expectContinue_isAnsweredOnlyOnceTheCallerAndConversationAreChecked() throws Exception {
        Conversation c = calls.startConversation();
        Conversation other = calls.startConversation();
        String body = "hello";
        try (Socket socket = connect(server.port())) {
            socket.getOutputStream()
                    .write(head(
                                    new Conversation(other.authorization(), c.id()),
                                    "Content-Length: 5\r\n",
                                    "Expect: 100-continue\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 404");
        }
        try (Socket socket = connect(server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(
                    head(c, "Content-Length: 5\r\n", "Expect: 100-continue\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 100");
            out.write(body.getBytes(StandardCharsets.US_ASCII));
            assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 201");
        }
    }

    @Test
    void anUploadStalledMidBody_isCut_andLeavesNoFile() throws Exception {
        Path dir = Files.createTempDirectory("concierge-stall");
        try (ChatServer slow = ChatServer.builder()
                .port(0)
                .dataDir(dir)
                .idleTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1))
                .requestTimeout(Duration.ofSeconds(1))
                .start()) {
            Conversation c = new AttachmentCalls(slow.baseUri()).startConversation();
            try (Socket socket = connect(slow.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(head(c, "Content-Length: 100000\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[50_000]);
                out.flush();
                Await.until("the upload's file", () -> filesUnder(dir.resolve("uploads")) == 1);
                try {
                    assertThat(socket.getInputStream().read())
                            .as("closed without an answer")
                            .isEqualTo(-1);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("a stalled upload was not cut", e);
                } catch (IOException e) {
                    // reset: cut as well
                }
            }
            Await.until("the file deleted", () -> filesUnder(dir.resolve("uploads")) == 0);
        }
    }

    @Test
    void aClosedConversation_is409_andAStoreWithoutAttachments_is501() throws Exception {
        String token;
        String id;
        try (RawSocket visitor = RawSocket.connect(server, "/ws/visitor")) {
            visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            token = visitor.awaitType("welcome").path("visitorToken").asText();
            visitor.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"hi\"}");
            id = visitor.awaitType("ack").path("conversationId").asText();
            visitor.send("{\"type\":\"close\",\"id\":\"x1\",\"conversationId\":\"" + id + "\"}");
            visitor.await(f -> "x1".equals(f.path("ref").asText()));
        }
        HttpResponse<String> closed = calls.upload(id, "Visitor " + token, "late.txt", new byte[] {1}, "text/plain");
        assertThat(closed.statusCode()).isEqualTo(409);
        assertThat(AttachmentCalls.json(closed.body()).path("error").asText()).isEqualTo("bad_state");

        try (ChatServer memory = ChatServer.builder().port(0).start()) {
            AttachmentCalls none = new AttachmentCalls(memory.baseUri());
            Conversation c = none.startConversation();
            HttpResponse<String> r = none.upload(c.id(), c.authorization(), "a.txt", new byte[] {1}, "text/plain");
            assertThat(r.statusCode()).isEqualTo(501);
            assertThat(none.url(c.id(), "a_" + "a".repeat(26), c.authorization())
                            .statusCode())
                    .isEqualTo(404);
        }
    }
}
