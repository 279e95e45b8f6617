package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link JdbcConversationStore} must do with the mail outbox, whatever the engine: a
 * mail is written with the event that causes it or not at all, becomes due, is claimed, recorded
 * sent, deferred, failed or cancelled (docs/storage.md, "The mail outbox"). Run by each engine's
 * test through {@link PersonalDataContractTest}.
 */
abstract class OutboxContractTest extends StoreContractTest {
    static ConversationStore.OutboundMail mail(String conversationId, long seq, String id) {
        return new ConversationStore.OutboundMail(
                id + "@reply.example.test",
                conversationId,
                seq,
                "confirmation",
                "demo",
                "ada@example.test",
                "{\"language\":\"en\"}",
                T0.plusSeconds(seq));
    }

    @Test
    void appendAllWithMail_commitsTheEventAndItsMailTogether_dueAtOnce_andBothSurviveAReopen() throws Exception {
        done(store.append("c1", message(1, "m1", "Hello?")));
        TranscriptEvent left = message(2, "m2", "Please call me back tomorrow.");

        done(store.appendAll("c1", List.of(left), List.of(mail("c1", 2, "m.1"))));

        store.close();
        store = reopen();
        assertThat(store.events("c1", 1)).containsExactly(left);
        List<ConversationStore.QueuedMail> due = store.dueMail(T0.plusSeconds(2), 10);
        assertThat(due).hasSize(1);
        ConversationStore.QueuedMail q = due.get(0);
        assertThat(q.mail()).isEqualTo(mail("c1", 2, "m.1"));
        assertThat(q.state()).isEqualTo(ConversationStore.MailState.PENDING);
        assertThat(q.attempts()).isZero();
        assertThat(q.nextAttemptAt()).isEqualTo(T0.plusSeconds(2));
        assertThat(q.sentAt()).isEmpty();
        assertThat(q.lastError()).isEmpty();
        assertThat(store.mailOf("c1")).containsExactly(q);
        assertThat(store.mailOf("c2")).isEmpty();
        // Due from its creation on, not before.
        assertThat(store.dueMail(T0.plusSeconds(1), 10)).isEmpty();
    }

    @Test
    void appendAllWithMail_whoseEventIsRefused_enqueuesNoMail() throws Exception {
        done(store.append("c1", message(1, "m1", "Hello?")));

        assertRejected(
                store.appendAll("c1", List.of(message(3, "m3", "gap")), List.of(mail("c1", 3, "m.3"))),
                "seq 3 out of order");

        assertThat(store.mailOf("c1")).isEmpty();
        assertThat(store.dueMail(T0.plusSeconds(3600), 10)).isEmpty();
        assertThat(store.events("c1", 0)).extracting(TranscriptEvent::seq).containsExactly(1L);
    }

