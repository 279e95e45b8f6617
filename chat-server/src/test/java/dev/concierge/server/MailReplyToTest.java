package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.auth.Site;
import dev.concierge.server.mail.ImapSettings;
import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.ConversationStore.QueuedMail;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The Reply-To address the server gives each outgoing mail when it reads replies ({@code --imap}). */
final class MailReplyToTest {
    private static final ImapSettings IMAP = new ImapSettings(
            URI.create("imap://127.0.0.1:3143/INBOX"),
            Optional.of("replies"),
            Optional.of("mailbox-password"),
            Duration.ofSeconds(30),
            "0123456789abcdef0123456789abcdef",
            Optional.empty(),
            "reply.example");
    private static final String CONVERSATION = "c_AbC-_xyz01234567";
    private static final Instant T0 = Instant.parse("2026-12-06T21:00:00Z");

    @Test
    void mailsAVisitorMayAnswer_carryTheSignedAddress_onTheSitesReplyDomain_andAgentAlertsNone() {
        Site shop = new Site(
                "shop",
                Optional.empty(),
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
                Optional.of(new Site.Email(Optional.empty(), Optional.of("reply.shop.example"), Optional.empty())));
        Function<QueuedMail, Optional<String>> replyTo =
                CoreStart.replyTo(IMAP, Map.of("shop", shop, "demo", Site.demo()));

        String address = replyTo.apply(queued("confirmation", "shop")).orElseThrow();
        assertThat(address).startsWith("reply+").endsWith("@reply.shop.example");
        String local = address.substring(0, address.indexOf('@'));
        assertThat(IMAP.tokens().conversationOf("shop", local)).contains(CONVERSATION);
        assertThat(IMAP.tokens().conversationOf("demo", local))
                .as("signed for its site")
                .isEmpty();
        assertThat(replyTo.apply(queued("agent_reply", "demo")))
                .hasValueSatisfying(a -> assertThat(a).endsWith("@reply.example"));
        assertThat(replyTo.apply(queued("transcript", "demo"))).isPresent();
        assertThat(replyTo.apply(queued("agent_alert", "shop")))
                .as("an agent answering an alert must not write as the visitor")
                .isEmpty();
        assertThat(CoreStart.replyTo(null, Map.of()).apply(queued("agent_reply", "demo")))
                .as("without --imap nobody reads replies")
                .isEmpty();
    }

    private static QueuedMail queued(String kind, String site) {
        OutboundMail m = new OutboundMail(
                "m1." + kind + "@reply.example",
                CONVERSATION,
                1,
                kind,
                site,
                "ada@example.com",
                "{\"language\":\"en\"}",
                T0,
                T0);
        return new QueuedMail(m, MailState.SENDING, 1, T0, Optional.empty(), Optional.empty());
    }
}
