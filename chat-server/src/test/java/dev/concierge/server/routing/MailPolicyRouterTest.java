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
 * The mail policy on the router, its clock moved by the test: a mail that will never be delivered
 * becomes a system note to the agents (one line; none for a reply cancelled because the visitor
 * read it); a queued visitor who left alerts the agents who asked for follow-ups.
 */
final class MailPolicyRouterTest extends RouterFixture {
    private final InMemoryConversationStore store = new InMemoryConversationStore(clock);

    @Test
    void anUndeliveredMail_becomesANoteToTheAgents_onOneLine_andACancelledReplyMakesNone() {
        router(config("least-busy", 5), store);
        router.sendMail("northwind.example", () -> {}, MailPolicyConfig.DEFAULTS, java.util.List::of);
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

    @Test
    void aQueuedVisitorWhoLeft_becomesAFollowUp_thatAlertsTheAgentsWhoAsked() {
        router(config("least-busy", 5), store);
        router.sendMail(
                "northwind.example",
                () -> {},
                MailPolicyConfig.DEFAULTS,
                () -> java.util.List.of(
                        dev.concierge.server.auth.AgentAccount.withPassword("a1", "Ana", "ana", "pw", 1000)
                                .withEmailAlerts("ana@team.example", java.util.List.of("follow_up")),
                        dev.concierge.server.auth.AgentAccount.withPassword("a2", "Bo", "bo", "pw", 1000)
                                .withEmailAlerts("bo@team.example", java.util.List.of("long_wait"))));
        Recorder visitor = new Recorder();
        router.visitorHello(
                visitor,
                new ClientMessage.Hello(
                        id(),
                        1,
                        "demo",
                        null,
                        null,
                        new dev.concierge.protocol.VisitorContext(
                                "Ada", "ada@example.test", null, null, null, null, java.util.Map.of()),
                        null,
                        null,
                        null));
        settle();
        String c = handoff(visitor);
        router.disconnected(visitor);
        settle();
        clock.advance(java.time.Duration.ofMinutes(16));
        router.call(() -> {
            router.expiry.sweep();
            return null;
        });
        settle();

        assertThat(conversation(c).state).isEqualTo(dev.concierge.protocol.ConversationState.FOLLOW_UP);
        assertThat(store.mailOf(c))
                .filteredOn(q -> q.mail().kind().equals("agent_alert"))
                .singleElement()
                .satisfies(q -> {
                    assertThat(q.mail().recipient()).isEqualTo("ana@team.example");
                    assertThat(q.mail().payload()).contains("\"reason\":\"follow_up\"", "\"visitorName\":\"Ada\"");
                    assertThat(store.events(c, q.mail().seq() - 1).get(0).reason())
                            .isEqualTo("visitor_left");
                });
    }

    @Test
    void anAddressOfAnEarlierConversation_isNotMailedTheAgentsReplyInALaterOne() {
        router(config("least-busy", 5), store);
        router.sendMail("northwind.example", () -> {}, MailPolicyConfig.DEFAULTS, java.util.List::of);
        Recorder agent = agent("a1");
        Recorder visitor = new Recorder();
        router.visitorHello(
                visitor,
                new ClientMessage.Hello(
                        id(),
                        1,
                        "demo",
                        null,
                        null,
                        new dev.concierge.protocol.VisitorContext(
                                "Ada", "ada@example.test", null, null, null, null, java.util.Map.of()),
                        null,
                        null,
                        null));
        settle();
        String first = handoff(visitor);
        router.request(visitor, Role.VISITOR, new ClientMessage.Close("x1", first, null));
        settle();
        String later = handoff(visitor);
        assertThat(later).isNotEqualTo(first);
        router.disconnected(visitor);
        settle();
        for (String c : java.util.List.of(first, later)) {
            router.request(agent, Role.AGENT, new ClientMessage.Send(id(), c, "Are you there?", null));
        }
        settle();

        assertThat(conversation(later).givenEmails).isEmpty();
        assertThat(store.mailOf(later)).isEmpty();
        assertThat(store.conversation(first).orElseThrow().givenEmails()).containsExactly("ada@example.test");
    }
}
