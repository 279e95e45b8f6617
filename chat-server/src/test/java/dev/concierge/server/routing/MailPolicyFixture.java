package dev.concierge.server.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.concierge.server.ChatServer;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.mail.MailSettings;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.store.ConversationStore.QueuedMail;
import dev.concierge.store.InMemoryConversationStore;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A server with mail, over real sockets with a real SMTP server and the router's clock set by the
 * test, and the visitors and agents the mail policy's tests drive (docs/email.md, "When mail is
 * sent" and "Limits").
 */
abstract class MailPolicyFixture {
    @RegisterExtension
    static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    final RouterFixture.TestClock clock = new RouterFixture.TestClock();
    final InMemoryConversationStore store = new InMemoryConversationStore(clock);
    ChatServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    ChatServer start(MailPolicyConfig policy) {
        server = ChatServer.builder()
                .port(0)
                .store(store)
                .clock(clock)
                .agents(List.of(
                        AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)
                                .withEmailAlerts("one@team.example", List.of("follow_up", "long_wait")),
                        AgentAccount.withPassword("a2", "Agent Two", "two", "pw-two", 1000)))
                .mail(new MailSettings(
                        URI.create("smtp://127.0.0.1:" + SMTP.getSmtp().getPort()),
                        Optional.empty(),
                        Optional.empty(),
                        "Northwind help <help@northwind.example>"))
                .mailPolicy(policy)
                .start();
        return server;
    }

    ChatServer start() {
        return start(MailPolicyConfig.DEFAULTS);
    }

    RawSocket visitor(String contextEmail) throws Exception {
        RawSocket s = RawSocket.connect(server, "/ws/visitor");
        String context = contextEmail == null ? "" : ",\"context\":{\"email\":\"" + contextEmail + "\"}";
        s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\"" + context + "}");
        s.awaitType("welcome");
        return s;
    }

    /** A visitor who leaves a message and goes: the conversation's id. */
    String leaveMessageAndGo(String email) throws Exception {
        try (RawSocket v = visitor(null)) {
            v.send("{\"type\":\"leave_message\",\"id\":\"l1\",\"name\":\"Ada\",\"email\":\"" + email
                    + "\",\"text\":\"My parcel arrived damaged.\"}");
            return v.awaitType("ack").path("conversationId").asText();
        }
    }

    List<QueuedMail> mails(String conversationId, String kind) {
        return store.mailOf(conversationId).stream()
                .filter(q -> q.mail().kind().equals(kind))
                .toList();
    }

    static JsonNode ack(RawSocket s, String ref) throws InterruptedException {
        return s.await(f -> ref.equals(f.path("ref").asText()));
    }

    RawSocket agentWith(String conversationId) throws Exception {
        RawSocket agent = AgentHttp.agentSocket(server, AgentHttp.login(server, "one", "pw-one"));
        agent.send("{\"type\":\"accept\",\"id\":\"acc\",\"conversationId\":\"" + conversationId + "\"}");
        agent.await(f -> f.path("type").asText().equals("assigned"));
        return agent;
    }

    void agentSays(RawSocket agent, String conversationId, String id, String text) throws Exception {
        agent.send("{\"type\":\"message\",\"id\":\"" + id + "\",\"conversationId\":\"" + conversationId
                + "\",\"text\":\"" + text + "\"}");
        ack(agent, id);
    }

    // ---- agent replies ----

    RawSocket back(String token) throws Exception {
        RawSocket v = RawSocket.connect(server, "/ws/visitor");
        v.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\",\"visitorToken\":\"" + token + "\"}");
        v.awaitType("welcome");
        return v;
    }

    void agentSaysUnchecked(RawSocket agent, String conversationId, String id, String text) {
        try {
            agentSays(agent, conversationId, id, text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- transcripts ----
}
