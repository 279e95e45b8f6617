package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.InMemoryConversationStore;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The development mailbox as the outbox's transport: the real claim/render/mark path, the latest
 * mails kept (bounded), and the reply a mail client would send to one of them.
 */
final class DevMailboxTest {
    static final Instant T0 = MailSenderTest.T0;

    @Test
    void theOutbox_sentToTheDevMailbox_isRenderedKeptAndRecordedSent_withItsHeaders() throws Exception {
        InMemoryConversationStore store = new InMemoryConversationStore();
        MailSenderTest.enqueue(
                store,
                new OutboundMail(
                        "c1.1.confirmation@localhost",
                        "c1",
                        1,
                        "confirmation",
                        "demo",
                        "ada@example.test",
                        "{\"language\":\"en\"}",
                        T0));
        MailSenderTest.TestClock clock = new MailSenderTest.TestClock();
        clock.now = T0.plusSeconds(5);
        DevMailbox box = new DevMailbox();
        MailSender sender = MailSender.over(
                store,
                MailSettings.devMailbox(DevMailbox.DEMO_FROM),
                Map.of(),
                clock,
                box,
                q -> Optional.of("reply+c1@localhost"));

        assertThat(sender.sendDue()).isEqualTo(1);

        assertThat(store.mailOf("c1").get(0).state()).isEqualTo(MailState.SENT);
        DevMailbox.Delivered d = box.find("<c1.1.confirmation@localhost>").orElseThrow();
        assertThat(d.messageId()).isEqualTo("c1.1.confirmation@localhost");
        assertThat(d.from()).isEqualTo(DevMailbox.DEMO_FROM);
        assertThat(d.to()).isEqualTo("ada@example.test");
        assertThat(d.replyTo()).contains("reply+c1@localhost");
        assertThat(d.subject()).isEqualTo("We have your message");
        assertThat(d.date()).isEqualTo(T0);
        assertThat(d.text()).startsWith("-- reply above this line --").contains("Please call me back");
        assertThat(d.html()).contains("Please call me back");
    }

    static MimeMessage mail(DevMailbox box, String id, Optional<String> replyTo) throws Exception {
        MimeMessage m = new MimeMessage(box.session()) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", "<" + id + ">");
            }
        };
        m.setFrom("Northwind help <help@northwind.example>");
        m.setRecipients(Message.RecipientType.TO, "ada@example.test");
        if (replyTo.isPresent()) {
            m.setHeader("Reply-To", replyTo.get());
        }
        m.setSubject("Dana replied to your message");
        m.setSentDate(java.util.Date.from(T0));
        m.setText("-- reply above this line --\n\nDana, 3 Dec 2026, 09:12 UTC:\nIt shipped.\n", "UTF-8");
        return m;
    }

    @Test
    void itKeepsTheLatestHundred_newestFirst_andAResendReplacesItsFirstCopy() throws Exception {
        DevMailbox box = new DevMailbox();
        for (int i = 1; i <= DevMailbox.CAPACITY + 5; i++) {
            box.send(mail(box, "m" + i + "@x.example", Optional.empty()));
        }
        box.send(mail(box, "m50@x.example", Optional.empty()));

        List<DevMailbox.Delivered> kept = box.mails();
        assertThat(kept).hasSize(DevMailbox.CAPACITY);
        assertThat(kept.get(0).messageId()).isEqualTo("m50@x.example");
        assertThat(kept.get(1).messageId()).isEqualTo("m105@x.example");
        assertThat(kept).extracting(DevMailbox.Delivered::messageId).doesNotContain("m1@x.example", "m5@x.example");
        assertThat(kept).filteredOn(d -> d.messageId().equals("m50@x.example")).hasSize(1);
        assertThat(box.find("m1@x.example")).isEmpty();
        assertThat(box.find("m6@x.example")).isPresent();
    }

    @Test
    void aReply_isWhatAMailClientSends_fromTheRecipient_toTheReplyTo_threaded_withAGmailQuote() throws Exception {
        DevMailbox box = new DevMailbox();
        box.send(mail(box, "r1@northwind.example", Optional.of("reply+abc.def@reply.northwind.example")));
        DevMailbox.Delivered original = box.find("r1@northwind.example").orElseThrow();

        MimeMessage reply = box.reply(original, "Thanks, that helps!\n", T0.plusSeconds(3600));

        assertThat(reply.getFrom()[0].toString()).isEqualTo("ada@example.test");
        assertThat(reply.getRecipients(Message.RecipientType.TO)[0].toString())
                .isEqualTo("reply+abc.def@reply.northwind.example");
        assertThat(reply.getHeader("In-Reply-To")).containsExactly("<r1@northwind.example>");
        assertThat(reply.getHeader("References", " ")).isEqualTo("<r1@northwind.example>");
        assertThat(reply.getSubject()).isEqualTo("Re: Dana replied to your message");
        assertThat(reply.getSentDate().toInstant()).isEqualTo(T0.plusSeconds(3600));
        assertThat(reply.getMessageID()).startsWith("<").endsWith("@localhost>");
        assertThat(reply.getHeader("Auto-Submitted")).as("a person's reply").isNull();
        assertThat((String) reply.getContent())
                .isEqualTo("Thanks, that helps!\n\n"
                        + "On Thu, 3 Dec 2026 at 09:12, Northwind help <help@northwind.example> wrote:\n\n"
                        + "> -- reply above this line --\n"
                        + ">\n"
                        + "> Dana, 3 Dec 2026, 09:12 UTC:\n"
                        + "> It shipped.\n");
    }

    @Test
    void aReply_needsAReplyAddress_andAText_ofBoundedLength() throws Exception {
        DevMailbox box = new DevMailbox();
        box.send(mail(box, "no-reply-to@x.example", Optional.empty()));
        box.send(mail(box, "r@x.example", Optional.of("reply+a.b@x.example")));
        DevMailbox.Delivered bare = box.find("no-reply-to@x.example").orElseThrow();
        DevMailbox.Delivered ok = box.find("r@x.example").orElseThrow();

        assertThat(bare.replyTo()).isEmpty();
        assertThatThrownBy(() -> box.reply(bare, "hi", T0)).hasMessageContaining("no reply address");
        assertThatThrownBy(() -> box.reply(ok, "  ", T0)).hasMessage("text must not be blank");
        assertThatThrownBy(() -> box.reply(ok, null, T0)).hasMessage("text must not be blank");
        assertThatThrownBy(() -> box.reply(ok, "x".repeat(DevMailbox.MAX_REPLY + 1), T0))
                .hasMessage("text must be at most " + DevMailbox.MAX_REPLY + " characters");
        assertThat(box.replies()).isEmpty();
        box.replies(m -> java.util.concurrent.CompletableFuture.completedFuture("ok"));
        assertThat(box.replies().orElseThrow().accept(box.reply(ok, "hi", T0)).get(1, TimeUnit.SECONDS))
                .isEqualTo("ok");
    }
}
