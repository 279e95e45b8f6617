package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.ChatServer;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.InMemoryConversationStore;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.URI;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A server built with {@code mail(...)} runs the outbox's sender: a confirmation enqueued with
 * its event reaches a real SMTP server, the visitor's text escaped in the HTML part; bad settings
 * are refused naming the field.
 */
final class ServerMailTest {
    @RegisterExtension
    static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    static final String HOSTILE = "Call me <img src=x onerror=alert(1)> & \"soon\"";

    @Test
    void aServerWithMail_sendsTheConfirmationOfAStoredLeftMessage_theVisitorsTextEscapedInTheHtml() throws Exception {
        InMemoryConversationStore store = new InMemoryConversationStore();
        MailSettings settings = new MailSettings(
                URI.create("smtp://127.0.0.1:" + SMTP.getSmtp().getPort()),
                Optional.empty(),
                Optional.empty(),
                "Northwind help <help@northwind.example>");
        try (ChatServer server = ChatServer.builder()
                .port(0)
                .dataDir(Files.createTempDirectory("concierge-mail"))
                .store(store)
                .mail(settings)
                .start()) {
            assertThat(server.baseUri().getPort()).isPositive();
            Instant at = Instant.now();
            TranscriptEvent left = TranscriptEvent.offlineMessage(
                            "m1", new Author(Role.VISITOR, "v1", "Ada"), HOSTILE, "ada@example.test")
                    .stamped(1, at);
            store.appendAll(
                            "c1",
                            List.of(left),
                            List.of(new OutboundMail(
                                    "c1.1@reply.northwind.example",
                                    "c1",
                                    1,
                                    "confirmation",
                                    "demo",
                                    "ada@example.test",
                                    "{}",
                                    at)))
                    .get(10, TimeUnit.SECONDS);

            assertThat(SMTP.waitForIncomingEmail(20_000, 1)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (store.mailOf("c1").get(0).state() != MailState.SENT && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(store.mailOf("c1").get(0).state()).isEqualTo(MailState.SENT);
        }
        MimeMessage m = SMTP.getReceivedMessages()[0];
        assertThat(m.getMessageID()).isEqualTo("<c1.1@reply.northwind.example>");
        assertThat(m.getFrom()[0].toString()).isEqualTo("Northwind help <help@northwind.example>");
        MimeMultipart parts = (MimeMultipart) m.getContent();
        assertThat((String) parts.getBodyPart(0).getContent()).contains(HOSTILE);
        String html = (String) parts.getBodyPart(1).getContent();
        assertThat(html)
                .contains("Call me &lt;img src&#61;x onerror&#61;alert(1)&gt; &amp; &quot;soon&quot;")
                .doesNotContain("<img")
                .doesNotContain("url(");
    }

    static String leaveMessage(ChatServer server) throws Exception {
        try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            s.awaitType("welcome");
            s.send("{\"type\":\"leave_message\",\"id\":\"l1\",\"name\":\"Ada\",\"email\":\"ada@example.test\","
                    + "\"text\":\"Call me <img src=x onerror=alert(1)>\"}");
            JsonNode ack = s.awaitType("ack");
            assertThat(ack.path("ref").asText()).isEqualTo("l1");
            return ack.toString();
        }
    }

    @Test
    void aLeftMessage_isConfirmedByEmail_enqueuedWithItsEvent_whenTheServerSendsMail() throws Exception {
        InMemoryConversationStore store = new InMemoryConversationStore();
        try (ChatServer server = ChatServer.builder()
                .port(0)
                .dataDir(Files.createTempDirectory("concierge-mail"))
                .store(store)
                .mail(new MailSettings(
                        URI.create("smtp://127.0.0.1:" + SMTP.getSmtp().getPort()),
                        Optional.empty(),
                        Optional.empty(),
                        "Northwind help <help@northwind.example>"))
                .start()) {
            leaveMessage(server);

            // Woken by the commit: well before the sender's 5 s tick.
            assertThat(SMTP.waitForIncomingEmail(4_000, 1)).isTrue();
        }
        MimeMessage m = SMTP.getReceivedMessages()[0];
        assertThat(m.getAllRecipients()[0].toString()).isEqualTo("ada@example.test");
        assertThat(m.getMessageID()).endsWith(".confirmation@northwind.example>");
        MimeMultipart parts = (MimeMultipart) m.getContent();
        assertThat((String) parts.getBodyPart(0).getContent()).contains("Call me <img src=x onerror=alert(1)>");
        assertThat((String) parts.getBodyPart(1).getContent())
                .contains("Call me &lt;img src&#61;x onerror&#61;alert(1)&gt;")
                .doesNotContain("<img");
        String conversation = store.conversationsOf(
                        store.openConversations().get(0).visitorId())
                .get(0)
                .id();
        // The hello's site (the built-in demo here), not a placeholder, and the language to render in.
        assertThat(store.mailOf(conversation)).singleElement().satisfies(q -> {
            assertThat(q.mail().site()).isEqualTo("demo");
            assertThat(q.mail().payload()).isEqualTo("{\"language\":\"en\"}");
        });
        assertThat(store.mailOf(conversation)).singleElement().satisfies(q -> assertThat(
                        q.mail().seq())
                .isEqualTo(store.events(conversation, 0).stream()
                        .filter(e -> e.kind() == TranscriptEvent.Kind.OFFLINE_MESSAGE)
                        .findFirst()
                        .orElseThrow()
                        .seq()));
    }

    @Test
    void withoutMail_aLeftMessageEnqueuesNoEmail() throws Exception {
        InMemoryConversationStore store = new InMemoryConversationStore();
        try (ChatServer server = ChatServer.builder()
                .port(0)
                .dataDir(Files.createTempDirectory("concierge-mail"))
                .store(store)
                .start()) {
            leaveMessage(server);
        }
        String conversation = store.openConversations().get(0).id();
        assertThat(store.events(conversation, 0))
                .extracting(TranscriptEvent::kind)
                .contains(TranscriptEvent.Kind.OFFLINE_MESSAGE);
        assertThat(store.mailOf(conversation)).isEmpty();
    }

    @Test
    void badMailSettings_areRefused_namingTheField() {
        URI smtp = URI.create("smtp://127.0.0.1:2525");
        assertThatThrownBy(() -> new MailSettings(
                        URI.create("http://mail.example:25"), Optional.empty(), Optional.empty(), "a@b.example"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("smtp must be");
        assertThatThrownBy(() -> new MailSettings(
                        URI.create("smtp://mail.example"), Optional.empty(), Optional.empty(), "a@b.example"))
                .hasMessageStartingWith("smtp must name a host and a port");
        assertThatThrownBy(() -> new MailSettings(smtp, Optional.empty(), Optional.empty(), "a@b.example, c@d.example"))
                .hasMessageStartingWith("from must be one address");
        assertThatThrownBy(() -> new MailSettings(smtp, Optional.empty(), Optional.empty(), "Help <help@"))
                .hasMessageStartingWith("from must be one address");
        assertThatThrownBy(() -> ChatServer.builder().mail(null)).hasMessage("mail");
    }
}
