package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.store.ConversationStore.OutboundMail;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * What an outbox mail accepts: its recipient and Message-ID end up in SMTP commands and mail
 * headers, so a value that could add a header or a second recipient is refused on the way in.
 */
final class OutboundMailTest {
    private static final Instant T = Instant.parse("2026-12-06T20:00:00Z");

    private static OutboundMail with(String messageId, long seq, String kind, String recipient, String payload) {
        return new OutboundMail(messageId, "c_1", seq, kind, "demo", recipient, payload, T);
    }

    @Test
    void aPlainMail_isAccepted() {
        assertThatCode(() -> with("k3v9.confirmation@reply.example.com", 1, "agent_reply", "ada.l+x@example.com", "{}"))
                .doesNotThrowAnyException();
    }

    @Test
    void aRecipientThatCouldAddAHeaderOrASecondAddress_isRefused_namingTheField() {
        for (String bad : new String[] {
            "ada@example.com\r\nBcc: all@example.net",
            "ada@example.com, eve@example.net",
            "ada@example.com;eve@example.net",
            "Ada <ada@example.com>",
            "ada@example.com\u0000",
            "no-at-sign",
            "a@b@c",
            " ",
            "x".repeat(250) + "@example.com"
        }) {
            assertThatThrownBy(() -> with("id@h", 1, "confirmation", bad, "{}"))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("recipient");
        }
    }

    @Test
    void aMessageIdWithBracketsSpacesOrNoDomain_isRefused_namingTheField() {
        for (String bad : new String[] {"<a@b>", "a b@c", "a@b\r\nX: y", "nodomain", "x".repeat(251) + "@h"}) {
            assertThatThrownBy(() -> with(bad, 1, "confirmation", "ada@example.com", "{}"))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("messageId");
        }
    }

    @Test
    void aBadSeqKindOrOversizedPayload_isRefused_namingTheField() {
        assertThatThrownBy(() -> with("i@h", 0, "confirmation", "a@b", "{}")).hasMessageStartingWith("seq");
        assertThatThrownBy(() -> with("i@h", 1, "Confirmation!", "a@b", "{}")).hasMessageStartingWith("kind");
        assertThatThrownBy(() -> with("i@h", 1, "confirmation", "a@b", "x".repeat(OutboundMail.MAX_PAYLOAD + 1)))
                .hasMessageStartingWith("payload");
        assertThatThrownBy(() -> new OutboundMail("i@h", " ", 1, "confirmation", "demo", "a@b", "{}", T))
                .hasMessageStartingWith("conversationId");
        assertThatThrownBy(() -> new OutboundMail("i@h", "c_1", 1, "confirmation", "demo", "a@b", "{}", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("createdAt");
    }
}
