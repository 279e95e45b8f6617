package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.InMemoryConversationStore;
import org.junit.jupiter.api.Test;

/**
 * A mail that will never be delivered becomes a system note to the conversation's agents, one
 * line, clipped; an agent's reply cancelled because the visitor read it makes none.
 */
final class MailUndeliveredTest extends RouterFixture {
    private final InMemoryConversationStore store = new InMemoryConversationStore(clock);

    @Test
    void anUndeliveredMail_becomesANoteToTheAgents_onOneLine_andACancelledReplyMakesNone() {
        router(config("least-busy", 5), store);
        router.confirmLeftMessagesByEmail("northwind.example", () -> {});
        Recorder visitor = visitor(null);
        router.request(
                visitor,
                Role.VISITOR,
                new ClientMessage.LeaveMessage("l1", null, "Ada", "ada@example.test", "Call me back."));
        settle();
        String c = visitor.last(ServerMessage.Ack.class).conversationId();
        OutboundMail confirmation = store.mailOf(c).get(0).mail();

        router.mailUndelivered(confirmation, MailPolicy.READ_IN_THE_CHAT);
        router.mailUndelivered(confirmation, "550 5.1.1 <ada@example.test>: no such user\r\nX-Injected: 1");
        settle();

        assertThat(store.events(c, 0))
                .filteredOn(e -> e.kind() == TranscriptEvent.Kind.NOTE)
                .extracting(TranscriptEvent::text)
                .containsExactly("The email to a…@example.test could not be delivered: 550 5.1.1"
                        + " <ada@example.test>: no such user X-Injected: 1");
        assertThat(visitor.events()).noneMatch(e -> e.kind() == TranscriptEvent.Kind.NOTE);
    }
}
