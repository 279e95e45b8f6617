package dev.concierge.server.webhook;

import static dev.concierge.server.testing.FakeIntegrationStore.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.FakeIntegrationStore;
import dev.concierge.server.testing.FakeIntegrationStore.Row;
import dev.concierge.server.testing.MutableClock;
import dev.concierge.server.webhook.ScriptedTransport.Call;
import dev.concierge.store.IntegrationStore.DeliveryState;
import dev.concierge.store.IntegrationStore.EndpointState;
import dev.concierge.store.IntegrationStore.Outcome;
import dev.concierge.store.IntegrationStore.Result;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The webhook sender's outcomes, over an in-memory outbox with the store's rules and a scripted
 * transport, its time injected: signatures, the backoff schedule and its jitter, Retry-After, the
 * 24-hour deadline, the pause rule, and no request from a node that no longer decides.
 */
class WebhookSenderTest {
    static final String SECRET =
            "whsec_" + Base64.getEncoder().encodeToString("k".repeat(32).getBytes());

    final MutableClock clock = new MutableClock(T0);
    final FakeIntegrationStore store = new FakeIntegrationStore(clock);
    final ScriptedTransport transport = new ScriptedTransport();
    final List<Result> reported = new ArrayList<>();
    final AtomicInteger pausedGauge = new AtomicInteger(-1);
    final AtomicBoolean deciding = new AtomicBoolean(true);

    final WebhookSender.Listener listener = new WebhookSender.Listener() {
        @Override
        public void outcome(Result result) {
            reported.add(result);
        }

        @Override
        public void pausedEndpoints(int count) {
            pausedGauge.set(count);
        }
    };

    WebhookSender sender(WebhookSettings settings) {
        return new WebhookSender(
                store, transport, settings, clock, () -> 0.5, "node-a", deciding::get, listener, Duration.ofDays(1));
    }

    WebhookSender sender(List<Duration> schedule) {
        return sender(WebhookSettings.DEFAULTS.backoff(schedule).pauseAfter(Duration.ofDays(30), 1000));
    }

