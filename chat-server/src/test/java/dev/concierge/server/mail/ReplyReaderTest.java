package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.ChatServer;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.routing.EmailReply;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.InMemoryConversationStore;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replies read over IMAP from a real mailbox (GreenMail in this JVM, loopback, free ports): a
 * reply continues its conversation as a visitor message marked {@code via: "email"}, seen by the
 * agent; what must not become a message is dropped and deleted; a mail read again after a crash
 * is stored once.
 */
final class ReplyReaderTest {
    @RegisterExtension
    static final GreenMailExtension MAIL = new GreenMailExtension(ServerSetup.dynamicPort(ServerSetupTest.SMTP_IMAP));

    static final String SECRET = "reply-secret-0123456789abcdef-0123456789";
    static final String DOMAIN = "reply.northwind.example";
    /** The reply address written in the fixtures, replaced by a real one. */
    static final String FIXTURE_ADDRESS = "reply+mfrggzdfmztwq2lknnwg23tp.nbswy3dpeb3w64tm@reply.northwind.example";

    GreenMailUser mailbox() {
        return MAIL.setUser("replies@" + DOMAIN, "replies", "mailbox-pw");
    }

    ImapSettings imap(Duration poll) {
        return new ImapSettings(
                URI.create("imap://127.0.0.1:" + MAIL.getImap().getPort() + "/INBOX"),
                Optional.of("replies"),
                Optional.of("mailbox-pw"),
                poll,
                SECRET,
                Optional.empty(),
                DOMAIN);
    }

    MailSettings smtp() {
        return new MailSettings(
                URI.create("smtp://127.0.0.1:" + MAIL.getSmtp().getPort()),
                Optional.empty(),
                Optional.empty(),
                "Northwind help <help@northwind.example>");
    }

    int inbox(GreenMailUser user) throws Exception {
        return MAIL.getManagers().getImapHostManager().getInbox(user).getMessageCount();
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    static boolean quietly(java.util.concurrent.Callable<Boolean> test) {
        try {
            return test.call();
        } catch (Exception e) {
            return false;
        }
    }

    /** A Gmail reply (the fixture) from {@code from} to {@code to}, with its own Message-ID. */
    static MimeMessage gmailReply(String from, String to, String messageId, String... extraHeaders) throws Exception {
        String raw;
        try (InputStream in = ReplyReaderTest.class.getResourceAsStream("/mail/replies/gmail-en.eml")) {
            raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        raw = raw.replace("From: Ada Lovelace <ada@example.com>", "From: Ada Lovelace <" + from + ">")
                .replace("To: Northwind help <" + FIXTURE_ADDRESS + ">", "To: Northwind help <" + to + ">")
                .replace("<CAJx9f2kQ7n=Zp1Fq@mail.gmail.com>", messageId);
        for (String header : extraHeaders) {
            raw = header + "\r\n" + raw;
        }
        return new MimeMessage(
                Session.getInstance(new Properties()), new ByteArrayInputStream(raw.getBytes(StandardCharsets.UTF_8)));
    }

    static MimeMessage plain(String from, String to, String messageId, String text) throws Exception {
        String raw = "From: " + from + "\r\nTo: " + to + "\r\nSubject: Re: hello\r\nMessage-ID: " + messageId
                + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text;
        return new MimeMessage(
                Session.getInstance(new Properties()), new ByteArrayInputStream(raw.getBytes(StandardCharsets.UTF_8)));
    }

    static String leaveMessage(ChatServer server) throws Exception {
        try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            s.awaitType("welcome");
            s.send("{\"type\":\"leave_message\",\"id\":\"l1\",\"name\":\"Ada\",\"email\":\"ada@example.test\","
                    + "\"text\":\"Where is my order?\"}");
            return s.awaitType("ack").path("conversationId").asText();
        }
    }

    ChatServer server(InMemoryConversationStore store, boolean replies) throws Exception {
        ChatServer.Builder b = ChatServer.builder()
                .port(0)
                .dataDir(Files.createTempDirectory("concierge-replies"))
                .store(store)
                .agents(List.of(AgentAccount.withPassword("dana", "Dana", "dana", "pw-dana", 1000)))
                .mail(smtp());
        if (replies) {
            b.replies(imap(Duration.ofSeconds(1)));
        }
        return b.start();
    }

    static List<TranscriptEvent> byEmail(InMemoryConversationStore store, String conversationId) {
        return store.events(conversationId, 0).stream()
                .filter(e -> "email".equals(e.via()))
                .toList();
    }

    @Test
    void aReplyContinuesItsConversation_asAVisitorMessageByEmail_seenByTheAgent_andLeavesTheMailbox() throws Exception {
        GreenMailUser mailbox = mailbox();
        InMemoryConversationStore store = new InMemoryConversationStore();
        try (ChatServer server = server(store, true)) {
            String id = leaveMessage(server);
            String token = AgentHttp.login(server, "dana", "pw-dana");
            try (RawSocket dana = RawSocket.connect(server, "/ws/agent")) {
                dana.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"token\":\"" + token + "\"}");
                dana.awaitType("welcome");
                dana.send("{\"type\":\"accept\",\"id\":\"a1\",\"conversationId\":\"" + id + "\"}");
                dana.awaitType("assigned");

                String address = imap(Duration.ofSeconds(1)).tokens().address("demo", id, DOMAIN);
                mailbox.deliver(gmailReply("Ada@Example.TEST", address, "<r1@mail.gmail.com>"));

                JsonNode event = dana.await(f -> f.path("type").asText().equals("event")
                        && f.path("via").asText().equals("email"));
                assertThat(event.path("conversationId").asText()).isEqualTo(id);
                assertThat(event.path("kind").asText()).isEqualTo("message");
                assertThat(event.path("author").path("role").asText()).isEqualTo("visitor");
                assertThat(event.path("text").asText())
                        .isEqualTo("Thanks, the parcel arrived this morning.\n"
                                + "The box was a bit damaged, but everything inside is fine.\n\nAda");
                assertThat(event.path("id").asText()).startsWith("mail:").hasSize(48);
            }
            await(() -> quietly(() -> inbox(mailbox) == 0), "the reply is deleted from the mailbox");
            assertThat(byEmail(store, id)).hasSize(1);
        }
    }

