package dev.concierge.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.server.testing.WebhookReceiver.Answer;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The test receiver: its verifier against the Standard Webhooks vector, its scripts, holds and refusals. */
final class WebhookReceiverTest {
    // The test vector published with the Standard Webhooks libraries.
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final String TIMESTAMP = "1614265330";
    private static final String BODY = "{\"test\": 2432232314}";
    private static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static final Clock AT_SEND = Clock.fixed(Instant.ofEpochSecond(1614265330 + 10), ZoneOffset.UTC);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void verifier_acceptsTheStandardVector_andRefusesAnyChange() {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookVerifier.verify(SECRET, ID, TIMESTAMP, body, SIGNATURE))
                .isTrue();
        assertThat(WebhookVerifier.verify(SECRET, ID, TIMESTAMP, body, "v1,bm90IGl0 " + SIGNATURE))
                .as("during a rotation the second signature counts")
                .isTrue();
        assertThat(WebhookVerifier.verify(SECRET, ID, TIMESTAMP, "{\"test\": 2432232315}".getBytes(), SIGNATURE))
                .isFalse();
        assertThat(WebhookVerifier.verify(SECRET, "msg_other", TIMESTAMP, body, SIGNATURE))
                .isFalse();
        assertThat(WebhookVerifier.verify(SECRET, ID, "1614265331", body, SIGNATURE))
                .isFalse();
        assertThat(WebhookVerifier.verify("whsec_" + "A".repeat(32), ID, TIMESTAMP, body, SIGNATURE))
                .isFalse();
        assertThat(WebhookVerifier.verify(SECRET, ID, TIMESTAMP, body, SIGNATURE.replace("v1,", "v2,")))
                .isFalse();
        assertThat(WebhookVerifier.verify(SECRET, ID, TIMESTAMP, body, "")).isFalse();
    }

    @Test
    void verifier_theReplayWindowIsFiveMinutesEitherWay() {
        Instant sent = Instant.ofEpochSecond(Long.parseLong(TIMESTAMP));
        assertThat(WebhookVerifier.fresh(TIMESTAMP, sent.plusSeconds(300))).isTrue();
        assertThat(WebhookVerifier.fresh(TIMESTAMP, sent.minusSeconds(300))).isTrue();
        assertThat(WebhookVerifier.fresh(TIMESTAMP, sent.plusSeconds(301))).isFalse();
        assertThat(WebhookVerifier.fresh(TIMESTAMP, sent.minusSeconds(301))).isFalse();
        assertThat(WebhookVerifier.fresh("soon", sent)).isFalse();
    }

    @Test
    void recordsEveryRequest_inOrder_withHeadersAndBody_andVerifiesAtArrival() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start(AT_SEND)) {
            assertThat(post(receiver, "/a", "c_1", 1).statusCode()).isEqualTo(200);
            assertThat(post(receiver, "/b", "c_2", 1).statusCode()).isEqualTo(200);
            assertThat(receiver.requests()).hasSize(2);
            WebhookReceiver.Request first = receiver.requests().get(0);
            assertThat(first.index()).isEqualTo(1);
            assertThat(first.path()).isEqualTo("/a");
            assertThat(first.id()).isEqualTo(ID);
            assertThat(first.conversation()).isEqualTo("c_1");
            assertThat(first.seq()).isEqualTo(1);
            assertThat(first.type()).isEqualTo("message.created");
            assertThat(first.bodyText()).isEqualTo(BODY);
            assertThat(first.answered()).isEqualTo(200);
            assertThat(first.verifies(SECRET)).isTrue();
            assertThat(first.verifies("whsec_" + "A".repeat(32))).isFalse();
            assertThat(receiver.conversations()).containsExactly("c_1", "c_2");
        }
        try (WebhookReceiver late = WebhookReceiver.start(Clock.offset(AT_SEND, java.time.Duration.ofMinutes(6)))) {
            post(late, "/a", "c_1", 1);
            assertThat(late.requests().get(0).verifies(SECRET))
                    .as("signed six minutes before it arrived")
                    .isFalse();
        }
    }

    @Test
    void scripts_answerOneEventOfOneConversation_thenAsUsual_andPathsTheirStatus() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start(AT_SEND)) {
            receiver.script(1, 3, Answer.status(500), Answer.status(503));
            receiver.answer("/gone", 410);
            assertThat(post(receiver, "/a", "c_1", 2).statusCode()).isEqualTo(200);
            assertThat(post(receiver, "/a", "c_2", 3).statusCode())
                    .as("the second conversation's seq 3")
                    .isEqualTo(200);
            assertThat(post(receiver, "/a", "c_1", 3).statusCode()).isEqualTo(500);
            assertThat(post(receiver, "/a", "c_1", 3).statusCode()).isEqualTo(503);
            assertThat(post(receiver, "/a", "c_1", 3).statusCode()).isEqualTo(200);
            assertThat(post(receiver, "/gone", "c_1", 4).statusCode()).isEqualTo(410);
            assertThat(receiver.requests().stream().map(WebhookReceiver.Request::answered))
                    .containsExactly(200, 200, 500, 503, 200, 410);
        }
    }

    @Test
    void holds_keepTheAnswerUntilReleased() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start(AT_SEND)) {
            receiver.holdFrom(2);
            assertThat(post(receiver, "/a", "c_1", 1).statusCode()).isEqualTo(200);
            CompletableFuture<HttpResponse<String>> second = postAsync(receiver, "c_1", 2);
            CompletableFuture<HttpResponse<String>> third = postAsync(receiver, "c_2", 1);
            Await.until("two answers held", () -> receiver.held() == 2);
            assertThat(receiver.requests()).hasSize(3);
            assertThat(second).isNotDone();
            receiver.answerFreely();
            assertThat(second.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(third.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            Await.until("released", () -> receiver.held() == 0);
            assertThat(receiver.requests().stream().map(WebhookReceiver.Request::held))
                    .containsExactly(false, true, true);
            assertThat(post(receiver, "/a", "c_1", 3).statusCode()).isEqualTo(200);

            receiver.script(1, 4, Answer.heldThen(500));
            CompletableFuture<HttpResponse<String>> scripted = postAsync(receiver, "c_1", 4);
            Await.until("the scripted answer held", () -> receiver.held() == 1);
            receiver.answerFreely();
            assertThat(scripted.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(500);
        }
    }

    @Test
    void refusing_closesThePort_andListeningAgainUsesTheSamePort() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start(AT_SEND)) {
            int port = receiver.port();
            receiver.refuse();
            assertThatThrownBy(() -> post(receiver, "/a", "c_1", 1)).isInstanceOf(ConnectException.class);
            receiver.listen();
            assertThat(receiver.port()).isEqualTo(port);
            assertThat(post(receiver, "/a", "c_1", 1).statusCode()).isEqualTo(200);
            assertThat(receiver.requests()).hasSize(1);
        }
    }

    private static HttpRequest request(WebhookReceiver receiver, String path, String conversation, long seq) {
        return HttpRequest.newBuilder(receiver.url(path))
                .header("webhook-id", ID)
                .header("webhook-timestamp", TIMESTAMP)
                .header("webhook-signature", SIGNATURE)
                .header("concierge-event-type", "message.created")
                .header("concierge-conversation", conversation)
                .header("concierge-seq", String.valueOf(seq))
                .POST(HttpRequest.BodyPublishers.ofString(BODY))
                .build();
    }

    private static HttpResponse<String> post(WebhookReceiver receiver, String path, String conversation, long seq)
            throws Exception {
        return HTTP.send(request(receiver, path, conversation, seq), HttpResponse.BodyHandlers.ofString());
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(
            WebhookReceiver receiver, String conversation, long seq) {
        return HTTP.sendAsync(request(receiver, "/a", conversation, seq), HttpResponse.BodyHandlers.ofString());
    }
}
