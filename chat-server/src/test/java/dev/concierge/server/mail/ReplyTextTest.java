package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replies as Gmail, Outlook and Apple Mail write them, in English, French and German (raw
 * messages in {@code mail/replies/}, each with the text the agent should see), and the edge cases.
 */
final class ReplyTextTest {
    static MimeMessage fixture(String name) throws Exception {
        try (InputStream in = ReplyTextTest.class.getResourceAsStream("/mail/replies/" + name + ".eml")) {
            assertThat(in).as(name).isNotNull();
            return new MimeMessage(Session.getInstance(new Properties()), in);
        }
    }

    static String expected(String name) throws Exception {
        try (InputStream in = ReplyTextTest.class.getResourceAsStream("/mail/replies/" + name + ".expected.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    static MimeMessage raw(String headersAndBody) throws Exception {
        return new MimeMessage(
                Session.getInstance(new Properties()),
                new ByteArrayInputStream(headersAndBody.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "gmail-en",
                "gmail-fr",
                "gmail-de",
                "outlook-en",
                "outlook-fr",
                "outlook-de",
                "apple-en",
                "apple-fr",
                "apple-de"
            })
    void realClientReplies_keepOnlyTheNewText(String name) throws Exception {
        assertThat(ReplyText.strip(ReplyText.body(fixture(name)))).isEqualTo(expected(name));
    }

    @Test
    void ourMarkerCutsFirst_inEachLanguage_evenWithoutAnAttribution() {
        assertThat(ReplyText.strip("Yes please.\n\n> -- reply above this line --\n> Hello"))
                .isEqualTo("Yes please.");
        assertThat(ReplyText.strip("Oui.\n-- répondez au-dessus de cette ligne --\nBonjour"))
                .isEqualTo("Oui.");
        assertThat(ReplyText.strip("Ja.\n\n-- Antwort über dieser Zeile schreiben --\nHallo"))
                .isEqualTo("Ja.");
        assertThat(ReplyText.strip("Ja.\n\n> \uFEFF-- ANTWORT ÜBER DIESER ZEILE SCHREIBEN --\nHallo"))
                .isEqualTo("Ja.");
    }

    @Test
    void aReplyThatIsOnlyAQuote_isEmpty() {
        assertThat(ReplyText.strip("On Thu, 3 Dec 2026 at 09:12, Northwind <r@x> wrote:\n\n> Hello Ada\n> bye\n"))
                .isEmpty();
        assertThat(ReplyText.strip("\n\n> Hello Ada\n>\n> bye\n\n")).isEmpty();
        assertThat(ReplyText.strip("\n-- \nAda Lovelace\n")).isEmpty();
        assertThat(ReplyText.strip("Sent from my iPhone\n")).isEmpty();
    }

    @Test
    void anInlineQuoteInTheMiddleIsKept() {
        String body = "You asked:\n> Which order is it?\nIt is order 1234.\n\nOn Thu, 3 Dec 2026 at 09:12, Northwind"
                + " <r@x> wrote:\n> Which order is it?\n> Dana\n";
        assertThat(ReplyText.strip(body)).isEqualTo("You asked:\n> Which order is it?\nIt is order 1234.");
    }

    @Test
    void aFirstLineStartingWithOnIsKept_withoutWrote() {
        assertThat(ReplyText.strip("On Monday I will be home all day.\nThanks!\n\n> -- reply above this line --"))
                .isEqualTo("On Monday I will be home all day.\nThanks!");
        assertThat(ReplyText.strip("Le colis est arrivé.\nAm Montag bin ich da."))
                .isEqualTo("Le colis est arrivé.\nAm Montag bin ich da.");
    }

    @Test
    void aSignatureDelimiterCutsToTheEnd_butTwoDashesInTextDoNot() {
        assertThat(ReplyText.strip("Fine -- thanks.\n-- \nAda\n+44 20 7946 0000"))
                .isEqualTo("Fine -- thanks.");
    }

    @Test
    void formatFlowedIsUnwrapped_withDelSpAndStuffing() {
        assertThat(ReplyText.unflow("Thanks, the parcel \narrived.\n From me\n> quoted \n> more", false))
                .isEqualTo("Thanks, the parcel arrived.\nFrom me\n> quoted more");
        assertThat(ReplyText.unflow("Ein langes Wort\u00ADtrenn \nung", true))
                .isEqualTo("Ein langes Wort\u00ADtrennung");
        assertThat(ReplyText.unflow("-- \nAda", false)).isEqualTo("-- \nAda");
    }

    @Test
    void anHtmlOnlyReplyOrAnUnknownCharset_isUnreadable() throws Exception {
        assertThatThrownBy(
                        () -> ReplyText.body(raw("From: a@b.c\nContent-Type: text/html; charset=utf-8\n\n<p>hi</p>\n")))
                .isInstanceOf(ReplyText.Unreadable.class)
                .hasMessageContaining("text/plain");
        assertThatThrownBy(
                        () -> ReplyText.body(raw("From: a@b.c\nContent-Type: text/plain; charset=x-klingon\n\nhi\n")))
                .isInstanceOf(ReplyText.Unreadable.class)
                .hasMessageContaining("charset");
    }

    @Test
    void aTextAttachmentIsNotTakenForTheBody() throws Exception {
        MimeMessage m = raw("From: a@b.c\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
                + "Content-Type: text/plain\nContent-Disposition: attachment; filename=x.txt\n\nsecret file\n--b\n"
                + "Content-Type: text/plain; charset=utf-8\n\nThe real reply\n--b--\n");
        assertThat(ReplyText.body(m).strip()).isEqualTo("The real reply");
    }
}
