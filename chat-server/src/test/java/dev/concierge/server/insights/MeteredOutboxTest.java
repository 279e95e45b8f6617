package dev.concierge.server.insights;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Author;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.InMemoryConversationStore;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The metered store passes the mail outbox through to the store it wraps (the interface's
 * defaults would refuse every mail) and counts the events stored with a mail like any other.
 */
final class MeteredOutboxTest {
    static final Instant T0 = Instant.parse("2025-03-10T09:10:00Z");

    @Test
    void eventsWithMail_areStoredWithTheirMail_counted_andTheSendersMarksReachTheStore() throws Exception {
        ServerMetrics metrics = new ServerMetrics();
        ConversationStore store = new MeteredConversationStore(new InMemoryConversationStore(), metrics);
        TranscriptEvent left = TranscriptEvent.message("m1", new Author(Role.VISITOR, "v1", "Ada"), "Call me back")
                .stamped(1, T0);
        OutboundMail mail = new OutboundMail(
                "m.1@reply.example.test", "c1", 1, "confirmation", "demo", "ada@example.test", "{}", T0);

        store.appendAll("c1", List.of(left), List.of(mail)).get(10, TimeUnit.SECONDS);

        assertThat(store.events("c1", 0)).containsExactly(left);
        assertThat(store.dueMail(T0, 10))
                .extracting(ConversationStore.QueuedMail::mail)
                .containsExactly(mail);
        assertThat(metrics.scrape()).contains("concierge_messages_total{role=\"visitor\"} 1.0");

        store.claimMail(List.of(mail.messageId())).get(10, TimeUnit.SECONDS);
        store.mailDeferred(mail.messageId(), T0.plusSeconds(60), "421 busy").get(10, TimeUnit.SECONDS);
        assertThat(store.dueMail(T0.plusSeconds(59), 10)).isEmpty();
        store.claimMail(List.of(mail.messageId())).get(10, TimeUnit.SECONDS);
        store.mailSent(mail.messageId(), T0.plusSeconds(61)).get(10, TimeUnit.SECONDS);
        assertThat(store.mailOf("c1"))
                .singleElement()
                .satisfies(q -> assertThat(q.state()).isEqualTo(MailState.SENT))
                .satisfies(q -> assertThat(q.attempts()).isEqualTo(2));

        OutboundMail other = new OutboundMail(
                "m.2@reply.example.test", "c1", 2, "confirmation", "demo", "ada@example.test", "{}", T0);
        store.appendAll("c1", List.of(left.stamped(2, T0)), List.of(other)).get(10, TimeUnit.SECONDS);
        store.claimMail(List.of(other.messageId())).get(10, TimeUnit.SECONDS);
        store.mailFailed(other.messageId(), "550 no such user").get(10, TimeUnit.SECONDS);
        assertThat(store.mailOf("c1").get(1).state()).isEqualTo(MailState.FAILED);
    }
}
