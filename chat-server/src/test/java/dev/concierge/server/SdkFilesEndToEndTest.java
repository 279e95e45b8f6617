package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.client.AgentClient;
import dev.concierge.client.AgentListener;
import dev.concierge.client.Assignment;
import dev.concierge.client.DownloadUrl;
import dev.concierge.client.FileUpload;
import dev.concierge.client.RequestOptions;
import dev.concierge.client.SentFile;
import dev.concierge.client.ServerRefusedException;
import dev.concierge.client.VisitorClient;
import dev.concierge.client.VisitorListener;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.AttachmentCalls;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.TestAttachmentSettings;
import dev.concierge.store.JdbcConversationStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files through the Java SDK against a real server (SQLite store, real sockets and HTTP): a
 * visitor's {@link VisitorClient#sendFile} of a PNG (before any conversation: its name starts
 * one) and of a PDF, both received by an {@link AgentClient} with their attachments (the PNG in
 * the handoff's transcript, the PDF as a live event) and downloaded byte for byte; an agent's
 * file to the visitor; a file over the limit refused {@code too_large}, by its length and while
 * streaming; another visitor refused {@code not_found}; the upload window's {@code
 * rate_limited} with its wait.
 */
class SdkFilesEndToEndTest {
    /** The file limit of these tests: small, so that the file over it is quick to send. */
    private static final long LIMIT = 256 * 1024;

    @TempDir
    Path dir;

    private ChatServer server;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(int uploadsPerWindow) throws Exception {
        server = ChatServer.builder()
                .port(0)
                .store(JdbcConversationStore.sqlite(Files.createDirectories(dir.resolve("data"))))
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .attachments(new TestAttachmentSettings()
                        .maxFileBytes(LIMIT)
                        .uploadsPerWindow(uploadsPerWindow)
                        .build())
                .start();
    }

    /** What an agent client hears: its assignments and the events after them. */
    static final class AgentLog implements AgentListener {
        final List<Assignment> assignments = new CopyOnWriteArrayList<>();
        final List<TranscriptEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onAssigned(AgentClient client, Assignment assignment) {
            assignments.add(assignment);
        }

        @Override
        public void onEvent(AgentClient client, String conversationId, TranscriptEvent event) {
            events.add(event);
        }
    }

    /** What a visitor client hears. */
    static final class VisitorLog implements VisitorListener {
        final List<TranscriptEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(VisitorClient client, String conversationId, TranscriptEvent event) {
            events.add(event);
        }
    }

    private AgentClient agent(AgentListener listener) throws Exception {
        AgentClient c = AgentClient.builder()
                .serverUri(server.baseUri())
                .credentials("one", "pw-one")
                .listener(listener)
                .connect()
                .get(10, TimeUnit.SECONDS);
        clients.add(c);
        return c;
    }

    private VisitorClient visitor(String name, VisitorListener listener) throws Exception {
        VisitorClient v = VisitorClient.builder()
                .serverUri(server.baseUri())
                .context(new VisitorContext(name, null, "en", null, "JUnit", null, Map.of()))
                .listener(listener)
                .connect()
                .get(10, TimeUnit.SECONDS);
        clients.add(v);
        return v;
    }

