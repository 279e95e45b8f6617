package dev.concierge.server;

import static dev.concierge.server.WebhookEndToEndTest.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ChatTurns;
import dev.concierge.server.testing.WebhookApi;
import dev.concierge.server.testing.WebhookReceiver;
import dev.concierge.server.webhook.WebhookTypes;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An endpoint the sender pauses is told once, by email through a real SMTP server, to the admins
 * who asked for {@code webhook_paused} (docs/integrations.md, "Resume and rotate"); a pause the
 * admin makes is not.
 */
final class WebhookPauseAlertTest {
    @RegisterExtension
    static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    private static final String HASH =
            AgentAccount.withPassword("x", "X", "x", "pw", 1000).passwordHash();

    @TempDir
    Path data;

    WebhookReceiver receiver;
    ChatServer server;
    WebhookApi api;

    @BeforeEach
    void start() throws Exception {
        Path team = data.resolve("agents.json");
        Files.writeString(
                team,
                "{\"agents\":["
                        + agent("ana", "Ana Admin", "[\"admin\"]", "[\"webhook_paused\"]") + ","
                        + agent("bo", "Bo Admin", "[\"admin\"]", "[\"follow_up\"]") + "]}");
        receiver = WebhookReceiver.start();
        List<String> flags = new ArrayList<>(WebhookServers.TEST_FLAGS);
        flags.addAll(List.of(
                "--agents",
                team.toString(),
                "--smtp",
                "smtp://127.0.0.1:" + SMTP.getSmtp().getPort(),
                "--mail-from",
                "Concierge <alerts@concierge.example>"));
        server = WebhookServers.start(Files.createDirectories(data.resolve("store")), flags);
        api = new WebhookApi(server.baseUri(), WebhookServers.ADMIN_TOKEN);
    }

    private static String agent(String id, String name, String roles, String alerts) {
        return "{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"username\":\"" + id + "\",\"passwordHash\":\""
                + HASH + "\",\"roles\":" + roles + ",\"email\":\"" + id + "@team.example\",\"emailAlerts\":"
                + alerts + "}";
    }

    @AfterEach
    void stop() {
        server.close();
        receiver.close();
    }

    @Test
    void aFailingEndpoint_pausedBySender_isMailedOnceToTheAdminsWhoAsked_andAnAdminsPauseIsNot() throws Exception {
        receiver.answer("/down", 500);
        URI url = URI.create(receiver.url("/down") + "?token=receiver-s3cret");
        JsonNode created = api.create("demo", url, WebhookTypes.ALL);
        String id = created.path("id").asText();
        try (ChatTurns chat = ChatTurns.open(server.baseUri())) {
            chat.ask("Where is my order?");
            JsonNode paused = awaitState(id, "paused");
            long waiting = api.deliveries(id).stream()
                    .filter(d -> d.path("state").asText().equals("pending"))
                    .count();

            assertThat(SMTP.waitForIncomingEmail(WAIT.toMillis(), 1)).isTrue();
            MimeMessage first = SMTP.getReceivedMessages()[0];
            assertThat(first.getAllRecipients()).extracting(Object::toString).containsExactly("ana@team.example");
            assertThat(first.getSubject()).isEqualTo("Webhook paused: " + receiver.url("/down"));
            assertThat(first.getHeader("Auto-Submitted")).containsExactly("auto-generated");
            assertThat(first.getHeader("Reply-To")).as("no reply address").isNull();
            String text = part(first, 0);
            assertThat(text)
                    .startsWith("Hello Ana Admin,")
                    .contains("A webhook endpoint of the site demo kept failing and was paused")
                    .contains("Endpoint: " + id + " ("
                            + created.path("description").asText() + ")\n")
                    .contains("URL: " + receiver.url("/down") + "\n")
                    .contains("Reason: " + paused.path("pausedReason").asText() + "\n")
                    .contains("Paused since: ")
                    .contains("Deliveries waiting: " + waiting + "\n")
                    .contains("curl -sS -X POST \"$CONCIERGE/api/v1/webhooks/" + id + "/resume\"")
                    .doesNotContain("s3cret");
            assertThat(waiting).as("the question's webhooks wait").isPositive();
            assertThat(paused.path("pausedReason").asText()).startsWith("no 2xx since");
            assertThat(part(first, 1)).contains(id + "/resume").doesNotContain("s3cret");

            // The receiver is fixed and the backlog goes out; then the admin pauses the endpoint
            // (no mail), resumes it, and the receiver answers 410: the sender pauses it again.
            receiver.answer("/down", 200);
            api.resume(id);
            Await.until("the backlog delivered", () -> api.deliveries(id).stream()
                    .noneMatch(d -> d.path("state").asText().equals("pending")));
            WebhookApi.Reply byAdmin = api.call("PATCH", "/api/v1/webhooks/" + id, "{\"state\":\"paused\"}");
            assertThat(byAdmin.status()).as("answer: %s", byAdmin.json()).isEqualTo(200);
            api.resume(id);
            receiver.answer("/down", 410);
            chat.ask("And my refund?");
            awaitState(id, "paused");

            // Mails go out oldest first: one made by the admin's pause would come before this one.
            assertThat(SMTP.waitForIncomingEmail(WAIT.toMillis(), 2)).isTrue();
            MimeMessage[] mails = SMTP.getReceivedMessages();
            assertThat(mails).hasSize(2);
            assertThat(part(mails[1], 0)).contains("Reason: receiver answered 410 Gone\n");
            assertThat(mails[1].getMessageID()).isNotEqualTo(first.getMessageID());
            assertThat(mails[1].getAllRecipients()).extracting(Object::toString).containsExactly("ana@team.example");
        }
    }

    /** Part {@code index} of {@code m}, its lines ending in LF. */
    private static String part(MimeMessage m, int index) throws Exception {
        String text =
                (String) ((MimeMultipart) m.getContent()).getBodyPart(index).getContent();
        return text.replace("\r\n", "\n");
    }

    private JsonNode awaitState(String id, String state) {
        return Await.value("endpoint " + id + " " + state, WAIT, () -> {
            JsonNode e = api.endpoint(id);
            return e.path("state").asText().equals(state) ? Optional.of(e) : Optional.empty();
        });
    }
}
