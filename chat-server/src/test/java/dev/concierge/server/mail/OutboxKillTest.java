package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.server.testing.ServerProcess;
import dev.concierge.server.testing.SmtpRelay;
import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.QueuedMail;
import dev.concierge.store.JdbcConversationStore;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The outbox under {@code kill -9} (docs/email.md, "Delivery guarantees"): the real server in a
 * process of its own sends its mail through an {@link SmtpRelay} to GreenMail, and is killed while
 * a mail is in flight, at the two moments that matter, then started again on the same data:
 *
 * <ul>
 *   <li>after the mail server accepted the mail, before the server heard it did: the mail is sent
 *       again, the one duplicate allowed, with the same Message-ID and Date;
 *   <li>before the mail ended: the mail server dropped it, and the restart sends it once.
 * </ul>
 *
 * "No more copies" is shown without waiting for nothing: after the restart a later visitor leaves
 * a marker message, and the outbox is sent oldest first, so once the marker's mail arrives every
 * earlier one has been dealt with.
 */
final class OutboxKillTest {
    private static final String FROM = "Northwind help <help@northwind.example>";
    private static final Duration MAIL_WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @Test
    void killedAfterTheMailServerAccepted_theRestartSendsItAgain_withTheSameMessageIdAndDate() throws Exception {
        long started = System.nanoTime();
        Path data = Files.createTempDirectory("concierge-outbox-kill");
        try (SmtpRelay relay = SmtpRelay.to("127.0.0.1", smtp.getSmtp().getPort())) {
            String held;
            var hold = relay.holdReplyAt(1);
            try (ServerProcess server = start(data, relay)) {
                leaveMessage(server, "ada@example.test", "Please call me back");
                held = hold.get(30, TimeUnit.SECONDS);
                // GreenMail has the mail; the server still waits for its 250.
                assertThat(smtp.waitForIncomingEmail(MAIL_WAIT.toMillis(), 1)).isTrue();
                server.kill();
            }
            relay.passAll();
            try (ServerProcess server = start(data, relay)) {
                leaveMessage(server, "marker@example.test", "marker");
                awaitMailTo("marker@example.test");
                assertThat(server.terminate()).isIn(0, 143);
            }
            List<MimeMessage> toAda = to("ada@example.test");
            assertThat(toAda).as("the held mail, accepted twice").hasSize(2);
            assertThat(ids(toAda)).containsExactly("<" + held + ">", "<" + held + ">");
            assertThat(header(toAda.get(1), "Date")).isEqualTo(header(toAda.get(0), "Date"));
            assertThat(header(toAda.get(1), "Subject")).isEqualTo(header(toAda.get(0), "Subject"));
            assertThat(to("marker@example.test")).hasSize(1);
            assertThat(smtp.getReceivedMessages()).hasSize(3);
        }
        Map<String, QueuedMail> rows = outbox(data);
        assertThat(rows).hasSize(2);
        assertThat(rows.values()).allSatisfy(q -> assertThat(q.state()).isEqualTo(MailState.SENT));
        assertThat(rows.values())
                .filteredOn(q -> q.mail().recipient().equals("ada@example.test"))
                .singleElement()
                .satisfies(q -> assertThat(q.attempts()).isEqualTo(2));
        System.out.printf("outbox kill after acceptance: %d ms%n", elapsedMillis(started));
    }

    @Test
    void killedBeforeTheMailEnded_theRestartSendsItOnce() throws Exception {
        long started = System.nanoTime();
        Path data = Files.createTempDirectory("concierge-outbox-kill");
        try (SmtpRelay relay = SmtpRelay.to("127.0.0.1", smtp.getSmtp().getPort())) {
            String held;
            var hold = relay.holdEndAt(1);
            try (ServerProcess server = start(data, relay)) {
                leaveMessage(server, "ada@example.test", "Please call me back");
                held = hold.get(30, TimeUnit.SECONDS);
                server.kill();
            }
            relay.passAll();
            try (ServerProcess server = start(data, relay)) {
                leaveMessage(server, "marker@example.test", "marker");
                awaitMailTo("marker@example.test");
                assertThat(server.terminate()).isIn(0, 143);
            }
            assertThat(ids(to("ada@example.test"))).containsExactly("<" + held + ">");
            assertThat(to("marker@example.test")).hasSize(1);
            assertThat(smtp.getReceivedMessages()).hasSize(2);
        }
        assertThat(outbox(data).values()).hasSize(2).allSatisfy(q -> assertThat(q.state())
                .isEqualTo(MailState.SENT));
        System.out.printf("outbox kill before the end of the mail: %d ms%n", elapsedMillis(started));
    }

