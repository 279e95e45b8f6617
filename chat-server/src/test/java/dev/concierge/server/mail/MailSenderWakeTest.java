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
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A mail enqueued while the sender is busy with another goes out right after it, not on the
 * sender's next tick ({@link MailSender#TICK}, 5 s): the wake is remembered even though waiting for
 * the mail server (or the store) used up the thread's unpark.
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
                    // commit, which uses up an unpark given meanwhile (a short park stands for it).
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                }
                sent.add(message.getMessageID());
            }
        };
        Clock clock = Clock.fixed(MailSenderTest.T0.plusSeconds(60), ZoneOffset.UTC);
        try (MailSender sender = new MailSender(store, MailSenderTest.RENDER, transport, clock).start()) {
            MailSenderTest.enqueue(store, MailSenderTest.mail("c1", 1, "first"));
            sender.wake();
            assertThat(firstSending.await(10, TimeUnit.SECONDS)).isTrue();

            MailSenderTest.enqueue(store, MailSenderTest.mail("c2", 1, "second"));
            sender.wake(); // while the first is with the mail server
            long released = System.nanoTime();
            releaseFirst.countDown();

            // Well within the 5 s tick; without the remembered wake it comes only with the tick.
            Await.value(
                    "the second mail sent",
                    Duration.ofMillis(2_500),
                    () -> sent.size() == 2 ? Optional.of(true) : Optional.empty());
            System.out.printf(
                    "second mail sent %d ms after the first was released%n",
                    (System.nanoTime() - released) / 1_000_000);
        }
        assertThat(sent).containsExactly("<first@reply.northwind.example>", "<second@reply.northwind.example>");
    }
}
