package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.QueuedMail;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * When the server writes mail (docs/email.md, "When mail is sent"): an agent's reply to a visitor
 * who left waits the reply delay, joins a waiting one, is cancelled when read in the chat; a
 * transcript goes only to an address given in the conversation.
 */
final class MailPolicyTest extends MailPolicyFixture {
    @Test
    void anAgentsReplyToAVisitorWhoLeft_isMailedAfterTheDelay_laterMessagesJoinIt_andOneAfterItMakesANewMail()
            throws Exception {
        start();
        String c = leaveMessageAndGo("ada@example.test");
        assertThat(SMTP.waitForIncomingEmail(10_000, 1)).as("the confirmation").isTrue();
        clock.advance(Duration.ofHours(10)); // the next morning
        RawSocket agent = agentWith(c);

        agentSays(agent, c, "r1", "Sorry to hear that: a new one is on its way.");
        agentSays(agent, c, "r2", "And here is a voucher.");

        List<QueuedMail> replies = mails(c, "agent_reply");
        assertThat(replies).hasSize(1); // the second message joins the waiting mail
        QueuedMail reply = replies.get(0);
        assertThat(reply.mail().recipient()).isEqualTo("ada@example.test");
        assertThat(reply.mail().payload()).isEqualTo("{\"language\":\"en\",\"agentName\":\"Agent One\"}");
        assertThat(reply.state()).isEqualTo(MailState.PENDING);
        assertThat(reply.nextAttemptAt()).isEqualTo(reply.mail().createdAt().plus(Duration.ofMinutes(2)));
        assertThat(store.events(c, 0).stream()
                        .filter(e -> e.seq() == reply.mail().seq())
                        .findFirst()
                        .orElseThrow()
                        .text())
                .isEqualTo("Sorry to hear that: a new one is on its way.");

        clock.advance(Duration.ofMinutes(2));
        // Due now: the sender claims it (its rendering and delivery are the sender's, tested there).
        Await.until(
                "the reply taken by the sender once due",
                () -> mails(c, "agent_reply").get(0).attempts() >= 1);

        agentSays(agent, c, "r3", "Anything else?");
        assertThat(mails(c, "agent_reply")).hasSize(2);
        agent.close();
    }

    @Test
    void noReplyIsMailed_whileTheVisitorIsConnected_andAWaitingOneIsCancelled_whenTheyReadItInTheChat()
            throws Exception {
        start();
        String token;
        String c;
        try (RawSocket v = RawSocket.connect(server, "/ws/visitor")) {
            v.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\"}");
            token = v.awaitType("welcome").path("visitorToken").asText();
            v.send("{\"type\":\"leave_message\",\"id\":\"l1\",\"name\":\"Ada\",\"email\":\"ada@example.test\","
                    + "\"text\":\"Call me back.\"}");
            c = v.awaitType("ack").path("conversationId").asText();
        }
        RawSocket agent = agentWith(c);
        // The visitor is back, connected: a message reaches them live, no mail.
        try (RawSocket v = back(token)) {
            agentSays(agent, c, "live", "Hello, I am here.");
            v.await(f -> "live".equals(f.path("id").asText()));
            assertThat(mails(c, "agent_reply")).isEmpty();
        }
        // Gone again: the router learns it from the closed socket, then a message waits to be mailed.
        Await.until("a reply waiting to be mailed", () -> {
            agentSaysUnchecked(agent, c, "p" + System.nanoTime(), "Still there?");
            return !mails(c, "agent_reply").isEmpty();
        });
        QueuedMail waiting = mails(c, "agent_reply").get(0);
        assertThat(waiting.state()).isEqualTo(MailState.PENDING);

