package dev.concierge.store;

import static dev.concierge.store.OutboxContractTest.mail;
import static dev.concierge.store.StoreContractTest.T0;
import static dev.concierge.store.StoreContractTest.assertRejected;
import static dev.concierge.store.StoreContractTest.conversation;
import static dev.concierge.store.StoreContractTest.done;
import static dev.concierge.store.StoreContractTest.message;
import static dev.concierge.store.StoreContractTest.visitor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.QueuedMail;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The mail outbox of {@link InMemoryConversationStore}, held to what {@link StoreContractTest}
 * asks of the JDBC stores (that chain opens JDBC databases, so the in-memory store cannot join it;
 * what needs a reopen has no in-memory equivalent): an event and its mail are stored together or
 * not at all, and the sender's claim and marks move a mail the same way.
 */
final class InMemoryOutboxTest {
    private final InMemoryConversationStore store =
            new InMemoryConversationStore(Clock.fixed(T0.plusSeconds(86_400), ZoneOffset.UTC));

    @Test
    void appendAllWithMail_storesTheEventAndItsMailTogether_dueFromItsCreation() throws Exception {
        done(store.append("c1", message(1, "m1", "Hello?")));
        TranscriptEvent left = message(2, "m2", "Please call me back tomorrow.");

        done(store.appendAll("c1", List.of(left), List.of(mail("c1", 2, "m.1"))));

        assertThat(store.events("c1", 1)).containsExactly(left);
        List<QueuedMail> due = store.dueMail(T0.plusSeconds(2), 10);
        assertThat(due).hasSize(1);
        QueuedMail q = due.get(0);
        assertThat(q.mail()).isEqualTo(mail("c1", 2, "m.1"));
        assertThat(q.state()).isEqualTo(MailState.PENDING);
        assertThat(q.attempts()).isZero();
        assertThat(q.nextAttemptAt()).isEqualTo(T0.plusSeconds(2));
        assertThat(q.sentAt()).isEmpty();
        assertThat(q.lastError()).isEmpty();
        assertThat(store.mailOf("c1")).containsExactly(q);
        assertThat(store.mailOf("c2")).isEmpty();
        assertThat(store.dueMail(T0.plusSeconds(1), 10)).isEmpty();
    }

    @Test
    void appendAllWithMail_whoseEventIsRefused_orWhoseMessageIdIsQueued_orNamingAnotherEvent_storesNothing()
            throws Exception {
        done(store.appendAll("c1", List.of(message(1, "m1", "first")), List.of(mail("c1", 1, "same"))));

        assertRejected(
                store.appendAll("c1", List.of(message(3, "m3", "gap")), List.of(mail("c1", 3, "m.3"))),
                "seq 3 out of order");
        assertRejected(
                store.appendAll("c1", List.of(message(2, "m2", "second")), List.of(mail("c1", 2, "same"))),
                "already in the outbox");
        assertRejected(
                store.appendAll("c1", List.of(message(2, "m2", "two")), List.of(mail("c2", 2, "elsewhere"))),
                "not an event appended with it");
        assertRejected(
                store.appendAll("c1", List.of(message(2, "m2", "two")), List.of(mail("c1", 1, "earlier"))),
                "not an event appended with it");

        assertThat(store.events("c1", 0)).extracting(TranscriptEvent::text).containsExactly("first");
        assertThat(store.mailOf("c1")).extracting(m -> m.mail().seq()).containsExactly(1L);
        assertThat(store.mailOf("c2")).isEmpty();
        // The refused appends took no seq: the next one is 2 again.
        done(store.appendAll("c1", List.of(message(2, "m2", "second")), List.of(mail("c1", 2, "other"))));
        assertThat(store.mailOf("c1")).hasSize(2);
    }