    @Test
    void aReplyReadAgainAfterACrashBeforeItsDeletion_isStoredOnce() throws Exception {
        GreenMailUser mailbox = mailbox();
        InMemoryConversationStore store = new InMemoryConversationStore();
        String id;
        String address;
        try (ChatServer server = server(store, true)) {
            id = leaveMessage(server);
            address = imap(Duration.ofSeconds(1)).tokens().address("demo", id, DOMAIN);
            mailbox.deliver(gmailReply("ada@example.test", address, "<crash@mail.gmail.com>"));
            await(() -> byEmail(store, id).size() == 1, "the reply is stored");
            await(() -> quietly(() -> inbox(mailbox) == 0), "and deleted");
        }
        // The state a crash between the commit and the deletion leaves: the event stored, the
        // mail still in the mailbox. A restarted server reads it again.
        mailbox.deliver(gmailReply("ada@example.test", address, "<crash@mail.gmail.com>"));
        try (ChatServer again = server(store, true)) {
            assertThat(again.baseUri().getPort()).isPositive();
            await(() -> quietly(() -> inbox(mailbox) == 0), "the mail read again is deleted");
            assertThat(byEmail(store, id)).hasSize(1);
        }
    }

    @Test
    void autoRepliesBadTokensStrangersAndEmptyReplies_areDroppedCountedAndDeleted() throws Exception {
        GreenMailUser mailbox = mailbox();
        InMemoryConversationStore store = new InMemoryConversationStore();
        String id = "c_AbC-_xyz01234567";
        store.appendAll(
                        id,
                        List.of(TranscriptEvent.offlineMessage(
                                        "l1",
                                        new dev.concierge.protocol.Author(
                                                dev.concierge.protocol.Role.VISITOR, "v1", "Ada"),
                                        "hi",
                                        "ada@example.test")
                                .stamped(1, Instant.now())),
                        List.of(new OutboundMail(
                                "x1.confirmation@" + DOMAIN,
                                id,
                                1,
                                "confirmation",
                                "demo",
                                "ada@example.test",
                                "{}",
                                Instant.now())))
                .get(10, TimeUnit.SECONDS);
        List<String> taken = new CopyOnWriteArrayList<>();
        ReplyReader.Replies router = (conversationId, from, text, clientId) -> {
            taken.add(conversationId + " " + from + " " + text);
            return CompletableFuture.completedFuture(
                    from.equals("ada@example.test") ? EmailReply.STORED : EmailReply.UNKNOWN_SENDER);
        };
        String address = imap(Duration.ofSeconds(1)).tokens().address("demo", id, DOMAIN);
        String forged = new ReplyToken(
                        "another-secret-0123456789abcdef-0123".getBytes(StandardCharsets.UTF_8), Optional.empty())
                .address("demo", id, DOMAIN);
        String otherSite = imap(Duration.ofSeconds(1)).tokens().address("shop", id, DOMAIN);
        mailbox.deliver(gmailReply("ada@example.test", address, "<ooo@x>", "Auto-Submitted: auto-replied"));
        mailbox.deliver(gmailReply("ada@example.test", address, "<ooo2@x>", "X-Autoreply: yes"));
        mailbox.deliver(gmailReply("ada@example.test", address, "<bulk@x>", "Precedence: bulk"));
        mailbox.deliver(gmailReply("ada@example.test", address, "<bounce@x>", "Return-Path: <>"));
        mailbox.deliver(gmailReply("ada@example.test", forged, "<forged@x>"));
        mailbox.deliver(gmailReply("ada@example.test", otherSite, "<site@x>"));
        mailbox.deliver(gmailReply("ada@example.test", "help@" + DOMAIN, "<notoken@x>"));
        mailbox.deliver(plain("ada@example.test", address, "<quote@x>", "> -- reply above this line --\r\n> hi\r\n"));
        mailbox.deliver(plain("ada@example.test", address, "<big@x>", "x".repeat(ReplyReader.MAX_BYTES + 1)));
        mailbox.deliver(gmailReply("mallory@example.test", address, "<mallory@x>"));
        mailbox.deliver(gmailReply("ada@example.test", address, "<good@x>", "Auto-Submitted: no"));

        try (ReplyReader reader = new ReplyReader(imap(Duration.ofSeconds(1)), store, router, false).start()) {
            await(() -> quietly(() -> inbox(mailbox) == 0), "every message is deleted");
            assertThat(reader.counts())
                    .isEqualTo(Map.of(
                            "auto_reply", 4L,
                            "no_token", 3L,
                            "empty", 1L,
                            "too_large", 1L,
                            "unknown_sender", 1L,
                            "stored", 1L));
        }
        // Only the two with a valid token, a text and no automatic mark reached the router.
        assertThat(taken).hasSize(2).allSatisfy(t -> assertThat(t).startsWith(id + " "));
        assertThat(taken.get(1)).startsWith(id + " ada@example.test Thanks, the parcel arrived");
    }

