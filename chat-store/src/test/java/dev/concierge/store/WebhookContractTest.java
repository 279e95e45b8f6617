package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.ConversationState;
import dev.concierge.store.IntegrationStore.Attempt;
import dev.concierge.store.IntegrationStore.Claim;
import dev.concierge.store.IntegrationStore.Delivery;
import dev.concierge.store.IntegrationStore.DeliveryState;
import dev.concierge.store.IntegrationStore.DueDelivery;
import dev.concierge.store.IntegrationStore.Endpoint;
import dev.concierge.store.IntegrationStore.EndpointState;
import dev.concierge.store.IntegrationStore.OutboundWebhook;
import dev.concierge.store.IntegrationStore.Outcome;
import dev.concierge.store.IntegrationStore.Result;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every {@link JdbcConversationStore} must do with the webhook outbox, whatever the engine:
 * rows written with their events or not at all, delivered one at a time per lane (endpoint,
 * conversation) in order, claimed, recorded, cancelled and deleted with their conversation
 * (docs/integrations.md). Run by each engine's test through {@link PersonalDataContractTest}.
 */
abstract class WebhookContractTest extends OutboxContractTest {
    static final Instant LATER = T0.plusSeconds(3600);

    IntegrationStore integrations() {
        return store.integrations().orElseThrow();
    }

    static Endpoint endpoint(String id, EndpointState state) {
        return new Endpoint(
                id,
                "demo",
                "https://hooks.example.test/" + id,
                "the CRM",
                List.of("conversation.closed", "message.created"),
                "whsec_c2VjcmV0",
                null,
                null,
                8,
                state,
                null,
                null,
                null,
                0,
                null,
                T0,
                T0,
                1);
    }

    static OutboundWebhook webhook(String conversationId, long seq, int sub, String... endpointIds) {
        return new OutboundWebhook(
                "evt_" + conversationId + "_" + seq + "_" + sub,
                conversationId,
                seq,
                sub,
                sub == 0 ? "message.created" : "conversation.closed",
                "demo",
                T0.plusSeconds(seq),
                "{\"seq\":" + seq + ",\"sub\":" + sub + "}",
                Arrays.asList(endpointIds));
    }

    /** Appends message {@code seq} to {@code conversationId} with one webhook event for {@code endpointIds}. */
    void appendWith(String conversationId, long seq, String... endpointIds) throws Exception {
        done(store.appendAll(
                conversationId,
                List.of(message(seq, null, "m" + seq)),
                List.of(),
                List.of(webhook(conversationId, seq, 0, endpointIds))));
    }

    List<String> due(Instant now) {
        return integrations().dueDeliveries(now, 100).stream()
                .map(d -> d.endpointId() + ":" + d.conversationId() + "#" + d.seq() + "." + d.sub())
                .toList();
    }

    /** The head of a lane, due or not yet. */
    DueDelivery head(String endpointId, String conversationId) {
        return integrations().dueDeliveries(LATER.plus(Duration.ofDays(365)), 100).stream()
                .filter(d ->
                        d.endpointId().equals(endpointId) && d.conversationId().equals(conversationId))
                .findFirst()
                .orElseThrow();
    }

    /** Claims {@code d} as its next attempt at {@code at}; returns the attempt number. */
    int claim(DueDelivery d, Instant at) throws Exception {
        int attempt = d.attempts() + 1;
        assertThat(integrations()
                        .claimDeliveries(
                                List.of(new Claim(d.id(), attempt, "node-a", at, at.plus(Duration.ofHours(24)))))
                        .get())
                .containsExactly(d.id());
        return attempt;
    }

    Optional<Endpoint> outcome(DueDelivery d, int attempt, Result result, Instant at, Integer status, String error)
            throws Exception {
        return integrations()
                .deliveryDone(new Outcome(
                        d.id(),
                        d.endpointId(),
                        attempt,
                        result,
                        at,
                        at.plusSeconds(30),
                        status,
                        error,
                        "127.0.0.1:8443",
                        42,
                        // A binary answer: PostgreSQL's text takes no NUL, so it is dropped.
                        "\u0000" + "x".repeat(IntegrationStore.MAX_RESPONSE + 10)))
                .get();
    }

    @Test
    void appendAllWithWebhooks_storesTheEventAndOneDeliveryPerEndpoint_dueAtTheEvent_andSurvivesAReopen()
            throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        done(integrations().insertEndpoint(endpoint("whe_b", EndpointState.ACTIVE)));

