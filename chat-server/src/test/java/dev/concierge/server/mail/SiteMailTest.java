package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.concierge.server.ChatServer;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.store.InMemoryConversationStore;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A left message on a site with its own {@code email} settings is confirmed from the site's
 * sender, in the site's language, with the site's own template where it has one, over real SMTP.
 */
final class SiteMailTest {
    @RegisterExtension
    static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @Test
    void aSitesConfirmation_usesItsSenderLanguageAndOwnTemplate_theVisitorsTextStillEscaped() throws Exception {
        Path dir = Files.createTempDirectory("concierge-site-mail");
        Files.createDirectories(dir.resolve("mail/shop/fr"));
        Files.writeString(
                dir.resolve("mail/shop/fr/confirmation.html"),
                "<p style=\"color:#0f766e\">{{siteTitle}} a bien reçu : {{said}}</p>");
        Path sites = dir.resolve("sites.json");
        Files.writeString(
                sites,
                "{\"sites\":{\"shop\":{\"title\":\"Northwind\",\"language\":\"fr\",\"email\":{"
                        + "\"from\":\"Northwind aide <aide@northwind.example>\",\"templates\":\"mail/shop\"}}}}");
        InMemoryConversationStore store = new InMemoryConversationStore();
        try (ChatServer server = ChatServer.builder()
                .port(0)
                .dataDir(Files.createTempDirectory("concierge-mail"))
                .store(store)
                .sitesFile(sites, n -> null)
                .mail(new MailSettings(
                        URI.create("smtp://127.0.0.1:" + SMTP.getSmtp().getPort()),
                        Optional.empty(),
                        Optional.empty(),
                        "Default help <help@default.example>"))
                .start()) {
            try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
                s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"shop\"}");
                s.awaitType("welcome");
                s.send("{\"type\":\"leave_message\",\"id\":\"l1\",\"name\":\"Ada\",\"email\":\"ada@example.test\","
                        + "\"text\":\"Rappelez-moi <script>alert(1)</script>\"}");
                s.awaitType("ack");
            }
            assertThat(SMTP.waitForIncomingEmail(4_000, 1)).isTrue();
        }
        MimeMessage m = SMTP.getReceivedMessages()[0];
        assertThat(m.getFrom()[0].toString()).isEqualTo("Northwind aide <aide@northwind.example>");
        assertThat(m.getSubject()).isEqualTo("Nous avons bien reçu votre message");
        MimeMultipart parts = (MimeMultipart) m.getContent();
        // The site has no text template: the built-in French one, the text as written.
        assertThat((String) parts.getBodyPart(0).getContent())
                .startsWith("-- répondez au-dessus de cette ligne --")
                .contains("Rappelez-moi <script>alert(1)</script>");
        assertThat(((String) parts.getBodyPart(1).getContent()).strip())
                .isEqualTo("<p style=\"color:#0f766e\">Northwind a bien reçu : "
                        + "Rappelez-moi &lt;script&gt;alert(1)&lt;/script&gt;</p>");
    }
}
