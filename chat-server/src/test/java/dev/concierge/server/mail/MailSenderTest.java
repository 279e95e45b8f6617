package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.ConversationStore.QueuedMail;
import dev.concierge.store.InMemoryConversationStore;
import dev.concierge.store.JdbcConversationStore;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox sender against a real SMTP server in this JVM (GreenMail, loopback, a free port),
 * and against a loopback server that answers with a chosen SMTP reply, on an injected clock.
 */
final class MailSenderTest {
    static final Instant T0 = Instant.parse("2026-12-03T09:12:00Z");
    static final Author ADA = new Author(Role.VISITOR, "v_ada", "Ada");
    static final MailSender.Renderer RENDER = m -> new MailContent(
            "Northwind help <help@northwind.example>",
            "We got your message",
            "Hello Ada, we will answer soon.",
            "<p>Hello Ada, we will answer soon.</p>");

    @RegisterExtension
    static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @TempDir
    Path dir;

    final TestClock clock = new TestClock();

    MailTransport greenMail() {
        return MailTransport.smtp(
                URI.create("smtp://127.0.0.1:" + SMTP.getSmtp().getPort()), Optional.empty(), Optional.empty());
    }

    static OutboundMail mail(String conversationId, long seq, String idLeft) {
        return new OutboundMail(
                idLeft + "@reply.northwind.example",
                conversationId,
                seq,
                "confirmation",
                "demo",
                "ada@example.test",
                "{}",
                T0.plusSeconds(seq));
    }

    static void enqueue(ConversationStore store, OutboundMail mail) throws Exception {
        TranscriptEvent event = TranscriptEvent.message("m" + mail.seq(), ADA, "Please call me back")
                .stamped(mail.seq(), mail.createdAt());
        store.appendAll(mail.conversationId(), List.of(event), List.of(mail)).get(10, TimeUnit.SECONDS);
    }

    static QueuedMail only(ConversationStore store, String conversationId) {
        List<QueuedMail> mails = store.mailOf(conversationId);
        assertThat(mails).hasSize(1);
        return mails.get(0);
    }

    @Test
    void aDueMail_isSentOverSmtp_withItsMessageIdDateAndBothParts_andRecordedSent() throws Exception {
        ConversationStore store = new InMemoryConversationStore();
        enqueue(store, mail("c1", 1, "c1.1"));
        clock.now = T0.plusSeconds(30);

        assertThat(new MailSender(store, RENDER, greenMail(), clock).sendDue()).isEqualTo(1);

        MimeMessage[] received = SMTP.getReceivedMessages();
        assertThat(received).hasSize(1);
        MimeMessage m = received[0];
        assertThat(m.getMessageID()).isEqualTo("<c1.1@reply.northwind.example>");
        assertThat(m.getSentDate().toInstant()).isEqualTo(T0.plusSeconds(1));
        assertThat(m.getHeader("Auto-Submitted")).containsExactly("auto-generated");
        assertThat(m.getSubject()).isEqualTo("We got your message");
        assertThat(m.getFrom()[0].toString()).isEqualTo("Northwind help <help@northwind.example>");
        assertThat(m.getAllRecipients()[0].toString()).isEqualTo("ada@example.test");
        MimeMultipart parts = (MimeMultipart) m.getContent();
        assertThat(parts.getContentType()).startsWith("multipart/alternative");
        assertThat(parts.getBodyPart(0).getContentType()).startsWith("text/plain");
        assertThat(parts.getBodyPart(0).getContent()).isEqualTo("Hello Ada, we will answer soon.");
        assertThat(parts.getBodyPart(1).getContentType()).startsWith("text/html");
        QueuedMail sent = only(store, "c1");
        assertThat(sent.state()).isEqualTo(MailState.SENT);
        assertThat(sent.attempts()).isEqualTo(1);
        assertThat(sent.sentAt()).contains(T0.plusSeconds(30));
        // Nothing left: a second round sends nothing.
        assertThat(new MailSender(store, RENDER, greenMail(), clock).sendDue()).isZero();
        assertThat(SMTP.getReceivedMessages()).hasSize(1);
    }

