package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.Await;
import dev.concierge.store.InMemoryConversationStore;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A mail enqueued while the sender is busy with another goes out right after it, not on the
 * sender's next tick: the wake is remembered even though waiting for the mail server (or the
 * store) used up the thread's unpark. The tick is set to an hour, so only the wake can send it.
 */
final class MailSenderWakeTest {
    @Test
    void aWakeWhileAMailIsBeingSent_sendsTheNewMailRightAfter_notOnTheNextTick() throws Exception {
        InMemoryConversationStore store = new InMemoryConversationStore();
        Session session = Session.getInstance(new Properties());
        CountDownLatch firstSending = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        List<String> sent = new CopyOnWriteArrayList<>();
        MailTransport transport = new MailTransport() {
            @Override
            public Session session() {
                return session;
            }

            @Override
            public void send(MimeMessage message) throws MessagingException {
                if (sent.isEmpty()) {
                    firstSending.countDown();
                    try {
                        releaseFirst.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    // The thread parks while it waits for the mail server's reply or the store's
                    // commit, which uses up an unpark given meanwhile: a park of a nanosecond
                    // takes the permit if the latch's wait has not taken it already.
                    LockSupport.parkNanos(1);
                }
                sent.add(message.getMessageID());
            }
        };
        Clock clock = Clock.fixed(MailSenderTest.T0.plusSeconds(60), ZoneOffset.UTC);
        try (MailSender sender = new MailSender(
                        store, MailSenderTest.RENDER, transport, clock, MailSender.NO_REPLY_TO, Duration.ofHours(1))
                .start()) {
            MailSenderTest.enqueue(store, MailSenderTest.mail("c1", 1, "first"));
            sender.wake();
            assertThat(firstSending.await(10, TimeUnit.SECONDS)).isTrue();

            MailSenderTest.enqueue(store, MailSenderTest.mail("c2", 1, "second"));
            sender.wake(); // while the first is with the mail server
            releaseFirst.countDown();

            // Without the remembered wake the thread would sleep the hour's tick first.
            Await.until("the second mail sent", () -> sent.size() == 2);
        }
        assertThat(sent).containsExactly("<first@reply.northwind.example>", "<second@reply.northwind.example>");
    }
}
