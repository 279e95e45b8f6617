package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What {@link MailSettings} shows of itself in a log or an error: never a credential. */
final class MailSettingsTest {
    @Test
    void toString_namesTheServerAndSender_butNeverTheUserOrPassword() {
        MailSettings settings = new MailSettings(
                URI.create("smtp://mail.northwind.example:587"),
                Optional.of("relay-user"),
                Optional.of("s3cret-Pa55"),
                "Northwind help <help@northwind.example>");

        assertThat(settings.toString())
                .contains("smtp://mail.northwind.example:587")
                .contains("Northwind help <help@northwind.example>")
                .contains("password true")
                .doesNotContain("s3cret-Pa55")
                .doesNotContain("relay-user");
    }

    @Test
    void toString_leavesOutCredentialsWrittenIntoTheServersUri() {
        MailSettings settings = new MailSettings(
                URI.create("smtps://relay-user:s3cret-Pa55@mail.northwind.example:465"),
                Optional.empty(),
                Optional.empty(),
                "help@northwind.example");

        assertThat(settings.toString())
                .contains("smtps://mail.northwind.example:465")
                .doesNotContain("s3cret-Pa55")
                .doesNotContain("relay-user");
    }

    @Test
    void toString_ofTheDevelopmentMailbox_saysSo() {
        assertThat(MailSettings.devMailbox("help@northwind.example").toString())
                .contains(MailSettings.DEV_MAILBOX.toString())
                .contains("password false");
    }
}
