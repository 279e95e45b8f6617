package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.mail.DevMailbox;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.store.InMemoryConversationStore;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zero-config server ({@code serve} without flags) keeps its mails in the development
 * mailbox and lists them at {@code /dev/mail} and {@code /api/dev/mail}, over 127.0.0.1 only:
 * the same request forwarded by a proxy gets 404. A reply written there reaches the reader of
 * replies as a MIME message.
 */
final class DevMailboxEndToEndTest {
    static final String HOSTILE = "Call me back <img src=x onerror=alert(1)>";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    ChatServer server;
    InMemoryConversationStore store = new InMemoryConversationStore();

    /** A server built the way {@code serve} builds it with no flag at all. */
    @BeforeEach
    void startAsServeWould() {
        ServeOptions options = ServeOptions.parse(List.of(), env -> null, InetAddress::getAllByName);
        assertThat(options.devMailbox()).isTrue();
        ChatServer.Builder builder = ChatServer.builder();
        options.configure(builder);
        server = builder.port(0).dataDir(dir).store(store).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String contentType, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    void leaveMessage() throws Exception {
        try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            s.awaitType("welcome");
            s.send("{\"type\":\"leave_message\",\"id\":\"l1\",\"name\":\"Ada\",\"email\":\"ada@example.test\","
                    + "\"text\":" + JSON.writeValueAsString(HOSTILE) + "}");
            s.awaitType("ack");
        }
    }

