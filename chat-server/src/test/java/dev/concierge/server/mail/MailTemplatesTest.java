package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.auth.Site;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The built-in templates per language, a site's own templates, and the escaping of each part. */
final class MailTemplatesTest {
    private static final String ATTACK = "Call me <img src=x onerror=alert(1)> & \"quote\" {{siteTitle}}";
    private static final String FROM = "Help <help@example.test>";

    @ParameterizedTest
    @ValueSource(strings = {"en", "fr", "de"})
    void theVisitorsText_isEscapedInTheHtml_andKeptAsWrittenInTheText_inEveryLanguage(String language) {
        MailContent m =
                new MailTemplates().render("confirmation", Optional.empty(), language, Map.of("said", ATTACK), FROM);

        assertThat(m.html())
                .contains("Call me &lt;img src&#61;x onerror&#61;alert(1)&gt; &amp; &quot;quote&quot; {{siteTitle}}")
                .doesNotContain("<img")
                .contains("lang=\"" + language + "\"");
        assertThat(m.text()).contains(ATTACK);
        // No remote resource at all: nothing to load, no tracking pixel.
        assertThat(m.html()).doesNotContain("src=\"").doesNotContain("href=").doesNotContain("url(");
    }

    @Test
    void theLanguage_isChosenByItsPrimaryTag_andAnyOtherIsEnglish() {
        MailTemplates t = new MailTemplates();
        Map<String, Object> scope = Map.of("said", "hi");
        assertThat(t.render("confirmation", Optional.empty(), "fr-CA", scope, FROM)
                        .subject())
                .isEqualTo("Nous avons bien reçu votre message");
        assertThat(t.render("confirmation", Optional.empty(), "de", scope, FROM).text())
                .startsWith("-- Antwort über dieser Zeile schreiben --");
        assertThat(t.render("confirmation", Optional.empty(), "es", scope, FROM).subject())
                .isEqualTo("We have your message");
        assertThat(t.render("confirmation", Optional.empty(), null, scope, FROM).subject())
                .isEqualTo("We have your message");
        assertThat(t.render(
                                "confirmation",
                                Optional.empty(),
                                "en",
                                Map.of("said", "hi", "siteTitle", "Northwind"),
                                FROM)
                        .text())
                .contains("Northwind");
    }

    @Test
    void aSitesOwnTemplate_isUsed_fileByFile_andStillEscapesTheVisitorsText() throws Exception {
        Path dir = Files.createTempDirectory("concierge-templates");
        Files.createDirectories(dir.resolve("fr"));
        Files.writeString(dir.resolve("fr/confirmation.html"), "<p>Northwind a reçu : <b>{{said}}</b></p>");
        Files.writeString(dir.resolve("fr/subjects.properties"), "confirmation=Northwind : message reçu\n");
        Site site = site(dir);

        MailContent fr =
                new MailTemplates().render("confirmation", Optional.of(site), "fr", Map.of("said", ATTACK), FROM);
        assertThat(fr.html())
                .startsWith("<p>Northwind a reçu : <b>Call me &lt;img")
                .doesNotContain("<img");
        assertThat(fr.subject()).isEqualTo("Northwind : message reçu");
        // No text template of its own: the built-in French one.
        assertThat(fr.text())
                .startsWith("-- répondez au-dessus de cette ligne --")
                .contains(ATTACK);
        // No German templates of its own: the built-in German ones.
        MailContent de = new MailTemplates().render("confirmation", Optional.of(site), "de", Map.of("said", "x"), FROM);
        assertThat(de.subject()).isEqualTo("Wir haben Ihre Nachricht erhalten");
    }

    @Test
    void aValueWithLineBreaks_inASubject_leavesItOnOneLine() {
        MailContent m = new MailTemplates()
                .render(
                        "agent_alert",
                        "agent_alert.long_wait",
                        Optional.empty(),
                        "en",
                        Map.of("visitorName", "Ada\r\nBcc: everyone@example.test\u2028X-Evil: 1", "longWait", true),
                        FROM);

        assertThat(m.subject()).isEqualTo("Ada Bcc: everyone@example.test X-Evil: 1 is waiting");
        assertThat(MailTemplates.oneLine("x".repeat(500))).hasSize(MailTemplates.MAX_SUBJECT);
    }

    static Site site(Path templates) {
        return new Site(
                "shop",
                Optional.of("Northwind"),
                Optional.empty(),
                Optional.empty(),
                "right",
                Optional.empty(),
                Optional.empty(),
                List.of(),
                List.of(),
                List.of(),
                Optional.empty(),
                Optional.empty(),
                Optional.of(new Site.Email(
                        Optional.of("Northwind help <help@northwind.example>"),
                        Optional.empty(),
                        Optional.of(templates))));
    }
}