        try (RawSocket v = back(token)) {
            v.send("{\"type\":\"receipt\",\"conversationId\":\"" + c + "\",\"seq\":"
                    + waiting.mail().seq() + ",\"status\":\"read\"}");
            Await.until(
                    "the waiting reply cancelled",
                    () -> mails(c, "agent_reply").get(0).state() == MailState.FAILED);
        }
        assertThat(mails(c, "agent_reply").get(0).lastError()).contains("read in the chat");
        clock.advance(Duration.ofMinutes(3));
        // Only the reply: the confirmation may still be on its way through the sender.
        assertThat(store.dueMail(clock.instant(), 10))
                .noneMatch(q -> q.mail().kind().equals("agent_reply"));
        agent.close();
    }

    @Test
    void aTranscript_goesToTheAddressGivenInTheConversation_withANoteForAgents_neverToAnother() throws Exception {
        start();
        try (RawSocket v = visitor("ada@example.test")) {
            v.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Where is my order?\"}");
            String c = ack(v, "m1").path("conversationId").asText();

            v.send("{\"type\":\"transcript_email\",\"id\":\"t0\",\"address\":\"mallory@elsewhere.example\"}");
            JsonNode refused = ack(v, "t0");
            assertThat(refused.path("type").asText()).isEqualTo("error");
            assertThat(refused.path("code").asText()).isEqualTo("email_not_allowed");
            assertThat(mails(c, "transcript")).isEmpty();

            v.send("{\"type\":\"transcript_email\",\"id\":\"t1\"}");
            JsonNode ok = ack(v, "t1");
            assertThat(ok.path("type").asText()).isEqualTo("ack");
            long seq = ok.path("seq").asLong();
            TranscriptEvent note = store.events(c, seq - 1).get(0);
            assertThat(note.kind()).isEqualTo(TranscriptEvent.Kind.NOTE);
            assertThat(note.text()).isEqualTo("Transcript emailed to a…@example.test");
            assertThat(mails(c, "transcript")).singleElement().satisfies(q -> {
                assertThat(q.mail().recipient()).isEqualTo("ada@example.test");
                assertThat(q.mail().seq()).isEqualTo(seq);
            });
            // Case does not make another address.
            v.send("{\"type\":\"transcript_email\",\"id\":\"t2\",\"address\":\"ADA@Example.test\"}");
            assertThat(ack(v, "t2").path("type").asText()).isEqualTo("ack");
            // A resend of the same request is the same request.
            v.send("{\"type\":\"transcript_email\",\"id\":\"t2\",\"address\":\"ADA@Example.test\"}");
            assertThat(ack(v, "t2").path("type").asText()).isEqualTo("ack");
            assertThat(mails(c, "transcript")).hasSize(2);
        }
    }

    @Test
    void anAddressFromAnEarlierConversation_isRefused_andNeverMailed() throws Exception {
        start();
        String later;
        try (RawSocket v = visitor("ada@example.test")) {
            v.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Where is my order?\"}");
            String first = ack(v, "m1").path("conversationId").asText();
            v.send("{\"type\":\"leave_message\",\"id\":\"l1\",\"conversationId\":\"" + first
                    + "\",\"name\":\"Ada\",\"email\":\"ada.work@example.test\",\"text\":\"Call me.\"}");
            ack(v, "l1");
            v.send("{\"type\":\"close\",\"id\":\"x1\",\"conversationId\":\"" + first + "\"}");
            ack(v, "x1");
            // Someone else at the same browser, same socket: a new conversation, no address given in it.
            v.send("{\"type\":\"message\",\"id\":\"m2\",\"text\":\"Hello again\"}");
            later = ack(v, "m2").path("conversationId").asText();
            assertThat(later).isNotEqualTo(first);
            for (String address : List.of("ada@example.test", "ada.work@example.test")) {
                v.send("{\"type\":\"transcript_email\",\"id\":\"t-" + address + "\",\"address\":\"" + address + "\"}");
                assertThat(ack(v, "t-" + address).path("code").asText()).isEqualTo("email_not_allowed");
            }
            v.send("{\"type\":\"transcript_email\",\"id\":\"t0\"}");
            assertThat(ack(v, "t0").path("code").asText()).isEqualTo("bad_request");
        }
        assertThat(store.conversation(later).orElseThrow().givenEmails()).isEmpty();
    }

    @Test
    void aPreChatAddress_survivesARestart_andTheAgentsReplyAfterItIsMailedToIt() throws Exception {
        start();
        String c;
        try (RawSocket v = visitor("ada@example.test")) {
            v.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Where is my order?\"}");
            c = ack(v, "m1").path("conversationId").asText();
            v.send("{\"type\":\"handoff\",\"id\":\"x1\"}");
            ack(v, "x1");
        }
        assertThat(store.conversation(c).orElseThrow().givenEmails()).containsExactly("ada@example.test");
        server.close();
        server = null;
        start();
        RawSocket agent = agentWith(c);
        agentSays(agent, c, "r1", "Your order ships today.");
        assertThat(mails(c, "agent_reply"))
                .singleElement()
                .satisfies(q -> assertThat(q.mail().recipient()).isEqualTo("ada@example.test"));
        agent.close();
    }

    @Test
    void aReadOfOnlyTheFirstBatchedReply_keepsTheMail_aReadOfTheLastCancelsIt() throws Exception {
        start();
        String token;
        String c;
        try (RawSocket v = RawSocket.connect(server, "/ws/visitor")) {
            v.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\"}");
            token = v.awaitType("welcome").path("visitorToken").asText();
            v.send("{\"type\":\"leave_message\",\"id\":\"l1\",\"name\":\"Ada\",\"email\":\"ada@example.test\","
                    + "\"text\":\"Call me back.\"}");
            c = v.awaitType("ack").path("conversationId").asText();
        }
        RawSocket agent = agentWith(c);
        Await.until("a reply waiting to be mailed", () -> {
            agentSaysUnchecked(agent, c, "p" + System.nanoTime(), "Still there?");
            return !mails(c, "agent_reply").isEmpty();
        });
        agentSays(agent, c, "later", "And one more thing.");
        long first = mails(c, "agent_reply").get(0).mail().seq();
        long last = store.events(c, 0).stream()
                .filter(e -> "later".equals(e.id()))
                .findFirst()
                .orElseThrow()
                .seq();
        try (RawSocket v = back(token)) {
            v.send("{\"type\":\"receipt\",\"conversationId\":\"" + c + "\",\"seq\":" + first + ",\"status\":\"read\"}");
            // A marker: the router handles this socket's frames in order, so the receipt is done.
            v.send("{\"type\":\"context\",\"id\":\"mark\",\"context\":{\"language\":\"en\"}}");
            ack(v, "mark");
            assertThat(mails(c, "agent_reply").get(0).state()).isEqualTo(MailState.PENDING);
            v.send("{\"type\":\"receipt\",\"conversationId\":\"" + c + "\",\"seq\":" + last + ",\"status\":\"read\"}");
            Await.until(
                    "the waiting reply cancelled",
                    () -> mails(c, "agent_reply").get(0).state() == MailState.FAILED);
        }
        agent.close();
    }

    @Test
    void aTranscriptRequest_withNoAddressInTheConversation_isABadRequest() throws Exception {
        start();
        try (RawSocket v = visitor(null)) {
            v.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Hello\"}");
            ack(v, "m1");
            v.send("{\"type\":\"transcript_email\",\"id\":\"t1\"}");
            assertThat(ack(v, "t1").path("code").asText()).isEqualTo("bad_request");
            v.send("{\"type\":\"transcript_email\",\"id\":\"t2\",\"address\":\"ada@example.test\"}");
            assertThat(ack(v, "t2").path("code").asText()).isEqualTo("email_not_allowed");
        }
    }

    @Test
    void theJavaSdk_emailsTheTranscript_andReadsARefusalsCodeAndRetryTime() throws Exception {
        start();
        dev.concierge.client.VisitorClient client = dev.concierge.client.VisitorClient.builder()
                .serverUri(server.baseUri())
                .context(new dev.concierge.protocol.VisitorContext(
                        "Ada", "ada@example.test", "en", null, null, null, java.util.Map.of()))
                .connect()
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        try {
            client.send("Where is my order?").get(10, java.util.concurrent.TimeUnit.SECONDS);
            dev.concierge.client.Stored stored =
                    client.emailTranscript(Optional.empty()).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(mails(stored.conversationId(), "transcript"))
                    .singleElement()
                    .satisfies(q -> assertThat(q.mail().seq()).isEqualTo(stored.seq()));

            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> client.emailTranscript(Optional.of("mallory@elsewhere.example"))
                                    .get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .isInstanceOf(java.util.concurrent.ExecutionException.class)
                    .cause()
                    .isInstanceOfSatisfying(dev.concierge.client.ServerRefusedException.class, e -> {
                        assertThat(e.code()).isEqualTo(dev.concierge.protocol.ErrorCode.EMAIL_NOT_ALLOWED);
                        assertThat(e.retryAfter()).isEmpty();
                    });

            client.emailTranscript(Optional.empty()).get(10, java.util.concurrent.TimeUnit.SECONDS);
            client.emailTranscript(Optional.empty()).get(10, java.util.concurrent.TimeUnit.SECONDS);
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                            client.emailTranscript(Optional.empty()).get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .isInstanceOf(java.util.concurrent.ExecutionException.class)
                    .cause()
                    .isInstanceOfSatisfying(dev.concierge.client.ServerRefusedException.class, e -> {
                        assertThat(e.code()).isEqualTo(dev.concierge.protocol.ErrorCode.RATE_LIMITED);
                        assertThat(e.retryAfter()).contains(Duration.ofHours(1));
                    });
        } finally {
            client.close();
        }
    }
}