    @Test
    void aReplyLeftUnfinished_staysInTheMailbox_andIsReadAgain() throws Exception {
        GreenMailUser mailbox = mailbox();
        InMemoryConversationStore store = new InMemoryConversationStore();
        String id = "c_AbC-_xyz01234567";
        store.appendAll(
                        id,
                        List.of(TranscriptEvent.message("m1", dev.concierge.protocol.Author.SYSTEM, "x")
                                .stamped(1, Instant.now())),
                        List.of(new OutboundMail(
                                "x1.confirmation@" + DOMAIN,
                                id,
                                1,
                                "confirmation",
                                "demo",
                                "ada@example.test",
                                "{}",
                                Instant.now())))
                .get(10, TimeUnit.SECONDS);
        List<String> clientIds = new CopyOnWriteArrayList<>();
        ReplyReader.Replies failingOnce = (conversationId, from, text, clientId) -> {
            clientIds.add(clientId);
            return clientIds.size() == 1
                    ? CompletableFuture.failedFuture(new IllegalStateException("store failed"))
                    : CompletableFuture.completedFuture(EmailReply.STORED);
        };
        mailbox.deliver(gmailReply(
                "ada@example.test", imap(Duration.ofSeconds(1)).tokens().address("demo", id, DOMAIN), "<again@x>"));
        try (ReplyReader reader = new ReplyReader(imap(Duration.ofSeconds(1)), store, failingOnce, false).start()) {
            await(() -> quietly(() -> inbox(mailbox) == 0), "deleted once its outcome is final");
            assertThat(clientIds).hasSize(2).containsOnly(clientIds.get(0));
            assertThat(reader.counts()).isEqualTo(Map.of("stored", 1L));
        }
    }