    @Test
    void claimedMail_isDueUntilRecordedSent_thenNeverAgain_andOnlyAClaimedMailIsMarked() throws Exception {
        for (long seq = 1; seq <= 3; seq++) {
            done(store.appendAll(
                    "c1", List.of(message(seq, "m" + seq, "m" + seq)), List.of(mail("c1", seq, "d" + seq))));
        }
        Instant now = T0.plusSeconds(10);

        done(store.claimMail(List.of("d1@reply.example.test")));
        assertThat(store.dueMail(now, 10))
                .extracting(m -> m.mail().messageId().substring(0, 2), QueuedMail::state)
                .containsExactly(
                        tuple("d1", MailState.SENDING), tuple("d2", MailState.PENDING), tuple("d3", MailState.PENDING));
        assertThat(store.dueMail(now, 2)).hasSize(2);
        assertThatThrownBy(() -> store.dueMail(now, 0)).isInstanceOf(IllegalArgumentException.class);

        done(store.claimMail(List.of("d1@reply.example.test"))); // a dead sender's claim, taken again
        done(store.mailSent("d1@reply.example.test", now));
        done(store.mailSent("d2@reply.example.test", now)); // never claimed: left alone

        QueuedMail d1 = store.mailOf("c1").get(0);
        assertThat(d1.state()).isEqualTo(MailState.SENT);
        assertThat(d1.attempts()).isEqualTo(2);
        assertThat(d1.sentAt()).contains(now);
        assertThat(store.mailOf("c1").get(1).state()).isEqualTo(MailState.PENDING);
        done(store.claimMail(List.of("d1@reply.example.test")));
        assertThat(store.mailOf("c1").get(0).state()).isEqualTo(MailState.SENT);
        assertThat(store.mailOf("c1").get(0).attempts()).isEqualTo(2);
        assertThat(store.dueMail(now.plusSeconds(86_400), 10))
                .extracting(m -> m.mail().messageId().substring(0, 2))
                .containsExactly("d2", "d3");
    }

    @Test
    void deferredMail_isDueAtItsNextAttempt_withTheError_andFailedMailIsNeverDue() throws Exception {
        done(store.appendAll("c1", List.of(message(1, "m1", "one")), List.of(mail("c1", 1, "d1"))));
        done(store.appendAll("c1", List.of(message(2, "m2", "two")), List.of(mail("c1", 2, "d2"))));
        done(store.claimMail(List.of("d1@reply.example.test", "d2@reply.example.test")));
        Instant retry = T0.plusSeconds(600);

        done(store.mailDeferred("d1@reply.example.test", retry, "421 4.7.0 try again later"));
        done(store.mailFailed("d2@reply.example.test", "550 5.1.1 no such user " + "x".repeat(5000)));

        assertThat(store.dueMail(retry.minusSeconds(1), 10)).isEmpty();
        List<QueuedMail> due = store.dueMail(retry, 10);
        assertThat(due).extracting(m -> m.mail().messageId()).containsExactly("d1@reply.example.test");
        assertThat(due.get(0).state()).isEqualTo(MailState.PENDING);
        assertThat(due.get(0).attempts()).isEqualTo(1);
        assertThat(due.get(0).lastError()).contains("421 4.7.0 try again later");
        QueuedMail d2 = store.mailOf("c1").get(1);
        assertThat(d2.state()).isEqualTo(MailState.FAILED);
        assertThat(d2.lastError().orElseThrow())
                .startsWith("550 5.1.1 no such user")
                .hasSize(ConversationStore.MAX_MAIL_ERROR);
        assertThat(store.dueMail(retry.plusSeconds(86_400 * 30L), 10)).hasSize(1);
    }