    @Test
    void aVisitorsPngAndPdf_reachTheAgentWithTheirAttachments_andDownloadByteForByte() throws Exception {
        start(20);
        AgentLog agentLog = new AgentLog();
        AgentClient agent = agent(agentLog);
        VisitorLog visitorLog = new VisitorLog();
        VisitorClient ada = visitor("Ada", visitorLog);

        // The PNG first, with no conversation yet: its name is said first and starts one.
        Path png = Files.write(dir.resolve("mug photo.png"), AttachmentCalls.png(40, 30));
        SentFile photo = ada.sendFile(png).get(30, TimeUnit.SECONDS);
        String cid = photo.conversationId();
        assertThat(ada.conversationId()).contains(cid);
        Attachment image = photo.attachment();
        assertThat(image.name()).isEqualTo("mug photo.png");
        assertThat(image.kind()).isEqualTo(Attachment.IMAGE);
        assertThat(image.mediaType()).isEqualTo("image/png");
        assertThat(image.width()).isEqualTo(40);
        assertThat(image.height()).isEqualTo(30);
        assertThat(ada.transcript())
                .extracting(TranscriptEvent::text)
                .startsWith("mug photo.png"); // the message that started the conversation

        ada.requestHuman().get(10, TimeUnit.SECONDS);
        Assignment assignment = Await.value(
                "the agent assigned", () -> agentLog.assignments.stream().findFirst());
        assertThat(assignment.conversationId()).isEqualTo(cid);
        TranscriptEvent photoEvent = assignment.handoff().transcript().stream()
                .filter(e -> e.seq() == photo.stored().seq())
                .findFirst()
                .orElseThrow();
        assertThat(photoEvent.attachment()).isEqualTo(image);

        // The PDF after the handoff, with a text: the agent hears it live.
        byte[] pdfBytes = pdf(150 * 1024);
        SentFile invoice = ada.sendFile(
                        FileUpload.of("invoice 1234.pdf", pdfBytes).withText("The invoice"),
                        RequestOptions.defaults().withRequestId("invoice-1234"))
                .get(30, TimeUnit.SECONDS);
        assertThat(invoice.conversationId()).isEqualTo(cid);
        assertThat(invoice.attachment().kind()).isEqualTo(Attachment.FILE);
        assertThat(invoice.attachment().mediaType()).isEqualTo("application/pdf");
        assertThat(invoice.attachment().size()).isEqualTo(pdfBytes.length);
        TranscriptEvent invoiceEvent = Await.value("the agent hears the PDF", () -> agentLog.events.stream()
                .filter(e -> e.seq() == invoice.stored().seq())
                .findFirst());
        assertThat(invoiceEvent.id()).isEqualTo("invoice-1234");
        assertThat(invoiceEvent.text()).isEqualTo("The invoice");
        assertThat(invoiceEvent.attachment()).isEqualTo(invoice.attachment());

        // The agent downloads both: the PDF's exact bytes, the PNG as the server re-encoded it
        // (the same pixels, the stored size), the same bytes the visitor gets.
        Path gotPdf = agent.download(cid, invoice.attachment().id(), dir.resolve("agent-invoice.pdf"))
                .get(30, TimeUnit.SECONDS);
        assertThat(Files.readAllBytes(gotPdf)).isEqualTo(pdfBytes);
        Path gotPng =
                agent.download(cid, image.id(), dir.resolve("agent-mug.png")).get(30, TimeUnit.SECONDS);
        assertThat(Files.size(gotPng)).isEqualTo(image.size());
        assertThat(pixels(Files.readAllBytes(gotPng))).isEqualTo(pixels(Files.readAllBytes(png)));
        Path visitorPng =
                ada.download(cid, image.id(), dir.resolve("visitor-mug.png")).get(30, TimeUnit.SECONDS);
        assertThat(Files.readAllBytes(visitorPng)).isEqualTo(Files.readAllBytes(gotPng));
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }

        // A download URL is fresh, absolute and works without credentials for a few minutes.
        DownloadUrl url = agent.downloadUrl(cid, invoice.attachment().id()).get(10, TimeUnit.SECONDS);
        assertThat(url.url().getScheme()).isEqualTo("http");
        assertThat(url.url().getPath()).startsWith("/files/");
        assertThat(url.expiresAt())
                .isAfter(Instant.now())
                .isBefore(Instant.now().plus(Duration.ofMinutes(6)));
        HttpResponse<byte[]> plain = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(url.url()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(plain.body()).isEqualTo(pdfBytes);

        // The agent sends a file back (streamed from an input stream): the visitor hears it.
        byte[] label = "RETURN LABEL 1234\n".repeat(100).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        SentFile returned = agent.sendFile(
                        cid, FileUpload.of("label.txt", new ByteArrayInputStream(label)), RequestOptions.defaults())
                .get(30, TimeUnit.SECONDS);
        TranscriptEvent heard = Await.value("the visitor hears the label", () -> visitorLog.events.stream()
                .filter(e -> e.seq() == returned.stored().seq())
                .findFirst());
        assertThat(heard.attachment().name()).isEqualTo("label.txt");
        assertThat(Files.readAllBytes(ada.download(cid, returned.attachment().id(), dir.resolve("label.txt"))
                        .get(30, TimeUnit.SECONDS)))
                .isEqualTo(label);
    }

