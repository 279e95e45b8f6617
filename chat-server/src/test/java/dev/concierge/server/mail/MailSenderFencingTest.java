package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.QueuedMail;
import dev.concierge.store.InMemoryConversationStore;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The sender in a cluster node that loses the decider lease: its store's writes are refused from
 * then on (they are fenced by the lease, docs/scaling.md), and it must then send nothing more
 * than the mail it was sending. Each mail is claimed, a fenced write, just before it is sent, so a
 * deposed sender cannot send a mail it claimed earlier, which the next decider sends too.
 */
final class MailSenderFencingTest {
    private static final Set<String> WRITES = Set.of("claimMail", "mailSent", "mailDeferred", "mailFailed");

    @Test
    void afterTheLeaseIsLost_theSenderSendsNoOtherMail_thoughItHadReadThemDue() throws Exception {
        InMemoryConversationStore memory = new InMemoryConversationStore();
        for (int i = 1; i <= 3; i++) {
            MailSenderTest.enqueue(memory, MailSenderTest.mail("c" + i, 1, "c" + i + ".1"));
        }
        // The lease is lost right after the first mail is recorded sent: every later write fails.
        AtomicBoolean lost = new AtomicBoolean();
        ConversationStore fenced = (ConversationStore) Proxy.newProxyInstance(
                ConversationStore.class.getClassLoader(), new Class<?>[] {ConversationStore.class}, (p, m, args) -> {
                    if (WRITES.contains(m.getName()) && lost.get()) {
                        return CompletableFuture.failedFuture(
                                new IllegalStateException("fenced out: another node holds the lease"));
                    }
                    try {
                        Object result = m.invoke(memory, args);
                        if (m.getName().equals("mailSent")) {
                            lost.set(true);
                        }
                        return result;
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        List<String> sent = new CopyOnWriteArrayList<>();
        Session session = Session.getInstance(new Properties());
        MailTransport recording = new MailTransport() {
            @Override
            public Session session() {
                return session;
            }

            @Override
            public void send(MimeMessage message) throws MessagingException {
                sent.add(message.getMessageID());
            }
        };
        MailSender sender = new MailSender(
                fenced,
                MailSenderTest.RENDER,
                recording,
                Clock.fixed(MailSenderTest.T0.plusSeconds(60), ZoneOffset.UTC));

        assertThatThrownBy(sender::sendDue).hasMessageContaining("fenced out");

        assertThat(sent).containsExactly("<c1.1@reply.northwind.example>");
        assertThat(memory.mailOf("c1")).extracting(QueuedMail::state).containsExactly(MailState.SENT);
        // The others stay as they were, for the next decider to send.
        assertThat(memory.mailOf("c2")).extracting(QueuedMail::state).containsExactly(MailState.PENDING);
        assertThat(memory.mailOf("c3")).extracting(QueuedMail::state).containsExactly(MailState.PENDING);
    }
}