    @Test
    void theThread_sendsAMailEnqueuedWhileItRuns_whenWoken() throws Exception {
        ConversationStore store = new InMemoryConversationStore();
        clock.now = T0.plusSeconds(60);
        try (MailSender sender = new MailSender(store, RENDER, greenMail(), clock).start()) {
            enqueue(store, mail("c1", 1, "woken"));
            sender.wake();

            assertThat(SMTP.waitForIncomingEmail(10_000, 1)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (only(store, "c1").state() != MailState.SENT && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(only(store, "c1").state()).isEqualTo(MailState.SENT);
        }
        assertThat(SMTP.getReceivedMessages()[0].getMessageID()).isEqualTo("<woken@reply.northwind.example>");
    }

    @Test
    void aMailClaimedButNotRecordedSent_isSentAgainAfterARestart_withTheSameMessageId() throws Exception {
        JdbcConversationStore first = JdbcConversationStore.sqlite(dir);
        enqueue(first, mail("c1", 1, "once"));
        clock.now = T0.plusSeconds(5);
        MailTransport real = greenMail();
        // The process dies after the mail server accepted the mail, before the record of it commits.
        MailTransport diesAfterSending = new MailTransport() {
            @Override
            public jakarta.mail.Session session() {
                return real.session();
            }

            @Override
            public void send(MimeMessage message) throws jakarta.mail.MessagingException {
                real.send(message);
                first.close();
            }
        };
        try {
            new MailSender(first, RENDER, diesAfterSending, clock).sendDue();
        } catch (IllegalStateException expected) {
            // the record of the sending could not be written: the store is gone
        }
        assertThat(SMTP.getReceivedMessages()).hasSize(1);

        try (JdbcConversationStore second = JdbcConversationStore.sqlite(dir)) {
            assertThat(only(second, "c1").state())
                    .as("claimed, outcome unknown")
                    .isEqualTo(MailState.SENDING);
            clock.now = T0.plusSeconds(60);

            assertThat(new MailSender(second, RENDER, greenMail(), clock).sendDue())
                    .isEqualTo(1);

            MimeMessage[] received = SMTP.getReceivedMessages();
            assertThat(received).hasSize(2);
            assertThat(received[0].getMessageID()).isEqualTo("<once@reply.northwind.example>");
            assertThat(received[1].getMessageID()).isEqualTo(received[0].getMessageID());
            assertThat(received[1].getSentDate()).isEqualTo(received[0].getSentDate());
            QueuedMail sent = only(second, "c1");
            assertThat(sent.state()).isEqualTo(MailState.SENT);
            assertThat(sent.attempts()).isEqualTo(2);
            assertThat(new MailSender(second, RENDER, greenMail(), clock).sendDue())
                    .isZero();
        }
        assertThat(SMTP.getReceivedMessages()).hasSize(2);
    }

    @Test
    void aMailCancelledAfterItWasReadDue_beforeItsClaim_isNotSent_andStaysFailedWithItsReason() throws Exception {
        try (JdbcConversationStore sqlite = JdbcConversationStore.sqlite(dir)) {
            enqueue(sqlite, mail("c1", 1, "read"));
            enqueue(sqlite, mail("c2", 1, "unread"));
            clock.now = T0.plusSeconds(30);
            // The visitor reads the agent's reply in the chat while the sender works through the
            // batch it read as due: the router cancels the row before the sender claims it.
            ConversationStore racing = (ConversationStore) java.lang.reflect.Proxy.newProxyInstance(
                    ConversationStore.class.getClassLoader(),
                    new Class<?>[] {ConversationStore.class},
                    (p, m, args) -> {
                        if (m.getName().equals("claimMail")
                                && ((List<?>) args[0]).contains("read@reply.northwind.example")) {
                            sqlite.cancelMail("read@reply.northwind.example", "read in the chat")
                                    .get(10, TimeUnit.SECONDS);
                        }
                        try {
                            return m.invoke(sqlite, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });

            assertThat(new MailSender(racing, RENDER, greenMail(), clock).sendDue())
                    .isEqualTo(2);

            assertThat(SMTP.getReceivedMessages())
                    .extracting(MimeMessage::getMessageID)
                    .containsExactly("<unread@reply.northwind.example>");
            QueuedMail read = only(sqlite, "c1");
            assertThat(read.state()).isEqualTo(MailState.FAILED);
            assertThat(read.lastError()).contains("read in the chat");
            assertThat(read.attempts()).isZero();
            assertThat(read.sentAt()).isEmpty();
            assertThat(only(sqlite, "c2").state()).isEqualTo(MailState.SENT);
        }
    }

    @Test
    void aServerThatCannotBeReached_defersTheMailWithBackoff_andIsGivenUpAfterTheLastAttempt() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        ConversationStore store = new InMemoryConversationStore();
        enqueue(store, mail("c1", 1, "unreachable"));
        MailSender sender = new MailSender(
                store,
                RENDER,
                MailTransport.smtp(URI.create("smtp://127.0.0.1:" + closedPort), Optional.empty(), Optional.empty()),
                clock);
        clock.now = T0.plusSeconds(10);

        assertThat(sender.sendDue()).isEqualTo(1);
        QueuedMail deferred = only(store, "c1");
        assertThat(deferred.state()).isEqualTo(MailState.PENDING);
        assertThat(deferred.nextAttemptAt()).isEqualTo(clock.now.plus(Duration.ofMinutes(1)));
        assertThat(deferred.lastError().orElseThrow()).contains("Couldn't connect");
        clock.now = clock.now.plusSeconds(59);
        assertThat(sender.sendDue()).as("not due before its backoff").isZero();

        clock.now = clock.now.plusSeconds(1);
        assertThat(sender.sendDue()).isEqualTo(1);
        assertThat(only(store, "c1").nextAttemptAt()).isEqualTo(clock.now.plus(Duration.ofMinutes(4)));
        for (int attempt = 3; attempt <= MailSender.MAX_ATTEMPTS; attempt++) {
            clock.now = only(store, "c1").nextAttemptAt();
            assertThat(sender.sendDue()).isEqualTo(1);
        }

        QueuedMail failed = only(store, "c1");
        assertThat(failed.state()).isEqualTo(MailState.FAILED);
        assertThat(failed.attempts()).isEqualTo(MailSender.MAX_ATTEMPTS);
        assertThat(failed.lastError().orElseThrow()).startsWith("gave up after 10 attempts");
        assertThat(MailSender.backoff(3)).isEqualTo(Duration.ofMinutes(16));
        assertThat(MailSender.backoff(9)).isEqualTo(Duration.ofHours(6));
    }

    @Test
    void aPermanentRefusal_failsTheMailAtOnce_toldToTheListener_andATemporaryOneDefersIt() throws Exception {
        ConversationStore store = new InMemoryConversationStore();
        enqueue(store, mail("c1", 1, "a.refused"));
        enqueue(store, mail("c2", 1, "b.later")); // sent second: same date, ordered by Message-ID
        clock.now = T0.plusSeconds(10);
        try (ReplyingSmtpServer server = new ReplyingSmtpServer(
                List.of("550 5.1.1 <ada@example.test>: no such user", "451 4.7.1 greylisted, try again later"))) {
            MailSender sender = new MailSender(
                    store,
                    RENDER,
                    MailTransport.smtp(
                            URI.create("smtp://127.0.0.1:" + server.port()), Optional.empty(), Optional.empty()),
                    clock);
            List<String> undelivered = new java.util.concurrent.CopyOnWriteArrayList<>();
            sender.onUndelivered((m, reason) -> undelivered.add(m.conversationId() + ": " + reason));

            assertThat(sender.sendDue()).isEqualTo(2);

            assertThat(undelivered)
                    .singleElement()
                    .asString()
                    .startsWith("c1: ")
                    .contains("550 5.1.1");
        }

        QueuedMail refused = only(store, "c1");
        assertThat(refused.state()).as(refused.lastError().orElse("")).isEqualTo(MailState.FAILED);
        assertThat(refused.lastError().orElseThrow()).contains("550 5.1.1");
        QueuedMail later = only(store, "c2");
        assertThat(later.state()).isEqualTo(MailState.PENDING);
        assertThat(later.nextAttemptAt()).isEqualTo(clock.now.plus(Duration.ofMinutes(1)));
        assertThat(later.lastError().orElseThrow()).contains("451 4.7.1");
    }

    static OutboundMail mailTo(String conversationId, long seq, String idLeft, String recipient, Instant at) {
        return new OutboundMail(
                idLeft + "@reply.northwind.example", conversationId, seq, "agent_reply", "demo", recipient, "{}", at);
    }

    @Test
    void aMail_carriesTheReplyToGiven_andThreadsOnTheEarlierMailsOfItsConversationToTheSameAddress() throws Exception {
        ConversationStore store = new InMemoryConversationStore();
        enqueue(store, mailTo("c1", 1, "first", "ada@example.test", T0));
        enqueue(store, mailTo("c1", 2, "to-agent", "dana@example.test", T0.plusSeconds(1)));
        enqueue(store, mailTo("c1", 3, "second", "ada@example.test", T0.plusSeconds(2)));
        enqueue(store, mailTo("c2", 1, "other-conversation", "ada@example.test", T0.plusSeconds(3)));
        enqueue(store, mailTo("c1", 4, "third", "ADA@example.test", T0.plusSeconds(4)));
        clock.now = T0.plusSeconds(30);
        MailSender sender = new MailSender(
                store,
                RENDER,
                greenMail(),
                clock,
                q -> q.mail().recipient().startsWith("dana")
                        ? Optional.empty()
                        : Optional.of("reply+" + q.mail().conversationId() + "@reply.northwind.example"));

        assertThat(sender.sendDue()).isEqualTo(5);

        java.util.Map<String, MimeMessage> byId = new java.util.HashMap<>();
        for (MimeMessage m : SMTP.getReceivedMessages()) {
            byId.put(m.getMessageID(), m);
        }
        MimeMessage first = byId.get("<first@reply.northwind.example>");
        assertThat(first.getReplyTo()[0].toString()).isEqualTo("reply+c1@reply.northwind.example");
        assertThat(first.getHeader("In-Reply-To")).isNull();
        assertThat(first.getHeader("References")).isNull();
        MimeMessage toAgent = byId.get("<to-agent@reply.northwind.example>");
        assertThat(toAgent.getHeader("Reply-To")).as("no reply address given").isNull();
        assertThat(toAgent.getHeader("In-Reply-To"))
                .as("another recipient's mails are not its thread")
                .isNull();
        MimeMessage second = byId.get("<second@reply.northwind.example>");
        assertThat(second.getHeader("In-Reply-To")).containsExactly("<first@reply.northwind.example>");
        assertThat(second.getHeader("References")).containsExactly("<first@reply.northwind.example>");
        MimeMessage third = byId.get("<third@reply.northwind.example>");
        assertThat(third.getHeader("In-Reply-To")).containsExactly("<second@reply.northwind.example>");
        assertThat(third.getHeader("References", " "))
                .isEqualTo("<first@reply.northwind.example> <second@reply.northwind.example>");
        MimeMessage other = byId.get("<other-conversation@reply.northwind.example>");
        assertThat(other.getHeader("In-Reply-To"))
                .as("another conversation's mails are not its thread")
                .isNull();
        assertThat(other.getReplyTo()[0].toString()).isEqualTo("reply+c2@reply.northwind.example");
        assertThat(third.getSentDate().toInstant()).isEqualTo(T0.plusSeconds(4));
        assertThat(third.getHeader("Auto-Submitted")).containsExactly("auto-generated");
    }

    @Test
    void aSubjectWithLineBreaks_cannotAddAHeaderOrARecipient() throws Exception {
        ConversationStore store = new InMemoryConversationStore();
        enqueue(store, mail("c1", 1, "evil"));
        clock.now = T0.plusSeconds(30);
        MailSender.Renderer evil = m -> new MailContent(
                "Northwind help <help@northwind.example>",
                "Hello Ada\r\nBcc: everyone@example.test\r\nX-Evil: 1\nTo: more@example.test",
                "text",
                "<p>html</p>");

        assertThat(new MailSender(store, evil, greenMail(), clock).sendDue()).isEqualTo(1);

        MimeMessage[] received = SMTP.getReceivedMessages();
        assertThat(received).hasSize(1);
        MimeMessage m = received[0];
        assertThat(m.getSubject()).isEqualTo("Hello Ada Bcc: everyone@example.test X-Evil: 1 To: more@example.test");
        assertThat(m.getHeader("X-Evil")).isNull();
        assertThat(m.getHeader("Bcc")).isNull();
        assertThat(m.getAllRecipients()).extracting(Object::toString).containsExactly("ada@example.test");
    }

    @Test
    void everyBuiltInKind_renderedFromTheStore_reachesTheMailServer() throws Exception {
        ConversationStore store = new InMemoryConversationStore();
        TranscriptEvent left = TranscriptEvent.offlineMessage("l1", ADA, "Call me <b>now</b>", "ada@example.test")
                .stamped(1, T0);
        List<OutboundMail> mails = List.of(
                new OutboundMail("k1@x.example", "c1", 1, "confirmation", "demo", "ada@example.test", "{}", T0),
                new OutboundMail(
                        "k2@x.example",
                        "c1",
                        1,
                        "agent_reply",
                        "demo",
                        "ada@example.test",
                        "{\"agentName\":\"Dana\"}",
                        T0),
                new OutboundMail("k3@x.example", "c1", 1, "transcript", "demo", "ada@example.test", "{}", T0),
                new OutboundMail(
                        "k4@x.example",
                        "c1",
                        1,
                        "agent_alert",
                        "demo",
                        "dana@example.test",
                        "{\"reason\":\"follow_up\",\"visitorName\":\"Ada\"}",
                        T0));
        store.appendAll("c1", List.of(left), mails).get(10, TimeUnit.SECONDS);
        clock.now = T0.plusSeconds(30);

        MailSettings settings = new MailSettings(
                URI.create("smtp://127.0.0.1:" + SMTP.getSmtp().getPort()),
                Optional.empty(),
                Optional.empty(),
                "Help <help@x.example>");
        assertThat(MailSender.over(
                                store,
                                settings,
                                java.util.Map.of(),
                                clock,
                                MailTransport.smtp(settings.smtp(), settings.user(), settings.password()),
                                MailSender.NO_REPLY_TO)
                        .sendDue())
                .isEqualTo(4);

        assertThat(store.mailOf("c1")).extracting(QueuedMail::state).containsOnly(MailState.SENT);
        assertThat(SMTP.getReceivedMessages())
                .extracting(MimeMessage::getSubject)
                .containsExactlyInAnyOrder(
                        "We have your message",
                        "Dana replied to your message",
                        "Your conversation",
                        "Follow-up waiting: Ada");
    }

    static final class TestClock extends Clock {
        volatile Instant now = T0;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
