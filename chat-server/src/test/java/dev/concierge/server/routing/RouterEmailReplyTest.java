package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.store.InMemoryConversationStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A visitor's reply by email enters the conversation as a visitor message marked {@code via: "email"}. */
final class RouterEmailReplyTest extends RouterFixture {
    final InMemoryConversationStore store = new InMemoryConversationStore();

    /** A visitor leaves a message with their address and goes away; the conversation's id. */
    String leftMessage() {
        Recorder v = visitor(null);
        router.request(
                v, Role.VISITOR, new ClientMessage.LeaveMessage("m1", null, "Ada", "ada@example.com", "Call me"));
        settle();
        String id = v.last(ServerMessage.Ack.class).conversationId();
        router.disconnected(v);
        settle();
        return id;
    }

    EmailReply reply(String conversationId, String from, String text, String clientId) throws Exception {
        EmailReply outcome =
                router.visitorReplyByEmail(conversationId, from, text, clientId).get(10, TimeUnit.SECONDS);
        settle();
        return outcome;
    }

    @Test
    void aReplyFromTheAddressGiven_reachesTheAgentHoldingIt_asAVisitorMessageByEmail_once() throws Exception {
        router(config("least-busy", 5), store);
        String id = leftMessage();
        Recorder dana = agent("dana");
        router.request(dana, Role.AGENT, new ClientMessage.Accept(id(), id));
        settle();

        assertThat(reply(id, "ADA@Example.com", "Thanks, it arrived.", "mail:abc"))
                .isEqualTo(EmailReply.STORED);
        TranscriptEvent seen = dana.events().get(dana.events().size() - 1);
        assertThat(seen.kind()).isEqualTo(Kind.MESSAGE);
        assertThat(seen.via()).isEqualTo("email");
        assertThat(seen.text()).isEqualTo("Thanks, it arrived.");
        assertThat(seen.author().role()).isEqualTo(Role.VISITOR);
        assertThat(seen.author().name()).isEqualTo("Ada");
        assertThat(conversation(id).state).isEqualTo(ConversationState.ASSIGNED);

        // The same mail read again: stored once.
        assertThat(reply(id, "ada@example.com", "Thanks, it arrived.", "mail:abc"))
                .isEqualTo(EmailReply.DUPLICATE);
        assertThat(store.events(id, 0))
                .filteredOn(e -> "email".equals(e.via()))
                .singleElement()
                .extracting(TranscriptEvent::id)
                .isEqualTo("mail:abc");
    }

    @Test
    void anotherSender_anUnknownConversation_orNothingToSay_areNotTaken() throws Exception {
        router(config("least-busy", 5), store);
        String id = leftMessage();
        long before = store.events(id, 0).size();
        assertThat(reply(id, "mallory@example.com", "Hi", "mail:1")).isEqualTo(EmailReply.UNKNOWN_SENDER);
        assertThat(reply(id, null, "Hi", "mail:2")).isEqualTo(EmailReply.UNKNOWN_SENDER);
        assertThat(reply("c_AAAAAAAAAAAAAAAA", "ada@example.com", "Hi", "mail:3"))
                .isEqualTo(EmailReply.UNKNOWN_CONVERSATION);
        assertThat(reply(id, "ada@example.com", " \u0000\u0007 \n", "mail:4")).isEqualTo(EmailReply.EMPTY);
        assertThat(store.events(id, 0)).hasSize((int) before);
    }