    /**
     * Thirty left messages, and a kill while their confirmations go out, the tenth held after its
     * acceptance: every confirmation arrives, once, except the one in flight at the kill, which
     * arrives twice; the twenty after it, claimed or not when the server died, arrive once.
     */
    @Test
    void thirtyLeftMessages_killedMidOutbox_everyMailArrives_onlyTheOneInFlightTwice() throws Exception {
        long started = System.nanoTime();
        int visitors = 30;
        Path data = Files.createTempDirectory("concierge-outbox-kill");
        List<String> inFlight = new ArrayList<>();
        try (SmtpRelay relay = SmtpRelay.to("127.0.0.1", smtp.getSmtp().getPort())) {
            var hold = relay.holdReplyAt(10);
            try (ServerProcess server = start(data, relay)) {
                for (int v = 0; v < visitors; v++) {
                    leaveMessage(server, address(v), "message of visitor " + v);
                }
                inFlight.add(hold.get(30, TimeUnit.SECONDS));
                // Nine sent, the tenth accepted but not acknowledged, twenty still in the outbox.
                assertThat(relay.relayed()).hasSize(10);
                server.kill();
            }
            relay.passAll();
            try (ServerProcess server = start(data, relay)) {
                leaveMessage(server, "marker@example.test", "marker");
                awaitMailTo("marker@example.test");
                assertThat(server.terminate()).isIn(0, 143);
            }
            Map<String, List<MimeMessage>> byId = Arrays.stream(smtp.getReceivedMessages())
                    .collect(Collectors.groupingBy(OutboxKillTest::id, TreeMap::new, Collectors.toList()));
            Set<String> recipients = byId.values().stream()
                    .map(copies -> recipient(copies.get(0)))
                    .collect(Collectors.toSet());
            for (int v = 0; v < visitors; v++) {
                assertThat(recipients)
                        .as("a confirmation reached visitor %d", v)
                        .contains(address(v));
            }
            assertThat(byId).hasSize(visitors + 1);
            Map<String, Integer> copies = new TreeMap<>();
            byId.forEach((id, list) -> copies.put(id, list.size()));
            Map<String, Integer> expected = new TreeMap<>();
            byId.keySet().forEach(id -> expected.put(id, inFlight.contains(strip(id)) ? 2 : 1));
            assertThat(copies).as("copies per Message-ID").isEqualTo(expected);
            for (String id : inFlight) {
                List<MimeMessage> twice = byId.get("<" + id + ">");
                assertThat(header(twice.get(1), "Date")).isEqualTo(header(twice.get(0), "Date"));
            }
        }
        assertThat(outbox(data).values()).hasSize(visitors + 1).allSatisfy(q -> assertThat(q.state())
                .isEqualTo(MailState.SENT));
        System.out.printf("outbox, 30 mails, kill in the middle: %d ms%n", elapsedMillis(started));
    }

    /**
     * The server on {@code data}, sending through {@code relay}. Its JVM compiles with C1 only
     * ({@code TieredStopAtLevel=1}): these runs are seconds long, and on a busy 2-core machine
     * the optimising compiler's start-up work is most of a start's time.
     */
    private static ServerProcess start(Path data, SmtpRelay relay) throws Exception {
        long started = System.nanoTime();
        ServerProcess server = ServerProcess.start(
                data,
                0,
                Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1"),
                "--smtp",
                "smtp://127.0.0.1:" + relay.port(),
                "--mail-from",
                FROM);
        System.out.printf("server listening after %d ms%n", elapsedMillis(started));
        return server;
    }

    /** A visitor leaves a message with their address; returns once it is stored (acknowledged). */
    static void leaveMessage(ServerProcess server, String email, String text) throws Exception {
        try (RawSocket s = RawSocket.connect(server.baseUri(), "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            s.awaitType("welcome");
            s.send("{\"type\":\"leave_message\",\"id\":\"l1\",\"name\":\"Visitor\",\"email\":\"" + email
                    + "\",\"text\":\"" + text + "\"}");
            JsonNode reply = s.await(f -> f.path("ref").asText().equals("l1"));
            assertThat(reply.path("type").asText())
                    .as("reply to leave_message: %s", reply)
                    .isEqualTo("ack");
        }
    }

    private void awaitMailTo(String address) {
        Await.value(
                "a mail to " + address, MAIL_WAIT, () -> to(address).isEmpty() ? Optional.empty() : Optional.of(true));
    }

    private List<MimeMessage> to(String address) {
        return Arrays.stream(smtp.getReceivedMessages())
                .filter(m -> recipient(m).equals(address))
                .toList();
    }

    private static String address(int visitor) {
        return "visitor" + visitor + "@example.test";
    }

    private static String recipient(MimeMessage m) {
        try {
            return m.getAllRecipients()[0].toString();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String id(MimeMessage m) {
        try {
            return m.getMessageID();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> ids(List<MimeMessage> messages) {
        return messages.stream().map(OutboxKillTest::id).toList();
    }

    private static String strip(String bracketed) {
        return bracketed.substring(1, bracketed.length() - 1);
    }

    private static String header(MimeMessage m, String name) throws MessagingException {
        return m.getHeader(name)[0];
    }

    /** Every outbox row in {@code data}'s store (the server stopped), by Message-ID. */
    private static Map<String, QueuedMail> outbox(Path data) {
        Map<String, QueuedMail> rows = new TreeMap<>();
        try (JdbcConversationStore store = JdbcConversationStore.sqlite(data)) {
            store.openConversations().forEach(c -> store.mailOf(c.id())
                    .forEach(q -> rows.put(q.mail().messageId(), q)));
        }
        return rows;
    }

    private static long elapsedMillis(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