    JsonNode mails() throws Exception {
        HttpResponse<String> r = get("/api/dev/mail");
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body()).path("mails");
    }

    @Test
    void aLeftMessage_isConfirmed_andTheConfirmationIsListedWithTheVisitorsText() throws Exception {
        assertThat(mails()).isEmpty();

        leaveMessage();

        JsonNode mail = Await.value("the confirmation in the dev mailbox", () -> {
            try {
                JsonNode list = mails();
                return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(mail.path("to").asText()).isEqualTo("ada@example.test");
        assertThat(mail.path("from").asText()).isEqualTo(DevMailbox.DEMO_FROM);
        assertThat(mail.path("subject").asText()).isEqualTo("We have your message");
        assertThat(mail.path("messageId").asText()).endsWith(".confirmation@localhost");
        assertThat(mail.path("text").asText())
                .startsWith("-- reply above this line --")
                .contains(HOSTILE);
        assertThat(mail.path("html").asText())
                .contains("Call me back &lt;img src&#61;x")
                .doesNotContain("<img");
        String conversation = store.openConversations().get(0).id();
        assertThat(store.mailOf(conversation))
                .singleElement()
                .satisfies(q -> assertThat(q.state().name()).isEqualTo("SENT"));

        HttpResponse<String> page = get("/dev/mail");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                .startsWith("default-src 'none';")
                .doesNotContain("script-src")
                .contains("frame-ancestors 'none'"));
        assertThat(page.body())
                .contains("<iframe sandbox ")
                .contains("ada@example.test")
                .contains("Call me back &lt;img src&#61;x") // the text part, escaped once
                .doesNotContain("<img")
                .doesNotContain("<script");
    }

    @Test
    void theDemosLoop_aReplyFromThePage_continuesTheConversation_asAVisitorMessageByEmail_withoutTheQuote()
            throws Exception {
        leaveMessage();
        JsonNode mail = Await.value("the confirmation in the dev mailbox", () -> {
            try {
                JsonNode list = mails();
                return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        String conversation = store.openConversations().get(0).id();
        assertThat(mail.path("replyTo").asText()).startsWith("reply+").endsWith("@localhost");
        String path = "/api/dev/mail/"
                + URLEncoder.encode(mail.path("messageId").asText(), StandardCharsets.UTF_8) + "/reply";

        HttpResponse<String> r = post(path, "application/json", "{\"text\":\"It is order 1234, thank you\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        TranscriptEvent reply =
                Await.value("the reply in the conversation", () -> store.events(conversation, 0).stream()
                        .filter(e -> "email".equals(e.via()))
                        .findFirst());
        assertThat(reply.kind()).isEqualTo(TranscriptEvent.Kind.MESSAGE);
        assertThat(reply.text()).isEqualTo("It is order 1234, thank you");
        assertThat(reply.author().role()).isEqualTo(Role.VISITOR);
    }

    @Test
    void theSameRequests_forwardedByAProxy_get404() throws Exception {
        for (String header : List.of("X-Forwarded-For", "Forwarded")) {
            String value = header.equals("Forwarded") ? "for=203.0.113.7" : "203.0.113.7";
            assertThat(get("/dev/mail", header, value).statusCode()).as(header).isEqualTo(404);
            assertThat(get("/api/dev/mail", header, value).statusCode())
                    .as(header)
                    .isEqualTo(404);
            assertThat(post("/api/dev/mail/x@y/reply", "application/json", "{\"text\":\"hi\"}", header, value)
                            .statusCode())
                    .as(header)
                    .isEqualTo(404);
        }
        assertThat(get("/api/dev/mail").statusCode()).isEqualTo(200);
    }

    @Test
    void aReply_goesToTheReaderOfReplies_asAMimeMessage() throws Exception {
        DevMailbox box = ((NettyChatServer) server).devMailbox().orElseThrow();
        MimeMessage sent = new MimeMessage(box.session()) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", "<c9.4.agent_reply@localhost>");
            }
        };
        sent.setFrom(DevMailbox.DEMO_FROM);
        sent.setRecipients(Message.RecipientType.TO, "ada@example.test");
        sent.setHeader("Reply-To", "reply+c9.token@localhost");
        sent.setSubject("Dana replied to your message");
        sent.setText("-- reply above this line --\n\nDana: it shipped\n", "UTF-8");
        box.send(sent);
        String path =
                "/api/dev/mail/" + URLEncoder.encode("c9.4.agent_reply@localhost", StandardCharsets.UTF_8) + "/reply";

        CompletableFuture<MimeMessage> got = new CompletableFuture<>();
        box.replies(m -> {
            got.complete(m);
            return CompletableFuture.completedFuture("appended to c9");
        });
        HttpResponse<String> handled = post(path, "application/json", "{\"text\":\"Thanks!\"}");
        assertThat(handled.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(handled.body()).path("outcome").asText()).isEqualTo("appended to c9");
        MimeMessage reply = got.getNow(null);
        assertThat(reply.getFrom()[0].toString()).isEqualTo("ada@example.test");
        assertThat(reply.getRecipients(Message.RecipientType.TO)[0].toString()).isEqualTo("reply+c9.token@localhost");
        assertThat(reply.getHeader("In-Reply-To")).containsExactly("<c9.4.agent_reply@localhost>");
        assertThat((String) reply.getContent()).startsWith("Thanks!\n\nOn ").contains("> Dana: it shipped");

        // The page's form posts text=… and gets a page back.
        HttpResponse<String> form = post(
                path,
                "application/x-www-form-urlencoded",
                "text=" + URLEncoder.encode("Merci & à bientôt", StandardCharsets.UTF_8));
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("appended to c9");

        assertThat(post(path, "application/json", "{\"text\":\"\"}").statusCode())
                .isEqualTo(400);
        assertThat(post(path, "application/json", "{not json").statusCode()).isEqualTo(400);
        assertThat(post("/api/dev/mail/unknown@localhost/reply", "application/json", "{\"text\":\"x\"}")
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void serve_keepsMailForThePage_inTheDemoOnly_unlessTurnedOffOrSendingRealMail() {
        assertThat(devMailbox()).as("the demo: no flag at all").isTrue();
        assertThat(devMailbox("--no-dev-mailbox")).isFalse();
        assertThat(devMailbox("--agents", "team.json"))
                .as("a team file: a real deployment")
                .isFalse();
        assertThat(devMailbox("--agents", "team.json", "--dev-mailbox"))
                .as("asked for")
                .isTrue();
        assertThat(devMailbox("--trusted-proxy", "127.0.0.1"))
                .as("a proxy in front")
                .isFalse();
        assertThat(devMailbox("--host", "0.0.0.0", "--demo"))
                .as("not bound to loopback")
                .isFalse();
        assertThatThrownBy(() -> devMailbox(
                        "--dev-mailbox", "--db", "jdbc:postgresql://127.0.0.1/x", "--cluster", "nats://127.0.0.1:4222"))
                .hasMessageContaining("--dev-mailbox");
        assertThat(ServeOptions.parse(
                                List.of("--smtp", "smtp://127.0.0.1:2525", "--mail-from", "help@northwind.example"),
                                Map.<String, String>of()::get,
                                InetAddress::getAllByName)
                        .devMailbox())
                .isFalse();
    }

    static boolean devMailbox(String... args) {
        return ServeOptions.parse(List.of(args), env -> null, InetAddress::getAllByName)
                .devMailbox();
    }

    @Test
    void aServerWithoutTheDevMailbox_hasNoSuchPage() throws Exception {
        try (ChatServer plain =
                ChatServer.builder().port(0).dataDir(dir.resolve("plain")).start()) {
            for (String path : List.of("/dev/mail", "/api/dev/mail")) {
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plain.port() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(path).isEqualTo(404);
            }
        }
    }
}