    @Test
    void appendAllWithMail_withAMessageIdAlreadyQueued_storesNeitherItsEventsNorItsMail_andTheBatchGoesOn()
            throws Exception {
        done(store.appendAll("c1", List.of(message(1, "m1", "first")), List.of(mail("c1", 1, "same"))));

        List<CompletableFuture<Void>> f = inOneBatch(() -> List.of(
                store.appendAll("c2", List.of(message(1, "x1", "one")), List.of(mail("c2", 1, "c2.first"))),
                store.appendAll("c1", List.of(message(2, "m2", "second")), List.of(mail("c1", 2, "same"))),
                store.append("c2", message(2, "x2", "two"))));

        assertThatThrownBy(() -> f.get(1).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(StoreException.class);
        done(f.get(0));
        done(f.get(2));
        assertThat(store.events("c1", 0)).extracting(TranscriptEvent::text).containsExactly("first");
        assertThat(store.mailOf("c1"))
                .extracting(m -> m.mail().seq())
                .as("the first mail only, still for seq 1")
                .containsExactly(1L);
        assertThat(store.events("c2", 0)).extracting(TranscriptEvent::text).containsExactly("one", "two");
        assertThat(store.mailOf("c2"))
                .extracting(m -> m.mail().messageId())
                .containsExactly("c2.first@reply.example.test");
        // The refused append took no seq: the next one is 2 again.
        done(store.appendAll("c1", List.of(message(2, "m2", "second")), List.of(mail("c1", 2, "other"))));
        assertThat(store.mailOf("c1")).hasSize(2);
    }

    @Test
    void appendAllWithMail_naming_anotherConversation_orAnEventNotInTheCall_isRefused_storingNothing()
            throws Exception {
        done(store.append("c1", message(1, "m1", "Hello?")));

        assertRejected(
                store.appendAll("c1", List.of(message(2, "m2", "two")), List.of(mail("c2", 2, "elsewhere"))),
                "not an event appended with it");
        assertRejected(
                store.appendAll("c1", List.of(message(2, "m2", "two")), List.of(mail("c1", 1, "earlier"))),
                "not an event appended with it");

        assertThat(store.events("c1", 0)).hasSize(1);
        assertThat(store.mailOf("c1")).isEmpty();
        assertThat(store.mailOf("c2")).isEmpty();
    }

    @Test
    void dueMail_returnsPendingDueAndClaimedUnfinished_oldestFirst_upToTheLimit_notSentOrFailedOnes() throws Exception {
        for (long seq = 1; seq <= 5; seq++) {
            done(store.appendAll(
                    "c1", List.of(message(seq, "m" + seq, "m" + seq)), List.of(mail("c1", seq, "d" + seq))));
        }
        // As a sender leaves them: d1 sent, d2 failed, d3 claimed when it died, d4 waiting for a retry.
        try (Connection c = rawConnection();
                Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE mail_outbox SET state = 'sent' WHERE message_id LIKE 'd1@%'");
            st.executeUpdate("UPDATE mail_outbox SET state = 'failed' WHERE message_id LIKE 'd2@%'");
            st.executeUpdate("UPDATE mail_outbox SET state = 'sending', attempts = 1 WHERE message_id LIKE 'd3@%'");
            st.executeUpdate("UPDATE mail_outbox SET attempts = 1, next_attempt_at = next_attempt_at + 600000000"
                    + " WHERE message_id LIKE 'd4@%'");
        }

        assertThat(store.dueMail(T0.plusSeconds(60), 10))
                .extracting(m -> m.mail().messageId().substring(0, 2), ConversationStore.QueuedMail::state)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("d3", ConversationStore.MailState.SENDING),
                        org.assertj.core.groups.Tuple.tuple("d5", ConversationStore.MailState.PENDING));
        assertThat(store.dueMail(T0.plusSeconds(3600), 10))
                .extracting(m -> m.mail().messageId().substring(0, 2))
                .containsExactly("d3", "d4", "d5");
        assertThat(store.dueMail(T0.plusSeconds(3600), 2))
                .extracting(m -> m.mail().messageId().substring(0, 2))
                .containsExactly("d3", "d4");
        assertThatThrownBy(() -> store.dueMail(T0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    ConversationStore.QueuedMail mailNamed(String conversationId, String idLeft) {
        return store.mailOf(conversationId).stream()
                .filter(m -> m.mail().messageId().startsWith(idLeft + "@"))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void claimedMail_isDueAgainAfterAReopen_untilRecordedSent_thenNeverAgain() throws Exception {
        done(store.appendAll("c1", List.of(message(1, "m1", "one")), List.of(mail("c1", 1, "d1"))));
        done(store.appendAll("c1", List.of(message(2, "m2", "two")), List.of(mail("c1", 2, "d2"))));

        done(store.claimMail(List.of("d1@reply.example.test")));
        assertThat(mailNamed("c1", "d1").state()).isEqualTo(ConversationStore.MailState.SENDING);
        assertThat(mailNamed("c1", "d1").attempts()).isEqualTo(1);
        // The sender dies before recording the outcome: the next one finds the claim.
        store.close();
        store = reopen();
        Instant now = T0.plusSeconds(10);
        assertThat(store.dueMail(now, 10))
                .extracting(m -> m.mail().messageId(), ConversationStore.QueuedMail::state)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "d1@reply.example.test", ConversationStore.MailState.SENDING),
                        org.assertj.core.groups.Tuple.tuple(
                                "d2@reply.example.test", ConversationStore.MailState.PENDING));

        done(store.claimMail(List.of("d1@reply.example.test")));
        done(store.mailSent("d1@reply.example.test", now));
        done(store.mailSent("d2@reply.example.test", now)); // never claimed: left alone

        ConversationStore.QueuedMail d1 = mailNamed("c1", "d1");
        assertThat(d1.state()).isEqualTo(ConversationStore.MailState.SENT);
        assertThat(d1.attempts()).isEqualTo(2);
        assertThat(d1.sentAt()).contains(now);
        assertThat(store.dueMail(now.plusSeconds(86_400), 10))
                .extracting(m -> m.mail().messageId())
                .containsExactly("d2@reply.example.test");
        done(store.claimMail(List.of("d1@reply.example.test"))); // a sent mail cannot be claimed again
        assertThat(mailNamed("c1", "d1").state()).isEqualTo(ConversationStore.MailState.SENT);
        assertThat(mailNamed("c1", "d1").attempts()).isEqualTo(2);
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
        List<ConversationStore.QueuedMail> due = store.dueMail(retry, 10);
        assertThat(due).hasSize(1);
        assertThat(due.get(0).mail().messageId()).isEqualTo("d1@reply.example.test");
        assertThat(due.get(0).state()).isEqualTo(ConversationStore.MailState.PENDING);
        assertThat(due.get(0).attempts()).isEqualTo(1);
        assertThat(due.get(0).nextAttemptAt()).isEqualTo(retry);
        assertThat(due.get(0).lastError()).contains("421 4.7.0 try again later");
        ConversationStore.QueuedMail d2 = mailNamed("c1", "d2");
        assertThat(d2.state()).isEqualTo(ConversationStore.MailState.FAILED);
        assertThat(d2.lastError().orElseThrow())
                .startsWith("550 5.1.1 no such user")
                .hasSize(ConversationStore.MAX_MAIL_ERROR);
        assertThat(store.dueMail(retry.plusSeconds(86_400 * 30L), 10))
                .extracting(m -> m.mail().messageId())
                .containsExactly("d1@reply.example.test");
    }

    @Test
    void mailWithANotBefore_isDueThenAndNotEarlier_andSurvivesAReopenAsEnqueued() throws Exception {
        ConversationStore.OutboundMail m = mail("c1", 1, "later");
        ConversationStore.OutboundMail delayed = new ConversationStore.OutboundMail(
                m.messageId(),
                m.conversationId(),
                m.seq(),
                "agent_reply",
                m.site(),
                m.recipient(),
                m.payload(),
                m.createdAt(),
                m.createdAt().plusSeconds(120));
        done(store.appendAll("c1", List.of(message(1, "m1", "one")), List.of(delayed)));

        store.close();
        store = reopen();
        assertThat(store.dueMail(delayed.createdAt().plusSeconds(119), 10)).isEmpty();
        List<ConversationStore.QueuedMail> due =
                store.dueMail(delayed.createdAt().plusSeconds(120), 10);
        assertThat(due).extracting(ConversationStore.QueuedMail::mail).containsExactly(delayed);
        assertThat(due.get(0).nextAttemptAt()).isEqualTo(delayed.notBefore());
        assertThatThrownBy(() -> new ConversationStore.OutboundMail(
                        m.messageId(),
                        m.conversationId(),
                        m.seq(),
                        m.kind(),
                        m.site(),
                        m.recipient(),
                        m.payload(),
                        m.createdAt(),
                        m.createdAt().minusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("notBefore");
    }

    @Test
    void cancelledMail_isNeverDue_withTheReason_butAClaimedOrSentOneIsLeftAlone() throws Exception {
        done(store.appendAll("c1", List.of(message(1, "m1", "one")), List.of(mail("c1", 1, "p1"))));
        done(store.appendAll("c1", List.of(message(2, "m2", "two")), List.of(mail("c1", 2, "p2"))));
        done(store.appendAll("c1", List.of(message(3, "m3", "three")), List.of(mail("c1", 3, "p3"))));
        done(store.claimMail(List.of("p2@reply.example.test", "p3@reply.example.test")));
        done(store.mailSent("p3@reply.example.test", T0.plusSeconds(5)));

        done(store.cancelMail("p1@reply.example.test", "read in the chat"));
        done(store.cancelMail("p2@reply.example.test", "read in the chat"));
        done(store.cancelMail("p3@reply.example.test", "read in the chat"));
        done(store.cancelMail("nothing@reply.example.test", "read in the chat"));

        store.close();
        store = reopen();
        ConversationStore.QueuedMail p1 = mailNamed("c1", "p1");
        assertThat(p1.state()).isEqualTo(ConversationStore.MailState.FAILED);
        assertThat(p1.lastError()).contains("read in the chat");
        assertThat(mailNamed("c1", "p2").state()).isEqualTo(ConversationStore.MailState.SENDING);
        assertThat(mailNamed("c1", "p3").state()).isEqualTo(ConversationStore.MailState.SENT);
        assertThat(store.dueMail(T0.plusSeconds(86_400), 10))
                .extracting(q -> q.mail().messageId())
                .containsExactly("p2@reply.example.test");
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
        done(store.appendAll("c1", List.of(message(4, "m4", "four")), List.of(mail("c1", 4, "k4"))));
        done(store.appendAll("c2", List.of(message(1, "n1", "five")), List.of(mail("c2", 1, "k5"))));
        // Read as due, then cancelled, sent or erased before the sender claims them.
        assertThat(store.dueMail(T0.plusSeconds(10), 10)).hasSize(5);
        done(store.cancelMail("k1@reply.example.test", "read in the chat"));
        assertThat(store.claimMail(List.of("k3@reply.example.test")).get(30, TimeUnit.SECONDS))
                .containsExactly("k3@reply.example.test");
        done(store.mailSent("k3@reply.example.test", T0.plusSeconds(5)));
        store.eraseVisitor("v2");

        assertThat(store.claimMail(List.of(
                                "k1@reply.example.test",
                                "k2@reply.example.test",
                                "k3@reply.example.test",
                                "k5@reply.example.test",
                                "nothing@reply.example.test"))
                        .get(30, TimeUnit.SECONDS))
                .containsExactly("k2@reply.example.test");
        // A row left claimed by a sender that died is claimed again.
        assertThat(store.claimMail(List.of("k2@reply.example.test", "k4@reply.example.test"))
                        .get(30, TimeUnit.SECONDS))
                .containsExactlyInAnyOrder("k2@reply.example.test", "k4@reply.example.test");

        ConversationStore.QueuedMail k1 = mailNamed("c1", "k1");
        assertThat(k1.state()).isEqualTo(ConversationStore.MailState.FAILED);
        assertThat(k1.attempts()).isZero();
        assertThat(k1.lastError()).contains("read in the chat");
        assertThat(mailNamed("c1", "k3").state()).isEqualTo(ConversationStore.MailState.SENT);
        assertThat(mailNamed("c1", "k2").attempts()).isEqualTo(2);
        assertThat(store.mailOf("c2")).isEmpty();
    }

    @Test
    void mailCreatedSince_listsEveryStateFromThatInstantOn_oldestFirst() throws Exception {
        done(store.appendAll("c1", List.of(message(1, "m1", "one")), List.of(mail("c1", 1, "s1"))));
        done(store.appendAll("c1", List.of(message(2, "m2", "two")), List.of(mail("c1", 2, "s2"))));
        done(store.appendAll(
                "c2",
                List.of(message(1, "n1", "three")),
                List.of(new ConversationStore.OutboundMail(
                        "s3@reply.example.test",
                        "c2",
                        1,
                        "transcript",
                        "demo",
                        "bob@example.test",
                        "{}",
                        T0.plusSeconds(3)))));
        done(store.claimMail(List.of("s3@reply.example.test")));
        done(store.mailFailed("s3@reply.example.test", "550 no"));

        assertThat(store.mailCreatedSince(T0.plusSeconds(2)))
                .extracting(q -> q.mail().messageId())
                .containsExactly("s2@reply.example.test", "s3@reply.example.test");
        assertThat(store.mailCreatedSince(T0.plusSeconds(4))).isEmpty();
        assertThat(store.mailCreatedSince(T0)).hasSize(3);
    }
}
