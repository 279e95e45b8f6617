package dev.concierge.server;

import static dev.concierge.server.WebhookEndToEndTest.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ChatTurns;
import dev.concierge.server.testing.WebhookApi;
import dev.concierge.server.testing.WebhookReceiver.Request;
import dev.concierge.server.webhook.WebhookTypes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Endpoints that fail: paused by the (scaled) rule, at once on 410, resumed with their backlog in
 * order; and a target the allow list refuses, at create and at delivery (docs/webhooks.md).
 */
final class WebhookPauseEndToEndTest {
    @RegisterExtension
    final WebhookFixture fx = new WebhookFixture();

    @Test
    void anEndpointFailingEverything_isPaused_andResumeDeliversTheBacklogInOrder() throws Exception {
        JsonNode endpoint = endpointAnswering("/down", 503);
        String id = endpoint.path("id").asText();
        try (ChatTurns chat = ChatTurns.open(fx.server.baseUri())) {
            JsonNode paused = pausedAfterAQuestion(chat, id);
            assertThat(paused.path("pausedReason").asText()).isNotBlank();
            assertThat(paused.path("pausedAt").isTextual()).isTrue();
            assertThat(paused.path("failingSince").isTextual()).isTrue();
            assertThat(paused.path("consecutiveFailures").asInt()).isGreaterThanOrEqualTo(5);
            List<Request> failed = fx.receiver.requests();
            assertThat(failed).hasSizeGreaterThanOrEqualTo(5).allSatisfy(r -> {
                assertThat(r.answered()).isEqualTo(503);
                assertThat(r.id())
                        .as("the lane's head, tried again and again")
                        .isEqualTo(failed.get(0).id());
            });
            assertThat(failed.get(0).type()).isEqualTo(WebhookTypes.CONVERSATION_STARTED);
            assertThat(Duration.between(
                            failed.get(0).arrived(),
                            failed.get(failed.size() - 1).arrived()))
                    .as("failing for the 2 s of the scaled rule (five failures take 0.7 s)")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(1500));

            chat.ask("How do I return an item?");
            fx.receiver.answer("/down", 200);
            JsonNode resumed = fx.api.resume(id);
            assertThat(resumed.path("state").asText()).isEqualTo("active");
            int expected = 1
                    + (int) chat.events().stream()
                            .filter(e -> !e.path("kind").asText().equals("queued"))
                            .count();
            fx.receiver.await("the backlog", WAIT, expected, r -> r.answered() == 200);
            List<Request> firsts = List.copyOf(
                    WebhookEndToEndTest.firstArrivals(fx.receiver.requests()).values());
            assertThat(firsts).hasSize(expected);
            WebhookEndToEndTest.assertBodiesMatchTheTranscript(chat, firsts);
        }
        String secret = endpoint.path("secret").asText();
        assertThat(fx.receiver.requests())
                .allSatisfy(r -> assertThat(r.verifies(secret)).isTrue());
        JsonNode after = Await.value("the endpoint's streak reset", WAIT, () -> {
            JsonNode e = fx.api.endpoint(id);
            return e.path("consecutiveFailures").asInt() == 0 ? Optional.of(e) : Optional.empty();
        });
        assertThat(after.path("state").asText()).isEqualTo("active");
        assertThat(after.path("lastSuccessAt").isTextual()).isTrue();
    }

    @Test
    void aReceiverAnswering410_pausesTheEndpointAtOnce() throws Exception {
        JsonNode endpoint = endpointAnswering("/gone", 410);
        String id = endpoint.path("id").asText();
        try (ChatTurns chat = ChatTurns.open(fx.server.baseUri())) {
            JsonNode paused = pausedAfterAQuestion(chat, id);
            assertThat(paused.path("pausedReason").asText()).contains("410");
            assertThat(paused.path("consecutiveFailures").asInt()).isEqualTo(1);
            assertThat(fx.receiver.requests()).singleElement().satisfies(r -> assertThat(r.answered())
                    .isEqualTo(410));
            List<JsonNode> log = fx.api.deliveries(id);
            assertThat(log)
                    .filteredOn(d -> d.path("attempts").asInt() > 0)
                    .singleElement()
                    .satisfies(d -> {
                        assertThat(d.path("lastStatus").asInt()).isEqualTo(410);
                        assertThat(d.path("state").asText()).isEqualTo("pending");
                    });
        }
    }

    @Test
    void aLoopbackTarget_isRefusedAtCreate_withoutTheAllowance(@TempDir Path other) {
        try (ChatServer strict = WebhookServers.start(other, List.of("--webhook-allow-http"))) {
            WebhookApi strictApi = new WebhookApi(strict.baseUri(), WebhookServers.ADMIN_TOKEN);
            WebhookApi.Reply refused = strictApi.tryCreate("demo", fx.receiver.url("/l"), WebhookTypes.ALL);
            assertThat(refused.status()).as("answer: %s", refused.json()).isEqualTo(400);
            assertThat(refused.json().path("error").asText()).isEqualTo("bad_request");
            assertThat(refused.json().path("message").asText()).contains("loopback");
        }
    }

    @Test
    void aLoopbackTarget_isRefusedAtDelivery_andLogged_whenTheAllowListNoLongerHasIt() throws Exception {
        String id = fx.api
                .create("demo", fx.receiver.url("/l"), WebhookTypes.ALL)
                .path("id")
                .asText();
        fx.restart(List.of("--webhook-allow-http", "--webhook-backoff", "100ms"));
        try (ChatTurns chat = ChatTurns.open(fx.server.baseUri())) {
            chat.ask("Where is my order?");
            // An attempt is counted when it is claimed; its error once its outcome is recorded.
            JsonNode entry = Await.value("a refused attempt in the log", WAIT, () -> fx.api.deliveries(id).stream()
                    .filter(d -> d.path("attempts").asInt() > 0
                            && d.path("lastError").isTextual())
                    .findFirst());
            assertThat(entry.path("lastError").asText()).contains("loopback");
            JsonNode detail = fx.api.delivery(entry.path("id").asText());
            JsonNode first = detail.path("attemptLog").get(0);
            assertThat(first.path("error").asText()).contains("refused", "loopback");
            assertThat(first.path("status").isNull() || first.path("status").isMissingNode())
                    .as("no response: nothing was sent")
                    .isTrue();
        }
        assertThat(fx.receiver.requests()).as("the receiver never heard of it").isEmpty();
    }

    /** An endpoint for {@code path} of the receiver, which answers {@code status} there. */
    private JsonNode endpointAnswering(String path, int status) {
        fx.receiver.answer(path, status);
        return fx.api.create("demo", fx.receiver.url(path), WebhookTypes.ALL);
    }

    /** The endpoint {@code id}, once paused after the webhooks of a question in {@code chat}. */
    private JsonNode pausedAfterAQuestion(ChatTurns chat, String id) throws InterruptedException {
        chat.ask("Where is my order?");
        return awaitState(id, "paused");
    }

    private JsonNode awaitState(String id, String state) {
        return Await.value("endpoint " + id + " " + state, WAIT, () -> {
            JsonNode e = fx.api.endpoint(id);
            return e.path("state").asText().equals(state) ? Optional.of(e) : Optional.empty();
        });
    }
}