    @Test
    void aReplyToAClosedConversation_bringsItBackToTheFollowUps_butNotAfterThirtyDays() throws Exception {
        router(config("least-busy", 5), store);
        String id = leftMessage();
        Recorder dana = agent("dana");
        router.request(dana, Role.AGENT, new ClientMessage.Accept(id(), id));
        settle();
        router.request(dana, Role.AGENT, new ClientMessage.Close(id(), id, null));
        settle();
        assertThat(conversation(id).state).isEqualTo(ConversationState.CLOSED);

        clock.advance(Duration.ofDays(29));
        assertThat(reply(id, "ada@example.com", "One more question", "mail:q")).isEqualTo(EmailReply.STORED);
        Conversation c = conversation(id);
        assertThat(c.state).isEqualTo(ConversationState.FOLLOW_UP);
        assertThat(c.agentId).isNull();
        assertThat(dana.last(ServerMessage.Queue.class).entries())
                .singleElement()
                .satisfies(e -> assertThat(e.conversationId()).isEqualTo(id));

        router.request(dana, Role.AGENT, new ClientMessage.Accept(id(), id));
        settle();
        router.request(dana, Role.AGENT, new ClientMessage.Close(id(), id, null));
        settle();
        clock.advance(Duration.ofDays(31));
        assertThat(reply(id, "ada@example.com", "Hello?", "mail:late")).isEqualTo(EmailReply.TOO_OLD);
        assertThat(conversation(id).state).isEqualTo(ConversationState.CLOSED);
    }

    @Test
    void aClosedConversationMemoryForgot_isReadFromTheStore_andReopened() throws Exception {
        router(config("least-busy", 5), store);
        String id = leftMessage();
        Recorder dana = agent("dana");
        router.request(dana, Role.AGENT, new ClientMessage.Accept(id(), id));
        settle();
        router.request(dana, Role.AGENT, new ClientMessage.Close(id(), id, null));
        settle();
        router.close();

        router(config("least-busy", 5), store); // a restart: only open conversations are recovered
        assertThat(conversation(id)).isNull();
        assertThat(reply(id, "ada@example.com", "Back again", "mail:r")).isEqualTo(EmailReply.STORED);
        assertThat(conversation(id).state).isEqualTo(ConversationState.FOLLOW_UP);
        assertThat(store.events(id, 0).get(store.events(id, 0).size() - 1).via())
                .isEqualTo("email");
        assertThat(store.conversation(id).orElseThrow().state()).isEqualTo(ConversationState.FOLLOW_UP);
    }

    @Test
    void thirtyRepliesAnHourPerConversation_theNextWaitsForTheHourToPass() throws Exception {
        router(config("least-busy", 5), store);
        String id = leftMessage();
        for (int i = 0; i < EmailReply.PER_CONVERSATION_PER_HOUR; i++) {
            assertThat(reply(id, "ada@example.com", "reply " + i, "mail:" + i)).isEqualTo(EmailReply.STORED);
            clock.advance(Duration.ofSeconds(10));
        }
        assertThat(reply(id, "ada@example.com", "one too many", "mail:x")).isEqualTo(EmailReply.RATE_LIMITED);
        // the first was taken 10 s x 30 ago: one second before it is an hour old
        clock.advance(Duration.ofSeconds(3600 - 10L * EmailReply.PER_CONVERSATION_PER_HOUR - 1));
        assertThat(reply(id, "ada@example.com", "still too many", "mail:y")).isEqualTo(EmailReply.RATE_LIMITED);
        clock.advance(Duration.ofSeconds(1));
        assertThat(reply(id, "ada@example.com", "now fine", "mail:z")).isEqualTo(EmailReply.STORED);
    }

    @Test
    void aReplyFromTheAddressAnAgentsAlertWentTo_isNotTakenAsTheVisitors() throws Exception {
        router(config("least-busy", 5), store);
        router.sendMail(
                "northwind.example",
                () -> {},
                MailPolicyConfig.DEFAULTS,
                () -> java.util.List.of(
                        dev.concierge.server.auth.AgentAccount.withPassword("a1", "Ana", "ana", "pw", 1000)
                                .withEmailAlerts("ana@team.example", java.util.List.of("follow_up"))));
        String id = leftMessage();
        assertThat(store.mailOf(id))
                .extracting(q -> q.mail().kind() + " " + q.mail().recipient())
                .contains("agent_alert ana@team.example", "confirmation ada@example.com");
        long before = store.events(id, 0).size();

        assertThat(reply(id, "ana@team.example", "I am not the visitor", "mail:1"))
                .isEqualTo(EmailReply.UNKNOWN_SENDER);
        assertThat(store.events(id, 0)).hasSize((int) before);
        assertThat(reply(id, "ada@example.com", "Thanks", "mail:2")).isEqualTo(EmailReply.STORED);
    }
}