    @Test
    void aFileOverTheLimit_isRefusedTooLarge_byItsLengthAndWhileStreaming() throws Exception {
        start(20);
        VisitorClient ada = visitor("Ada", new VisitorLog());
        String cid = ada.send("Two big files").get(10, TimeUnit.SECONDS).conversationId();

        Path big = Files.write(dir.resolve("big.pdf"), pdf((int) LIMIT + 1));
        assertThatThrownBy(() -> ada.sendFile(big).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(ServerRefusedException.class, refused -> {
                    assertThat(refused.code()).isEqualTo(ErrorCode.TOO_LARGE);
                    assertThat(refused.getMessage()).contains(Long.toString(LIMIT));
                });
        // Without a length the server counts the bytes and refuses past the limit: 4 MB written
        // against 256 KB, the answer read after the lingering close.
        InputStream endless = new ByteArrayInputStream(new byte[4 << 20]);
        assertThatThrownBy(() -> ada.sendFile(FileUpload.of("big.bin", endless), RequestOptions.defaults())
                        .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(ServerRefusedException.class, refused -> assertThat(refused.code())
                        .isEqualTo(ErrorCode.TOO_LARGE));
        // No message carries a file; the client still sends one under the limit.
        assertThat(ada.history(cid, 0).get(10, TimeUnit.SECONDS).events()).allMatch(e -> e.attachment() == null);
        assertThat(ada.sendFile(FileUpload.of("small.pdf", pdf(1000)), RequestOptions.defaults())
                        .get(30, TimeUnit.SECONDS)
                        .attachment()
                        .size())
                .isEqualTo(1000);
    }

    @Test
    void aVisitorCannotFetchAnotherConversationsFile() throws Exception {
        start(20);
        VisitorClient ada = visitor("Ada", new VisitorLog());
        SentFile secret = ada.sendFile(FileUpload.of("passport.pdf", pdf(2000)), RequestOptions.defaults())
                .get(30, TimeUnit.SECONDS);
        String cid = secret.conversationId();
        String aid = secret.attachment().id();
        VisitorClient eve = visitor("Eve", new VisitorLog());
        String own = eve.send("Hello").get(10, TimeUnit.SECONDS).conversationId();

        for (CompletableFuture<?> attempt : List.of(
                eve.downloadUrl(cid, aid),
                eve.downloadUrl(own, aid),
                eve.download(cid, aid, dir.resolve("stolen.pdf")))) {
            assertThatThrownBy(() -> attempt.get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOfSatisfying(ServerRefusedException.class, refused -> assertThat(refused.code())
                            .isEqualTo(ErrorCode.NOT_FOUND));
        }
        assertThat(dir.resolve("stolen.pdf")).doesNotExist();
        // Nor upload into it: the SDK uploads into Eve's own conversation, so ask the server as Eve.
        assertThat(new AttachmentCalls(server.baseUri())
                        .upload(cid, "Visitor " + eve.visitorToken(), "x.pdf", pdf(100), "application/pdf")
                        .statusCode())
                .isEqualTo(404);
        // Ada still gets her own file.
        assertThat(Files.readAllBytes(
                        ada.download(cid, aid, dir.resolve("own.pdf")).get(10, TimeUnit.SECONDS)))
                .isEqualTo(pdf(2000));
    }

    @Test
    void uploadsOverTheWindow_areRefusedRateLimited_withTheWait() throws Exception {
        start(2);
        VisitorClient ada = visitor("Ada", new VisitorLog());
        ada.send("Three files").get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 2; i++) {
            ada.sendFile(FileUpload.of("f" + i + ".pdf", pdf(500)), RequestOptions.defaults())
                    .get(30, TimeUnit.SECONDS);
        }
        assertThatThrownBy(() -> ada.sendFile(FileUpload.of("f2.pdf", pdf(500)), RequestOptions.defaults())
                        .get(30, TimeUnit.SECONDS))
                .cause()
                .isInstanceOfSatisfying(ServerRefusedException.class, refused -> {
                    assertThat(refused.code()).isEqualTo(ErrorCode.RATE_LIMITED);
                    assertThat(refused.retryAfter())
                            .hasValueSatisfying(
                                    wait -> assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(10)));
                });
    }

    @Test
    void aFileSentAgainWithItsRequestId_isStoredOnce() throws Exception {
        start(20);
        VisitorClient ada = visitor("Ada", new VisitorLog());
        String cid = ada.send("A receipt").get(10, TimeUnit.SECONDS).conversationId();
        RequestOptions options = RequestOptions.defaults().withRequestId("receipt-1");
        SentFile first =
                ada.sendFile(FileUpload.of("receipt.pdf", pdf(800)), options).get(30, TimeUnit.SECONDS);
        SentFile again =
                ada.sendFile(FileUpload.of("receipt.pdf", pdf(800)), options).get(30, TimeUnit.SECONDS);
        assertThat(again.stored()).isEqualTo(first.stored());
        assertThat(ada.history(cid, 0).get(10, TimeUnit.SECONDS).events())
                .filteredOn(e -> e.attachment() != null)
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.id()).isEqualTo("receipt-1");
                    assertThat(e.attachment()).isEqualTo(first.attachment());
                });
    }

    /** A PDF-like file: the PDF magic number, then every byte value over and over, {@code size} bytes in all. */
    private static byte[] pdf(int size) {
        byte[] bytes = new byte[size];
        byte[] magic = "%PDF-1.4\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < size; i++) {
            bytes[i] = i < magic.length ? magic[i] : (byte) (i * 31 + 7);
        }
        return bytes;
    }

    private static int[] pixels(byte[] image) throws Exception {
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image));
        return decoded.getRGB(0, 0, decoded.getWidth(), decoded.getHeight(), null, 0, decoded.getWidth());
    }
}