    /** Verifies a Standard Webhooks signature header with code of its own: any of its {@code v1,} entries. */
    static boolean verifies(String secret, Call call) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
            byte[] signed = (call.header("webhook-id") + "." + call.header("webhook-timestamp") + "." + call.body())
                    .getBytes(StandardCharsets.UTF_8);
            String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed));
            return List.of(call.header("webhook-signature").split(" ")).contains(expected);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void delivery_isSignedWithItsHeaders_andRecordedDelivered() {
        store.endpoint("whe_a", "https://hooks.example/in?token=x", SECRET, 8);
        Row row = store.enqueue("whe_a", "c_1", 12);
        WebhookSender sender = sender(WebhookSettings.DEFAULTS);

        assertThat(sender.round()).isEqualTo(1);
        Call call = transport.last();
        assertThat(call.request().url()).hasToString("https://hooks.example/in?token=x");
        assertThat(call.request().headers())
                .containsEntry("webhook-id", row.eventId)
                .containsEntry("webhook-timestamp", Long.toString(T0.getEpochSecond()))
                .containsEntry("concierge-event-type", "message.created")
                .containsEntry("concierge-conversation", "c_1")
                .containsEntry("concierge-seq", "12")
                .containsEntry("concierge-attempt", "1")
                .containsEntry("Content-Type", "application/json")
                .containsEntry("User-Agent", "Concierge-Webhooks/1");
        assertThat(call.request().body()).isEqualTo(row.body.getBytes(StandardCharsets.UTF_8));
        assertThat(call.header("webhook-signature")).startsWith("v1,").doesNotContain(" ");
        assertThat(verifies(SECRET, call)).isTrue();
        assertThat(WebhookSignature.verify(
                        SECRET,
                        row.eventId,
                        call.header("webhook-timestamp"),
                        call.request().body(),
                        call.header("webhook-signature"),
                        T0,
                        Duration.ofMinutes(5)))
                .isTrue();
        assertThat(row.state).isEqualTo(DeliveryState.SENDING);
        assertThat(row.deadlineAt).isEqualTo(T0.plus(Duration.ofHours(24)));

        call.answer(ScriptedTransport.status(204));
        sender.round();
        assertThat(row.state).isEqualTo(DeliveryState.DELIVERED);
        Outcome outcome = store.outcomes.get(0);
        assertThat(outcome.result()).isEqualTo(Result.DELIVERED);
        assertThat(outcome.status()).isEqualTo(204);
        assertThat(outcome.attempt()).isEqualTo(1);
        assertThat(reported).containsExactly(Result.DELIVERED);
        assertThat(store.claimCalls.get(0).get(0).node()).isEqualTo("node-a");
    }

    @Test
    void duringARotation_bothSecretsSign_theNewFirst_untilThePreviousOneEnds() {
        store.endpoint("whe_a", "https://hooks.example/in", SECRET, 8);
        String newer = "whsec_" + Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
        store.rotate("whe_a", newer, T0.plus(Duration.ofHours(24)));
        store.enqueue("whe_a", "c_1", 1);
        WebhookSender sender = sender(List.of(Duration.ofHours(20)));

        sender.round();
        String[] signatures = transport.last().header("webhook-signature").split(" ");
        assertThat(signatures).hasSize(2);
        assertThat(verifies(newer, transport.last())).isTrue();
        assertThat(verifies(SECRET, transport.last())).isTrue();
        assertThat(signatures[0])
                .isEqualTo(WebhookSignature.sign(
                        newer,
                        transport.last().header("webhook-id"),
                        T0.getEpochSecond(),
                        transport.last().request().body()));

        store.enqueue("whe_a", "c_2", 1);
        clock.advance(Duration.ofHours(24));
        sender.round();
        assertThat(transport.last().header("webhook-signature")).doesNotContain(" ");
        assertThat(verifies(newer, transport.last())).isTrue();
        assertThat(verifies(SECRET, transport.last())).isFalse();
    }

    @Test
    void failures_areRetriedOnTheSchedule_sameId_newTimestamp_theLastStepRepeating() {
        store.endpoint("whe_a", "https://hooks.example/in", SECRET, 8);
        Row row = store.enqueue("whe_a", "c_1", 1);
        transport.script = r -> Optional.of(ScriptedTransport.status(500));
        WebhookSender sender = sender(List.of(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(5)));

        List<Duration> waits = new ArrayList<>();
        for (int attempt = 1; attempt <= 5; attempt++) {
            assertThat(sender.round()).isEqualTo(1);
            Call call = transport.last();
            assertThat(call.header("concierge-attempt")).isEqualTo(Integer.toString(attempt));
            assertThat(call.header("webhook-id")).isEqualTo(row.eventId);
            assertThat(call.header("webhook-timestamp"))
                    .isEqualTo(Long.toString(clock.instant().getEpochSecond()));
            assertThat(verifies(SECRET, call)).isTrue();
            sender.round(); // records the 500
            assertThat(row.state).isEqualTo(DeliveryState.PENDING);
            Duration wait = Duration.between(clock.instant(), row.nextAttemptAt);
            waits.add(wait);
            clock.advance(wait.minusSeconds(1));
            assertThat(sender.round()).as("not sent before its backoff ends").isZero();
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(waits)
                .containsExactly(
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(60),
                        Duration.ofMinutes(5),
                        Duration.ofMinutes(5),
                        Duration.ofMinutes(5));
        assertThat(reported).containsOnly(Result.RETRY).hasSize(5);
        assertThat(store.outcomes.get(0).status()).isEqualTo(500);
        assertThat(store.outcomes.get(0).error()).isEqualTo("HTTP 500");
    }

    @Test
    void aRetryPastTheDeadline_isRecordedExpired_andNeverSentAgain() {
        store.endpoint("whe_a", "https://hooks.example/in", SECRET, 8);
        Row row = store.enqueue("whe_a", "c_1", 1);
        transport.script = r -> Optional.of(ScriptedTransport.status(503));
        WebhookSender sender = sender(List.of(Duration.ofHours(10)));

        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThat(sender.round()).isEqualTo(1);
            sender.round();
            clock.advance(Duration.ofHours(10));
        }
        // Attempts at 0 h, 10 h, 20 h: the next would be at 30 h, after the deadline at 24 h.
        assertThat(row.state).isEqualTo(DeliveryState.EXPIRED);
        assertThat(row.deadlineAt).isEqualTo(T0.plus(Duration.ofHours(24)));
        assertThat(reported).containsExactly(Result.RETRY, Result.RETRY, Result.EXPIRED);
        assertThat(store.outcomes.get(2).nextAttemptAt()).isNull();
        clock.advance(Duration.ofDays(2));
        assertThat(sender.round()).isZero();
        assertThat(transport.calls).hasSize(3);
    }

    @Test
    void deliveriesFoundPastTheirDeadline_areClaimedThenExpiredWithoutARequest() {
        store.endpoint("whe_a", "https://hooks.example/in", SECRET, 8);
        Row sending = store.enqueue("whe_a", "c_1", 1);
        sending.state = DeliveryState.SENDING; // left by a sender that stopped long ago
        sending.attempts = 4;
        sending.deadlineAt = T0.minusSeconds(1);
        Row next = store.enqueue("whe_a", "c_1", 2);
        Row pending = store.enqueue("whe_a", "c_2", 1);
        pending.attempts = 6; // waited while its endpoint was paused
        pending.deadlineAt = T0.minusSeconds(1);

        WebhookSender sender = sender(WebhookSettings.DEFAULTS);
        assertThat(sender.round()).isZero();
        assertThat(transport.calls).isEmpty();
        assertThat(sending.state).isEqualTo(DeliveryState.EXPIRED);
        assertThat(pending.state).isEqualTo(DeliveryState.EXPIRED);
        assertThat(store.outcomes).extracting(Outcome::attempt).containsExactlyInAnyOrder(5, 7);
        assertThat(store.outcomes).allSatisfy(o -> assertThat(o.error()).startsWith("expired"));
        assertThat(reported).containsExactly(Result.EXPIRED, Result.EXPIRED);

        sender.round(); // the lane moves on; nothing is expired twice
        assertThat(transport.calls).extracting(Call::seq).containsExactly(2L);
        assertThat(next.state).isEqualTo(DeliveryState.SENDING);
        assertThat(store.outcomes).hasSize(2);
    }

    @Test
    void retryAfter_isWaitedWhenLongerThanTheSchedule_atMostAnHour() {
        store.endpoint("whe_a", "https://hooks.example/in", SECRET, 8);
        Row row = store.enqueue("whe_a", "c_1", 1);
        WebhookSender sender = sender(List.of(Duration.ofSeconds(10)));
        List<Duration> asked = List.of(Duration.ofSeconds(120), Duration.ofSeconds(3), Duration.ofHours(5));
        List<Duration> waited = new ArrayList<>();
        for (Duration retryAfter : asked) {
            sender.round();
            transport.last().answer(ScriptedTransport.retryAfter(429, retryAfter));
            sender.round();
            waited.add(Duration.between(clock.instant(), row.nextAttemptAt));
            clock.set(row.nextAttemptAt);
        }
        assertThat(waited).containsExactly(Duration.ofSeconds(120), Duration.ofSeconds(10), Duration.ofHours(1));
    }

    @Test
    void jitter_spreadsEachWaitWithinTenPercent_andATestScheduleHasNone() {
        SplittableRandom random = new SplittableRandom(7);
        WebhookSender jittered = new WebhookSender(
                store,
                transport,
                WebhookSettings.DEFAULTS,
                clock,
                random::nextDouble,
                "n",
                () -> true,
                WebhookSender.Listener.NONE,
                Duration.ofDays(1));
        List<Duration> seen = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            int attempt = 1 + i % 12;
            Duration base = WebhookSettings.DEFAULT_BACKOFF.get(Math.min(attempt, 10) - 1);
            Duration d = jittered.backoff(attempt);
            assertThat(d).isBetween(mul(base, 0.9), mul(base, 1.1));
            if (attempt == 1) {
                seen.add(d);
            }
        }
        assertThat(seen.stream().distinct().count()).as("the waits differ").isGreaterThan(100);
        assertThat(seen).anyMatch(d -> d.compareTo(mul(Duration.ofSeconds(5), 0.92)) < 0);
        assertThat(seen).anyMatch(d -> d.compareTo(mul(Duration.ofSeconds(5), 1.08)) > 0);

        WebhookSender exact = sender(WebhookSettings.DEFAULTS.backoff(WebhookSettings.DEFAULT_BACKOFF));
        List<Duration> schedule = new ArrayList<>();
        for (int attempt = 1; attempt <= 11; attempt++) {
            schedule.add(exact.backoff(attempt));
        }
        assertThat(schedule.subList(0, 10)).isEqualTo(WebhookSettings.DEFAULT_BACKOFF);
        assertThat(schedule.get(0)).isEqualTo(Duration.ofSeconds(5));
        assertThat(schedule.get(10)).as("the last step repeats").isEqualTo(Duration.ofHours(8));
        // The 11th attempt comes 23 h 42 m 35 s after the first: inside the 24 hours of retries.
        assertThat(schedule.subList(0, 10).stream().reduce(Duration.ZERO, Duration::plus))
                .isEqualTo(Duration.parse("PT23H42M35S"));
    }

    private static Duration mul(Duration d, double factor) {
        return Duration.ofNanos(Math.round(d.toNanos() * factor));
    }

    @Test
    void pause_waitsForTheCount_evenWhenFailingLongEnough() {
        store.endpoint("whe_a", "https://hooks.example/in", SECRET, 8);
        store.enqueue("whe_a", "c_1", 1);
        transport.script = r -> Optional.of(ScriptedTransport.status(500));
        WebhookSender sender = sender(
                WebhookSettings.DEFAULTS.backoff(List.of(Duration.ofHours(2))).pauseAfter(Duration.ofHours(1), 3));

        for (int attempt = 1; attempt <= 2; attempt++) {
            sender.round();
            sender.round();
            clock.advance(Duration.ofHours(2));
        }
        // Failing for 2 h (more than 1 h) but only 2 failures of 3.
        assertThat(store.endpoints.get("whe_a").state()).isEqualTo(EndpointState.ACTIVE);
        sender.round();
        sender.round();
        assertThat(store.endpoints.get("whe_a").state()).isEqualTo(EndpointState.PAUSED);
        assertThat(store.endpoints.get("whe_a").pausedAt()).isEqualTo(clock.instant());
        assertThat(store.endpoints.get("whe_a").pausedReason())
                .contains("3 consecutive failed attempts")
                .contains(T0.toString());
        sender.round();
        assertThat(pausedGauge).hasValue(1);
    }

    @Test
    void pause_waitsForTheDuration_evenAfterEnoughFailures() {
        store.endpoint("whe_a", "https://hooks.example/in", SECRET, 8);
        store.enqueue("whe_a", "c_1", 1);
        transport.script = r -> Optional.of(ScriptedTransport.status(500));
        WebhookSender sender = sender(WebhookSettings.DEFAULTS
                .backoff(List.of(Duration.ofSeconds(10), Duration.ofHours(1)))
                .pauseAfter(Duration.ofHours(1), 3));

        for (int attempt = 1; attempt <= 3; attempt++) {
            sender.round();
            sender.round();
            clock.set(store.rows.get(0).nextAttemptAt);
        }
        // 3 failures, at 0 s, 10 s and 1 h 10 s: the third is the first at least 1 h after the first.
        assertThat(store.endpoints.get("whe_a").state()).isEqualTo(EndpointState.PAUSED);
        assertThat(store.endpoints.get("whe_a").pausedAt()).isEqualTo(T0.plusSeconds(3610));
        assertThat(transport.calls).hasSize(3);

        // Four failures within seconds do not pause another endpoint.
        store.endpoint("whe_b", "https://other.example/in", SECRET, 8);
        store.enqueue("whe_b", "c_2", 1);
        WebhookSender quick = sender(
                WebhookSettings.DEFAULTS.backoff(List.of(Duration.ofSeconds(1))).pauseAfter(Duration.ofHours(1), 3));
        for (int attempt = 1; attempt <= 4; attempt++) {
            quick.round();
            quick.round();
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(store.endpoints.get("whe_b").consecutiveFailures()).isEqualTo(4);
        assertThat(store.endpoints.get("whe_b").state()).isEqualTo(EndpointState.ACTIVE);
        assertThat(pausedGauge).hasValue(1);
    }

    @Test
    void gone410_pausesAtOnce_andItsRowsWait() {
        store.endpoint("whe_a", "https://hooks.example/in", SECRET, 8);
        store.enqueue("whe_a", "c_1", 1);
        store.enqueue("whe_a", "c_2", 1);
        WebhookSender sender = sender(List.of(Duration.ofSeconds(1)));

        assertThat(sender.round()).isEqualTo(2);
        transport.calls.get(0).answer(ScriptedTransport.status(410));
        sender.round();
        assertThat(store.endpoints.get("whe_a").state()).isEqualTo(EndpointState.PAUSED);
        assertThat(store.endpoints.get("whe_a").pausedReason()).isEqualTo("receiver answered 410 Gone");
        transport.calls.get(1).answer(ScriptedTransport.status(200));
        clock.advance(Duration.ofMinutes(1));
        sender.round();
        assertThat(sender.round()).isZero();
        assertThat(transport.calls).hasSize(2);
    }

    @Test
    void aNodeThatNoLongerDecides_sendsNothing() {
        store.endpoint("whe_a", "https://hooks.example/in", SECRET, 8);
        store.enqueue("whe_a", "c_1", 1);
        store.enqueue("whe_a", "c_2", 1);
        deciding.set(false);
        WebhookSender sender = sender(WebhookSettings.DEFAULTS);
        assertThat(sender.round()).isZero();
        assertThat(store.claimCalls).isEmpty();
        assertThat(transport.calls).isEmpty();

        // The lease judged lost between the claim and the requests: claimed, not sent.
        AtomicInteger asked = new AtomicInteger();
        WebhookSender losing = new WebhookSender(
                store,
                transport,
                WebhookSettings.DEFAULTS,
                clock,
                () -> 0.5,
                "n",
                () -> asked.incrementAndGet() <= 2,
                listener,
                Duration.ofDays(1));
        assertThat(losing.round()).isZero();
        assertThat(store.claimCalls).hasSize(1);
        assertThat(transport.calls).isEmpty();
    }

    @Test
    void close_stopsTheThread_andTheTransport() throws Exception {
        store.endpoint("whe_a", "https://hooks.example/in", SECRET, 8);
        WebhookSender sender = sender(WebhookSettings.DEFAULTS).start();
        Thread thread = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("concierge-webhook-sender"))
                .findFirst()
                .orElseThrow();
        sender.close();
        assertThat(thread.isAlive()).isFalse();
        assertThat(transport.closed).isTrue();
        assertThat(pausedGauge).hasValue(0);
    }

    @Test
    void theLoggedUrl_losesItsQuery() {
        assertThat(WebhookSender.withoutQuery("https://h.example/in?token=s3cret#x"))
                .isEqualTo("https://h.example/in");
        assertThat(WebhookSender.withoutQuery("https://h.example/in#x")).isEqualTo("https://h.example/in");
    }
}