        done(store.appendAll(
                "c1",
                List.of(message(1, null, "m1")),
                List.of(mail("c1", 1, "m.1")),
                List.of(webhook("c1", 1, 0, "whe_a", "whe_b"))));

        store.close();
        store = reopen();
        assertThat(store.events("c1", 0)).extracting(e -> e.seq()).containsExactly(1L);
        assertThat(due(T0)).isEmpty(); // due from the event's time on
        List<DueDelivery> due = integrations().dueDeliveries(T0.plusSeconds(1), 10);
        assertThat(due).extracting(DueDelivery::endpointId).containsExactlyInAnyOrder("whe_a", "whe_b");
        DueDelivery d = due.get(0);
        assertThat(d.id()).startsWith("whd_").hasSize(20);
        assertThat(d.eventId()).isEqualTo("evt_c1_1_0");
        assertThat(d.type()).isEqualTo("message.created");
        assertThat(d.body()).isEqualTo("{\"seq\":1,\"sub\":0}");
        assertThat(d.state()).isEqualTo(DeliveryState.PENDING);
        assertThat(d.attempts()).isZero();
        assertThat(d.createdAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(d.deadlineAt()).isNull();
        assertThat(count("SELECT COUNT(*) FROM webhook_events")).isEqualTo(1);
        assertThat(store.mailOf("c1")).hasSize(1); // mails and webhooks in one append
    }

    @Test
    void appendAllWithWebhooks_whoseEventIsRefused_storesNoWebhookRow() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        done(store.append("c1", message(1, "m1", "Hello?")));

        assertRejected(
                store.appendAll(
                        "c1",
                        List.of(message(3, null, "gap")),
                        List.of(mail("c1", 3, "m.3")),
                        List.of(webhook("c1", 3, 0, "whe_a"))),
                "seq 3 out of order");