    @Test
    void claimMail_claimsOnlyPendingOrSendingRows_notACancelledSentOrDeletedOne() throws Exception {
        done(store.saveVisitor(visitor("v1", "t1")));
        done(store.saveVisitor(visitor("v2", "t2")));
        done(store.saveConversation(conversation("c1", "v1", ConversationState.QUEUED, T0)));
        done(store.saveConversation(conversation("c2", "v2", ConversationState.QUEUED, T0)));
        done(store.appendAll("c1", List.of(message(1, "m1", "one")), List.of(mail("c1", 1, "k1"))));
        done(store.appendAll("c1", List.of(message(2, "m2", "two")), List.of(mail("c1", 2, "k2"))));
        done(store.appendAll("c1", List.of(message(3, "m3", "three")), List.of(mail("c1", 3, "k3"))));
        done(store.appendAll("c2", List.of(message(1, "n1", "four")), List.of(mail("c2", 1, "k5"))));
        done(store.cancelMail("k1@reply.example.test", "read in the chat"));
        assertThat(store.claimMail(List.of("k3@reply.example.test")).get()).containsExactly("k3@reply.example.test");
        done(store.mailSent("k3@reply.example.test", T0.plusSeconds(5)));
        store.eraseVisitor("v2");

        assertThat(store.claimMail(List.of(
                                "k1@reply.example.test",
                                "k2@reply.example.test",
                                "k3@reply.example.test",
                                "k5@reply.example.test",
                                "nothing@reply.example.test"))
                        .get())
                .containsExactly("k2@reply.example.test");
        assertThat(store.mailOf("c1"))
                .extracting(QueuedMail::state)
                .containsExactly(MailState.FAILED, MailState.SENDING, MailState.SENT);
    }

    @Test
    void purgeAndErasure_deleteAConversationsMail_andNoOneElses() throws Exception {
        done(store.saveVisitor(visitor("v1", "t1")));
        done(store.saveVisitor(visitor("v2", "t2")));
        done(store.saveConversation(conversation("c1", "v1", ConversationState.CLOSED, T0)));
        done(store.saveConversation(conversation("c2", "v2", ConversationState.QUEUED, T0)));
        done(store.saveConversation(conversation("c3", "v2", ConversationState.QUEUED, T0)));
        for (String c : List.of("c1", "c2", "c3")) {
            done(store.appendAll(c, List.of(message(1, "m1", "hi")), List.of(mail(c, 1, c))));
        }

        store.purgeClosedBefore(T0.plusSeconds(2 * 86_400));
        assertThat(store.mailOf("c1")).isEmpty();
        assertThat(store.mailOf("c2")).hasSize(1);

        store.eraseVisitor("v2");
        assertThat(store.mailOf("c2")).isEmpty();
        assertThat(store.mailOf("c3")).isEmpty();
        assertThat(store.dueMail(T0.plusSeconds(3600), 10)).isEmpty();
    }

    @Test
    void aDelayedMail_isDueAtItsNotBefore_aCancelledOneNever_andCreatedSinceListsTheWindow() throws Exception {
        ConversationStore.OutboundMail m = mail("c1", 1, "later");
        ConversationStore.OutboundMail delayed = new ConversationStore.OutboundMail(
                m.messageId(),
                "c1",
                1,
                "agent_reply",
                m.site(),
                m.recipient(),
                m.payload(),
                m.createdAt(),
                m.createdAt().plusSeconds(120));
        done(store.appendAll("c1", List.of(message(1, "m1", "one")), List.of(delayed)));
        done(store.appendAll("c1", List.of(message(2, "m2", "two")), List.of(mail("c1", 2, "now"))));

        assertThat(store.dueMail(T0.plusSeconds(120), 10))
                .extracting(q -> q.mail().messageId())
                .containsExactly("now@reply.example.test");
        assertThat(store.dueMail(T0.plusSeconds(121), 10)).hasSize(2);
        assertThat(store.mailCreatedSince(T0.plusSeconds(2)))
                .extracting(q -> q.mail().messageId())
                .containsExactly("now@reply.example.test");

        done(store.claimMail(List.of("now@reply.example.test")));
        done(store.cancelMail("later@reply.example.test", "read in the chat"));
        done(store.cancelMail("now@reply.example.test", "read in the chat")); // claimed: left alone

        assertThat(store.mailOf("c1"))
                .extracting(q -> q.mail().messageId(), QueuedMail::state, QueuedMail::lastError)
                .containsExactly(
                        tuple("later@reply.example.test", MailState.FAILED, java.util.Optional.of("read in the chat")),
                        tuple("now@reply.example.test", MailState.SENDING, java.util.Optional.empty()));
    }
}