    @Test
    void closingTheReaderEndsItsIdle_atOnce() throws Exception {
        mailbox();
        ReplyReader reader = new ReplyReader(
                imap(Duration.ofSeconds(1)),
                new InMemoryConversationStore(),
                (c, f, t, i) -> CompletableFuture.completedFuture(EmailReply.STORED));
        reader.start();
        await(
                () -> Thread.getAllStackTraces().keySet().stream()
                        .anyMatch(t -> t.getName().equals("concierge-reply-reader")
                                && java.util.Arrays.stream(t.getStackTrace())
                                        .anyMatch(f -> f.getMethodName().equals("idle"))),
                "the reader idles");
        long start = System.nanoTime();
        reader.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().equals("concierge-reply-reader") && t.isAlive());
    }

    @Test
    void aReaderWithoutMailbox_handlesARawReplyAsTheMailboxWould() throws Exception {
        InMemoryConversationStore store = new InMemoryConversationStore();
        String id = "c_AbC-_xyz01234567";
        store.appendAll(
                        id,
                        List.of(TranscriptEvent.message("m1", dev.concierge.protocol.Author.SYSTEM, "x")
                                .stamped(1, Instant.now())),
                        List.of(new OutboundMail(
                                "x1.confirmation@" + DOMAIN,
                                id,
                                1,
                                "confirmation",
                                "demo",
                                "ada@example.test",
                                "{}",
                                Instant.now())))
                .get(10, TimeUnit.SECONDS);
        List<String> taken = new CopyOnWriteArrayList<>();
        ReplyToken tokens = imap(Duration.ofSeconds(1)).tokens();
        ReplyReader reader = ReplyReader.withoutMailbox(tokens, store, (c, f, t, i) -> {
            taken.add(c + " " + t);
            return CompletableFuture.completedFuture(EmailReply.STORED);
        });
        String address = tokens.address("demo", id, DOMAIN);
        assertThat(reader.handle(gmailReply("ada@example.test", address, "<dev@x>"))
                        .get(10, TimeUnit.SECONDS))
                .isEqualTo("stored");
        assertThat(reader.handle(gmailReply("ada@example.test", "reply+nope@" + DOMAIN, "<dev2@x>"))
                        .get(10, TimeUnit.SECONDS))
                .isEqualTo("no_token");
        assertThat(taken).singleElement().asString().startsWith(id + " Thanks, the parcel arrived");
        assertThatThrownBy(reader::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void settingsRefuseAClearTextMailboxOffLoopback_aShortSecret_andABadPoll() {
        assertThatThrownBy(() -> new ImapSettings(
                        URI.create("imap://mail.example.com:143/INBOX"),
                        Optional.empty(),
                        Optional.empty(),
                        Duration.ofSeconds(30),
                        SECRET,
                        Optional.empty(),
                        DOMAIN))
                .hasMessageContaining("imap")
                .hasMessageContaining("loopback");
        assertThatThrownBy(() -> new ImapSettings(
                        URI.create("imaps://mail.example.com:993/INBOX"),
                        Optional.empty(),
                        Optional.empty(),
                        Duration.ofSeconds(30),
                        "short",
                        Optional.empty(),
                        DOMAIN))
                .hasMessageContaining("secret");
        assertThatThrownBy(() -> new ImapSettings(
                        URI.create("imaps://mail.example.com:993/INBOX"),
                        Optional.empty(),
                        Optional.empty(),
                        Duration.ZERO,
                        SECRET,
                        Optional.empty(),
                        DOMAIN))
                .hasMessageContaining("poll");
        assertThat(new ImapSettings(
                                URI.create("imaps://mail.example.com:993/Replies"),
                                Optional.empty(),
                                Optional.empty(),
                                Duration.ofSeconds(30),
                                SECRET,
                                Optional.empty(),
                                DOMAIN)
                        .folder())
                .isEqualTo("Replies");
        assertThat(new ImapSettings(
                                URI.create("imap://127.0.0.1:3143"),
                                Optional.empty(),
                                Optional.of("pw"),
                                Duration.ofSeconds(30),
                                SECRET,
                                Optional.empty(),
                                DOMAIN)
                        .toString())
                .doesNotContain("pw")
                .doesNotContain(SECRET);
    }
}