        assertThat(store.mailOf("c1")).isEmpty();
        assertThat(count("SELECT COUNT(*) FROM webhook_events")).isZero();
        assertThat(count("SELECT COUNT(*) FROM webhook_deliveries")).isZero();
    }

    @Test
    void aWebhookNamingAnotherSeqOrConversation_failsTheAppend_andStoresNothing() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));

        assertRejected(
                store.appendAll(
                        "c1", List.of(message(1, null, "one")), List.of(), List.of(webhook("c1", 2, 0, "whe_a"))),
                "not an event appended with it to c1");
        assertRejected(
                store.appendAll(
                        "c1", List.of(message(1, null, "one")), List.of(), List.of(webhook("c2", 1, 0, "whe_a"))),
                "not an event appended with it to c1");

        assertThat(store.events("c1", 0)).isEmpty();
        assertThat(count("SELECT COUNT(*) FROM webhook_deliveries")).isZero();
    }

    @Test
    void heads_areTheFirstUnfinishedRowOfEachLane_inOrder_andALaneWaitsForItsFailingHead() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        done(integrations().insertEndpoint(endpoint("whe_b", EndpointState.ACTIVE)));
        appendWith("c1", 1, "whe_a", "whe_b");
        done(store.appendAll(
                "c1",
                List.of(message(2, null, "m2")),
                List.of(),
                List.of(webhook("c1", 2, 0, "whe_a"), webhook("c1", 2, 1, "whe_a"))));
        appendWith("c1", 3, "whe_a");
        appendWith("c2", 1, "whe_a");

        assertThat(due(LATER)).containsExactlyInAnyOrder("whe_a:c1#1.0", "whe_b:c1#1.0", "whe_a:c2#1.0");
        assertThat(parked()).isEqualTo(3); // the rows behind whe_a's head of c1 wait out of the due index

        // The head of whe_a's lane of c1 fails: that lane waits, the others go on.
        DueDelivery first = head("whe_a", "c1");
        int attempt = claim(first, LATER);
        assertThat(due(LATER)).containsExactlyInAnyOrder("whe_a:c1#1.0", "whe_b:c1#1.0", "whe_a:c2#1.0");
        outcome(first, attempt, Result.RETRY, LATER, 503, "503 Service Unavailable");
        assertThat(due(LATER)).containsExactlyInAnyOrder("whe_b:c1#1.0", "whe_a:c2#1.0");
        assertThat(due(LATER.plusSeconds(30))).contains("whe_a:c1#1.0").doesNotContain("whe_a:c1#2.0");

        // Delivered: the next row of the lane, and only it, is due; then sub 1, then seq 3.
        attempt = claim(head("whe_a", "c1"), LATER.plusSeconds(30));
        outcome(first, attempt, Result.DELIVERED, LATER.plusSeconds(31), 200, null);
        assertThat(due(LATER.plusSeconds(31))).contains("whe_a:c1#2.0").doesNotContain("whe_a:c1#2.1", "whe_a:c1#3.0");
        assertThat(parked()).isEqualTo(2);
        for (String next : List.of("whe_a:c1#2.1", "whe_a:c1#3.0")) {
            DueDelivery d = head("whe_a", "c1");
            outcome(d, claim(d, LATER), Result.EXPIRED, LATER, 400, "400 Bad Request");
            assertThat(due(LATER)).contains(next);
        }
    }

    long parked() throws Exception {
        return count("SELECT COUNT(*) FROM webhook_deliveries WHERE next_attempt_at = " + JdbcWebhooks.PARKED);
    }

    @Test
    void heads_keepLaneOrder_evenWithNoRowParked() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        for (long seq = 1; seq <= 3; seq++) {
            appendWith("c1", seq, "whe_a");
        }
        try (Connection c = rawConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE webhook_deliveries SET next_attempt_at = created_at"); // every row due
        }

        assertThat(due(LATER)).containsExactly("whe_a:c1#1.0");
        DueDelivery d = head("whe_a", "c1");
        outcome(d, claim(d, LATER), Result.RETRY, LATER, 500, "500");
        assertThat(due(LATER)).isEmpty();
    }

    @Test
    void heads_ofSkippedEndpoints_areNotRead_soTheOthersFitTheLimit() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        done(integrations().insertEndpoint(endpoint("whe_b", EndpointState.ACTIVE)));
        for (int c = 1; c <= 3; c++) {
            appendWith("c" + c, 1, "whe_a");
        }
        appendWith("c9", 1, "whe_b");
        try (Connection c = rawConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE webhook_deliveries SET next_attempt_at = next_attempt_at + 1"
                    + " WHERE endpoint_id = 'whe_b'"); // due a microsecond after whe_a's
        }

        assertThat(integrations().dueDeliveries(LATER, 2))
                .extracting(DueDelivery::endpointId)
                .containsExactly("whe_a", "whe_a");
        assertThat(integrations().dueDeliveries(LATER, 2, Set.of("whe_a")))
                .extracting(DueDelivery::conversationId)
                .containsExactly("c9");
        assertThat(integrations().dueDeliveries(LATER, 10, Set.of("whe_a", "whe_b")))
                .isEmpty();
    }

    @Test
    void aPausedEndpointsRows_areNotDue_untilItIsResumed_withItsCountersReset() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        appendWith("c1", 1, "whe_a");
        DueDelivery d = head("whe_a", "c1");
        outcome(d, claim(d, LATER), Result.RETRY, LATER, 410, "410 Gone");

        assertThat(integrations()
                        .pauseEndpoint("whe_a", "receiver answered 410 Gone", LATER)
                        .get())
                .isTrue();
        assertThat(integrations().pauseEndpoint("whe_a", "again", LATER).get()).isFalse(); // only an active one
        Endpoint paused = integrations().endpoint("whe_a").orElseThrow();
        assertThat(paused.state()).isEqualTo(EndpointState.PAUSED);
        assertThat(paused.pausedReason()).isEqualTo("receiver answered 410 Gone");
        assertThat(paused.pausedAt()).isEqualTo(LATER);
        assertThat(paused.version()).isEqualTo(2);
        appendWith("c2", 1, "whe_a"); // a paused endpoint still gets rows
        assertThat(due(LATER.plusSeconds(3600))).isEmpty();

        assertThat(integrations()
                        .resumeEndpoint("whe_a", LATER.plusSeconds(60), Optional.empty())
                        .get())
                .isTrue();
        Endpoint resumed = integrations().endpoint("whe_a").orElseThrow();
        assertThat(resumed.state()).isEqualTo(EndpointState.ACTIVE);
        assertThat(resumed.consecutiveFailures()).isZero();
        assertThat(resumed.failingSince()).isNull();
        assertThat(resumed.pausedReason()).isNull();
        assertThat(due(LATER.plusSeconds(3600))).containsExactlyInAnyOrder("whe_a:c1#1.0", "whe_a:c2#1.0");
        assertThat(integrations()
                        .resumeEndpoint("whe_nope", LATER, Optional.empty())
                        .get())
                .isFalse();
    }

    @Test
    void claim_thenOutcomes_recordTheAttempts_theDeadline_andTheEndpointsCounters() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        appendWith("c1", 1, "whe_a");
        DueDelivery d = head("whe_a", "c1");

        assertThat(claim(d, LATER)).isEqualTo(1);
        DueDelivery sending = head("whe_a", "c1"); // left sending: still a head (a restarted sender resends)
        assertThat(sending.state()).isEqualTo(DeliveryState.SENDING);
        assertThat(sending.deadlineAt()).isEqualTo(LATER.plus(Duration.ofHours(24)));
        String longError = "e".repeat(IntegrationStore.MAX_ERROR + 100);
        Endpoint failing = outcome(d, 1, Result.RETRY, LATER.plusSeconds(1), null, longError)
                .orElseThrow();
        assertThat(failing.consecutiveFailures()).isEqualTo(1);
        assertThat(failing.failingSince()).isEqualTo(LATER.plusSeconds(1));

        assertThat(claim(head("whe_a", "c1"), LATER.plusSeconds(40))).isEqualTo(2);
        assertThat(head("whe_a", "c1").deadlineAt()).isEqualTo(LATER.plus(Duration.ofHours(24))); // kept
        Endpoint failingMore =
                outcome(d, 2, Result.RETRY, LATER.plusSeconds(41), 500, "500").orElseThrow();
        assertThat(failingMore.consecutiveFailures()).isEqualTo(2);
        assertThat(failingMore.failingSince()).isEqualTo(LATER.plusSeconds(1));

        claim(head("whe_a", "c1"), LATER.plusSeconds(80));
        Endpoint healthy = outcome(d, 3, Result.DELIVERED, LATER.plusSeconds(81), 204, null)
                .orElseThrow();
        assertThat(healthy.consecutiveFailures()).isZero();
        assertThat(healthy.failingSince()).isNull();
        assertThat(healthy.lastSuccessAt()).isEqualTo(LATER.plusSeconds(81));
        assertThat(healthy.version()).isEqualTo(1); // counters are not the admin's changes

        Delivery done = integrations().delivery(d.id()).orElseThrow();
        assertThat(done.state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(done.attempts()).isEqualTo(3);
        assertThat(done.deliveredAt()).isEqualTo(LATER.plusSeconds(81));
        assertThat(done.lastStatus()).isEqualTo(204);
        assertThat(done.body()).isEqualTo(d.body());
        List<Attempt> attempts = integrations().attempts(d.id());
        assertThat(attempts).extracting(Attempt::attempt).containsExactly(1, 2, 3);
        Attempt first = attempts.get(0);
        assertThat(first.node()).isEqualTo("node-a");
        assertThat(first.startedAt()).isEqualTo(LATER);
        assertThat(first.status()).isNull();
        assertThat(first.error()).hasSize(IntegrationStore.MAX_ERROR);
        assertThat(first.response()).hasSize(IntegrationStore.MAX_RESPONSE).doesNotContain("\u0000");
        assertThat(first.durationMillis()).isEqualTo(42L);
        assertThat(first.address()).isEqualTo("127.0.0.1:8443");
        assertThat(attempts.get(2).status()).isEqualTo(204);
        assertThat(due(LATER.plusSeconds(3600))).isEmpty();
    }

    @Test
    void aCancelledDelivery_isNotClaimed_getsNoAttemptRow_andItsLaneGoesOn() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        for (long seq = 1; seq <= 2; seq++) {
            appendWith("c1", seq, "whe_a");
        }
        DueDelivery d = head("whe_a", "c1");

        assertThat(integrations().cancelDelivery(d.id(), LATER).get()).isTrue();
        assertThat(integrations().cancelDelivery(d.id(), LATER).get()).isFalse();

        assertThat(integrations()
                        .claimDeliveries(List.of(new Claim(d.id(), 1, "node-a", LATER, LATER.plusSeconds(60))))
                        .get())
                .isEmpty();
        assertThat(integrations().attempts(d.id())).isEmpty();
        assertThat(integrations().delivery(d.id()).orElseThrow().state()).isEqualTo(DeliveryState.CANCELLED);
        assertThat(due(LATER)).containsExactly("whe_a:c1#2.0");
    }

    @Test
    void deletingAnEndpoint_cancelsItsUnfinishedDeliveries() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        appendWith("c1", 1, "whe_a");
        appendWith("c1", 2, "whe_a");

        assertThat(integrations().deleteEndpoint("whe_a").get()).isTrue();
        assertThat(integrations().deleteEndpoint("whe_a").get()).isFalse();

        assertThat(integrations().endpoint("whe_a")).isEmpty();
        assertThat(count("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'cancelled'"))
                .isEqualTo(2);
        assertThat(due(LATER)).isEmpty();
    }

    @Test
    void redeliver_andResumeWithRedeliverExpiredSince_makeFinishedRowsPendingAgain_withTheirEventId() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        appendWith("c1", 1, "whe_a");
        appendWith("c2", 1, "whe_a");
        DueDelivery one = head("whe_a", "c1");
        outcome(one, claim(one, LATER), Result.DELIVERED, LATER, 200, null);
        DueDelivery two = head("whe_a", "c2");
        outcome(two, claim(two, LATER), Result.EXPIRED, LATER, 500, "500");
        assertThat(due(LATER)).isEmpty();

        assertThat(integrations().redeliver(one.id(), LATER.plusSeconds(5)).get())
                .isTrue();
        assertThat(integrations().redeliver("whd_nope", LATER).get()).isFalse();
        assertThat(due(LATER.plusSeconds(5))).containsExactly("whe_a:c1#1.0");
        DueDelivery again = head("whe_a", "c1");
        assertThat(again.eventId()).isEqualTo(one.eventId());
        assertThat(again.attempts()).isEqualTo(1);
        assertThat(again.deadlineAt()).isNull();

        integrations().pauseEndpoint("whe_a", "by the admin", LATER).get();
        integrations()
                .resumeEndpoint("whe_a", LATER.plusSeconds(9), Optional.of(T0))
                .get();
        assertThat(due(LATER.plusSeconds(9))).containsExactlyInAnyOrder("whe_a:c1#1.0", "whe_a:c2#1.0");
    }

    @Test
    void theDeliveryLog_isNewestFirst_pagedByCursor_andFiltered() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        for (long seq = 1; seq <= 5; seq++) {
            appendWith("c1", seq, "whe_a");
        }
        appendWith("c2", 1, "whe_a");
        DueDelivery d = head("whe_a", "c1");
        outcome(d, claim(d, LATER), Result.DELIVERED, LATER, 200, null);

        List<Delivery> page1 = integrations().deliveries("whe_a", null, "c1", null, 3);
        assertThat(page1).extracting(Delivery::seq).containsExactly(5L, 4L, 3L);
        assertThat(page1.get(0).body()).isNull(); // the log leaves bodies out
        assertThat(page1.get(0).nextAttemptAt()).isNull(); // waiting behind its lane
        Delivery last = page1.get(2);
        List<Delivery> page2 = integrations()
                .deliveries("whe_a", null, "c1", new IntegrationStore.Cursor(last.createdAt(), last.id()), 3);
        assertThat(page2).extracting(Delivery::seq).containsExactly(2L, 1L);
        assertThat(integrations().deliveries("whe_a", DeliveryState.DELIVERED, null, null, 10))
                .extracting(Delivery::id)
                .containsExactly(d.id());
        assertThat(integrations().deliveries("whe_a", null, null, null, 100)).hasSize(6);
        assertThat(integrations().deliveries("whe_b", null, null, null, 100)).isEmpty();
    }

    @Test
    void erasureAndPurge_deleteAConversationsWebhookEventsDeliveriesAndAttempts() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        done(store.saveConversation(conversation("c1", "v_ada", ConversationState.BOT, T0)));
        done(store.saveConversation(conversation("c2", "v_bob", ConversationState.CLOSED, T0)));
        appendWith("c1", 1, "whe_a");
        appendWith("c2", 1, "whe_a");
        appendWith("c3", 1, "whe_a"); // someone else's
        for (String c : List.of("c1", "c2", "c3")) { // in flight: the purge's sweep of old rows leaves them
            DueDelivery d = head("whe_a", c);
            claim(d, LATER);
        }

        store.eraseVisitor("v_ada");
        store.purgeClosedBefore(Instant.now().plusSeconds(60));

        for (String table : List.of("webhook_events", "webhook_deliveries")) {
            assertThat(count("SELECT COUNT(*) FROM " + table + " WHERE conversation_id IN ('c1', 'c2')"))
                    .as(table)
                    .isZero();
            assertThat(count("SELECT COUNT(*) FROM " + table + " WHERE conversation_id = 'c3'"))
                    .as(table)
                    .isEqualTo(1);
        }
        assertThat(count("SELECT COUNT(*) FROM webhook_attempts")).isEqualTo(1); // c3's
        assertThat(due(LATER)).containsExactly("whe_a:c3#1.0");
    }
}
