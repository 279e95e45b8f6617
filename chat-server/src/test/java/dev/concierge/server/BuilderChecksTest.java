package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.server.mail.MailSettings;
import org.junit.jupiter.api.Test;

/** Combinations of {@link ChatServer.Builder} values that {@code start()} refuses before it opens anything. */
final class BuilderChecksTest {
    @Test
    void theDevelopmentMailbox_onAClusterNode_isRefused_namingMail() {
        // Nothing listens on these: the check must come before any connection is tried.
        ChatServer.Builder builder = ChatServer.builder()
                .database("jdbc:postgresql://127.0.0.1:1/concierge", "concierge", "concierge")
                .cluster("nats://127.0.0.1:1", "node-a")
                .mail(MailSettings.devMailbox("Northwind help <help@northwind.example>"));

        assertThatThrownBy(builder::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("mail must name an SMTP server on a cluster node");
    }
}
