package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.store.IntegrationStore.ApiKeyRecord;
import dev.concierge.store.IntegrationStore.ConversationQuery;
import dev.concierge.store.IntegrationStore.Cursor;
import dev.concierge.store.IntegrationStore.DueDelivery;
import dev.concierge.store.IntegrationStore.Endpoint;
import dev.concierge.store.IntegrationStore.EndpointState;
import dev.concierge.store.IntegrationStore.ListedConversation;
import dev.concierge.store.IntegrationStore.OutboundWebhook;
import dev.concierge.store.IntegrationStore.Result;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * What every {@link JdbcConversationStore} must do with the rest of its integrations, whatever the
 * engine: a conversation's site, webhook endpoints, REST API keys and the conversation listing
 * the REST API pages through (docs/integrations.md). Run by each engine's test through {@link
 * PersonalDataContractTest}; the webhook outbox is in {@link WebhookContractTest}.
 */
abstract class IntegrationsContractTest extends WebhookContractTest {
    static ConversationRecord withSite(
            String id, ConversationState state, String department, String agent, String site) {
        return new ConversationRecord(
                id, "v_" + id, state, agent, T0, "first line", null, null, null, null, department, List.of(), site);
    }

    /** Saves {@code r}, then makes its last activity {@code updatedAt}. */
    void saveActiveAt(ConversationRecord r, Instant updatedAt) throws Exception {
        done(store.saveConversation(r));
        try (Connection c = rawConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE conversations SET updated_at = ? WHERE id = ?")) {
            JdbcRows.bind(ps, JdbcRows.micros(updatedAt), r.id());
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    static ApiKeyRecord key(String id, Instant createdAt) {
        return new ApiKeyRecord(
                id,
                "site",
                "acme",
                List.of("conversations:read", "messages:write"),
                null,
                "CRM",
                "the CRM's key",
                JdbcRows.tokenHash("ck_site_" + id + "_secret"),
                createdAt,
                "admin-token",
                null,
                null,
                null);
    }

    @Test
    void site_roundTrips_andASaveWithoutASite_keepsTheStoredOne() throws Exception {
        done(store.saveConversation(withSite("c1", ConversationState.BOT, null, null, "acme")));
        assertThat(store.conversation("c1").orElseThrow().site()).isEqualTo("acme");

        done(store.saveConversation(withSite("c1", ConversationState.QUEUED, null, null, null)));
        ConversationRecord kept = store.conversation("c1").orElseThrow();
        assertThat(kept.site()).isEqualTo("acme");
        assertThat(kept.state()).isEqualTo(ConversationState.QUEUED);

        done(store.saveConversation(withSite("c1", ConversationState.QUEUED, null, null, "other")));
        assertThat(store.conversation("c1").orElseThrow().site()).isEqualTo("other");
        done(store.saveConversation(withSite("c2", ConversationState.BOT, null, null, null)));
        assertThat(store.conversation("c2").orElseThrow().site()).isNull();
        store.close();
        store = reopen();
        assertThat(store.conversationsOf("v_c1"))
                .extracting(ConversationRecord::site)
                .containsExactly("other");
    }

    @Test
    void conversations_areListedLatestActivityFirst_filtered_andPagedByCursor() throws Exception {
        saveActiveAt(withSite("a1", ConversationState.BOT, null, null, "acme"), T0.plusSeconds(10));
        saveActiveAt(withSite("a2", ConversationState.ASSIGNED, "sales", "ag_1", "acme"), T0.plusSeconds(20));
        saveActiveAt(withSite("a3", ConversationState.CLOSED, "sales", "ag_2", "acme"), T0.plusSeconds(20));
        saveActiveAt(withSite("a4", ConversationState.ASSIGNED, "support", "ag_1", "acme"), T0.plusSeconds(30));
        saveActiveAt(withSite("b1", ConversationState.ASSIGNED, "sales", "ag_1", "beta"), T0.plusSeconds(40));

        assertThat(ids(query(null, null, null, null, null, null, null, 10)))
                .containsExactly("b1", "a4", "a3", "a2", "a1");
        List<ListedConversation> acme =
                integrations().conversations(query("acme", null, null, null, null, null, null, 10));
        assertThat(ids(acme)).containsExactly("a4", "a3", "a2", "a1");
        assertThat(acme.get(0).updatedAt()).isEqualTo(T0.plusSeconds(30));
        assertThat(acme.get(0).record().department()).isEqualTo("support");
        assertThat(ids(query("acme", ConversationState.ASSIGNED, null, null, null, null, null, 10)))
                .containsExactly("a4", "a2");
        assertThat(ids(query(null, null, "sales", null, null, null, null, 10))).containsExactly("b1", "a3", "a2");
        assertThat(ids(query(null, null, null, "ag_1", null, null, null, 10))).containsExactly("b1", "a4", "a2");
        assertThat(ids(query(null, null, null, null, T0.plusSeconds(20), T0.plusSeconds(40), null, 10)))
                .containsExactly("a4", "a3", "a2"); // since inclusive, until exclusive
        assertThat(ids(query("acme", ConversationState.ASSIGNED, "sales", "ag_1", null, null, null, 10)))
                .containsExactly("a2");

        // Pages of two through the equal times of a3 and a2: every row once, in order.
        List<String> seen = new ArrayList<>();
        Cursor after = null;
        for (int page = 0; page < 5; page++) {
            List<ListedConversation> items =
                    integrations().conversations(query(null, null, null, null, null, null, after, 2));
            items.forEach(i -> seen.add(i.record().id()));
            if (items.size() < 2) {
                break;
            }
            ListedConversation last = items.get(items.size() - 1);
            after = new Cursor(last.updatedAt(), last.record().id());
        }
        assertThat(seen).containsExactly("b1", "a4", "a3", "a2", "a1");
        assertThatThrownBy(() -> integrations().conversations(query(null, null, null, null, null, null, null, 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void conversations_oldestFirst_startWithTheLongestWaiting_andTheCursorReachesEveryRow() throws Exception {
        saveActiveAt(withSite("a4", ConversationState.FOLLOW_UP, null, null, "acme"), T0.plusSeconds(30));
        saveActiveAt(withSite("a3", ConversationState.FOLLOW_UP, null, null, "acme"), T0.plusSeconds(20));
        saveActiveAt(withSite("a2", ConversationState.FOLLOW_UP, null, null, "acme"), T0.plusSeconds(20));
        saveActiveAt(withSite("a1", ConversationState.FOLLOW_UP, null, null, "acme"), T0.plusSeconds(10));
        saveActiveAt(withSite("a5", ConversationState.FOLLOW_UP, null, null, "acme"), T0.plusSeconds(40));
        saveActiveAt(withSite("x1", ConversationState.ASSIGNED, null, "ag_1", "acme"), T0.plusSeconds(5));

        // Pages of two through the equal times of a2 and a3: every follow-up once, the oldest first.
        List<String> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        Cursor after = null;
        for (int page = 0; page < 5; page++) {
            List<ListedConversation> items = integrations()
                    .conversations(new ConversationQuery(
                            "acme", ConversationState.FOLLOW_UP, null, null, null, null, after, 2, true));
            items.forEach(i -> seen.add(i.record().id()));
            sizes.add(items.size());
            if (items.size() < 2) {
                break;
            }
            ListedConversation last = items.get(items.size() - 1);
            after = new Cursor(last.updatedAt(), last.record().id());
        }
        assertThat(seen).containsExactly("a1", "a2", "a3", "a4", "a5");
        assertThat(sizes).containsExactly(2, 2, 1);
        assertThat(ids(new ConversationQuery(null, null, null, null, T0.plusSeconds(20), null, null, 3, true)))
                .containsExactly("a2", "a3", "a4");
    }

    private static ConversationQuery query(
            String site,
            ConversationState state,
            String department,
            String agent,
            Instant since,
            Instant until,
            Cursor after,
            int limit) {
        return new ConversationQuery(site, state, department, agent, since, until, after, limit, false);
    }

    private List<String> ids(ConversationQuery q) {
        return ids(integrations().conversations(q));
    }

    private static List<String> ids(List<ListedConversation> items) {
        return items.stream().map(i -> i.record().id()).toList();
    }

    @Test
    void thePurgesSweep_dropsWebhookRowsOlderThanTheLog_andTheRowsWaitingBehindThemBecomeDue() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        appendWith("c1", 1, "whe_a"); // created in 2025: long past the log's 7 days
        DueDelivery old = head("whe_a", "c1");
        outcome(old, claim(old, LATER), Result.RETRY, LATER, 500, "500");
        appendWith("c2", 1, "whe_a");
        DueDelivery delivered = head("whe_a", "c2");
        outcome(delivered, claim(delivered, LATER), Result.DELIVERED, LATER, 200, null);
        Instant recent = Instant.now().minusSeconds(60);
        done(store.appendAll(
                "c1",
                List.of(TranscriptEvent.message(null, ADA, "still waiting").stamped(2, recent)),
                List.of(),
                List.of(new OutboundWebhook(
                        "evt_recent", "c1", 2, 0, "message.created", "demo", recent, "{}", List.of("whe_a")))));
        assertThat(parked()).isEqualTo(1);

        store.purgeClosedBefore(T0);

        assertThat(integrations().delivery(old.id())).isEmpty();
        assertThat(integrations().delivery(delivered.id())).isEmpty();
        assertThat(integrations().attempts(old.id())).isEmpty();
        assertThat(count("SELECT COUNT(*) FROM webhook_attempts")).isZero();
        assertThat(count("SELECT COUNT(*) FROM webhook_events")).isEqualTo(1); // evt_recent
        assertThat(parked()).isZero();
        assertThat(due(Instant.now().plusSeconds(60))).containsExactly("whe_a:c1#2.0");
    }

    @Test
    void apiKeys_areStoredByHash_listedNewestFirst_revokedOnce_andTheirUseRecorded() throws Exception {
        ApiKeyRecord older = key("k0000000000000001", T0);
        ApiKeyRecord newer = new ApiKeyRecord(
                "k0000000000000002",
                "admin",
                null,
                List.of("admin"),
                null,
                null,
                "ops",
                JdbcRows.tokenHash("ck_admin_k0000000000000002_secret"),
                T0.plusSeconds(5),
                "k0000000000000001",
                T0.plusSeconds(86_400),
                null,
                null);
        done(integrations().insertApiKey(older));
        done(integrations().insertApiKey(newer));

        assertThat(integrations().apiKey("k0000000000000001")).contains(older);
        assertThat(integrations().apiKey("k0000000000000002")).contains(newer);
        assertThat(integrations().apiKey("k_nope")).isEmpty();
        assertThat(integrations().apiKeys()).containsExactly(newer, older);
        assertThatThrownBy(() -> integrations().insertApiKey(older).get())
                .isInstanceOf(ExecutionException.class); // its id exists

        assertThat(integrations().revokeApiKey(older.id(), T0.plusSeconds(60)).get())
                .isTrue();
        assertThat(integrations().revokeApiKey(older.id(), T0.plusSeconds(90)).get())
                .isFalse();
        assertThat(integrations().revokeApiKey("k_nope", T0).get()).isFalse();
        done(integrations().apiKeyUsed(newer.id(), T0.plusSeconds(70)));

        assertThat(integrations().apiKey(older.id()).orElseThrow().revokedAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(integrations().apiKey(newer.id()).orElseThrow().lastUsedAt()).isEqualTo(T0.plusSeconds(70));
        assertThat(integrations().apiKey(newer.id()).orElseThrow().revokedAt()).isNull();
        assertThat(count("SELECT COUNT(*) FROM api_keys WHERE secret_sha256 LIKE '%secret%'"))
                .isZero();
    }

    @Test
    void endpoints_roundTrip_listBySite_andAnUpdateNeedsTheStoredVersion() throws Exception {
        Endpoint a = endpoint("whe_a", EndpointState.ACTIVE);
        Endpoint other = new Endpoint(
                "whe_b",
                "beta",
                "https://b.example.test/hook",
                null,
                List.of("message.created"),
                "whsec_b",
                null,
                null,
                1,
                EndpointState.DISABLED,
                null,
                null,
                null,
                0,
                null,
                T0.plusSeconds(1),
                T0.plusSeconds(1),
                1);
        done(integrations().insertEndpoint(a));
        done(integrations().insertEndpoint(other));
        assertThatThrownBy(() -> integrations().insertEndpoint(a).get()).isInstanceOf(ExecutionException.class);

        assertThat(integrations().endpoint("whe_a")).contains(a);
        assertThat(integrations().endpoints(Optional.empty())).containsExactly(a, other);
        assertThat(integrations().endpoints(Optional.of("beta"))).containsExactly(other);
        assertThat(integrations().endpoints(Optional.of("gamma"))).isEmpty();

        Endpoint rotated = new Endpoint(
                a.id(),
                a.site(),
                "https://hooks.example.test/v2",
                null,
                List.of("message.created"),
                "whsec_new",
                a.secret(),
                T0.plusSeconds(86_400),
                4,
                EndpointState.ACTIVE,
                null,
                null,
                null,
                0,
                null,
                a.createdAt(),
                T0.plusSeconds(9),
                2);
        assertThat(integrations().updateEndpoint(rotated, 1).get()).isTrue();
        assertThat(integrations().endpoint("whe_a")).contains(rotated);

        // A second writer who read version 1 too loses: the stored version is 2 now.
        Endpoint stale = new Endpoint(
                a.id(),
                a.site(),
                "https://stale.example.test/",
                null,
                a.eventTypes(),
                a.secret(),
                null,
                null,
                8,
                EndpointState.PAUSED,
                null,
                null,
                null,
                0,
                null,
                a.createdAt(),
                T0.plusSeconds(10),
                2);
        assertThat(integrations().updateEndpoint(stale, 1).get()).isFalse();
        assertThat(integrations().endpoint("whe_a")).contains(rotated);
        assertThatThrownBy(() -> integrations().updateEndpoint(stale, 5).get())
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    static ConversationStore.OutboundMail pauseAlert(String endpointId, String to) {
        return new ConversationStore.OutboundMail(
                "webhook." + endpointId + "." + to.charAt(0) + "@mail.example.test",
                "webhook:" + endpointId,
                1,
                "webhook_paused",
                "demo",
                to,
                "{\"language\":\"en\"}",
                LATER);
    }

    @Test
    void aPauseWithAlerts_enqueuesThemWithThePause_andNoneWhenTheEndpointWasNotActive() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        // The plain pause prepared first on the writer's connection: the alerts still see the
        // endpoint as it was before their own pause.
        done(integrations().insertEndpoint(endpoint("whe_b", EndpointState.ACTIVE)));
        assertThat(integrations().pauseEndpoint("whe_b", "by the test", LATER).get())
                .isTrue();
        List<ConversationStore.OutboundMail> alerts =
                List.of(pauseAlert("whe_a", "ada@example.test"), pauseAlert("whe_a", "bob@example.test"));

        assertThat(integrations()
                        .pauseEndpoint("whe_a", "receiver answered 410 Gone", LATER, alerts)
                        .get())
                .isTrue();
        assertThat(store.mailOf("webhook:whe_a"))
                .extracting(q -> q.mail().recipient(), q -> q.state())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("ada@example.test", ConversationStore.MailState.PENDING),
                        org.assertj.core.groups.Tuple.tuple("bob@example.test", ConversationStore.MailState.PENDING));
        assertThat(store.dueMail(LATER, 10)).hasSize(2);
        assertThat(integrations().endpoint("whe_a").orElseThrow().state()).isEqualTo(EndpointState.PAUSED);

        // Paused already: nothing changes and no alert is written, whatever their ids.
        List<ConversationStore.OutboundMail> again =
                List.of(pauseAlert("whe_a", "cyd@example.test"), pauseAlert("whe_b", "dan@example.test"));
        assertThat(integrations().pauseEndpoint("whe_a", "again", LATER, again).get())
                .isFalse();
        assertThat(integrations()
                        .pauseEndpoint("whe_b", "again", LATER, again.subList(1, 2))
                        .get())
                .isFalse();
        assertThat(integrations()
                        .pauseEndpoint("whe_gone", "unknown", LATER, again.subList(0, 1))
                        .get())
                .isFalse();
        assertThat(store.mailOf("webhook:whe_a")).hasSize(2);
        assertThat(store.mailOf("webhook:whe_b")).isEmpty();
        assertThat(store.mailCreatedSince(T0)).hasSize(2);
    }

    @Test
    void waitingDeliveries_countsThoseNotFinished_ofThatEndpointOnly() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        done(integrations().insertEndpoint(endpoint("whe_b", EndpointState.ACTIVE)));
        assertThat(integrations().waitingDeliveries("whe_a")).isZero();
        appendWith("c1", 1, "whe_a", "whe_b");
        appendWith("c1", 2, "whe_a");
        appendWith("c2", 1, "whe_a");
        DueDelivery d = head("whe_a", "c2");
        outcome(d, claim(d, LATER), Result.DELIVERED, LATER, 200, null);
        DueDelivery sending = head("whe_a", "c1");
        claim(sending, LATER);

        assertThat(integrations().waitingDeliveries("whe_a"))
                .as("c1#1 sending, c1#2 behind it; c2#1 delivered")
                .isEqualTo(2);
        assertThat(integrations().waitingDeliveries("whe_b")).isEqualTo(1);
        assertThat(integrations().waitingDeliveries("whe_none")).isZero();
    }

    /** {@code e} as an admin changes it: another url and state, with the pause's fields; its next version. */
    static Endpoint adminChange(Endpoint e, String url, EndpointState state, Instant pausedAt, String reason) {
        return e.change()
                .settings(url, e.description(), e.eventTypes(), e.maxInFlight())
                .state(state, pausedAt, reason)
                .at(LATER.plusSeconds(e.version()));
    }

    @Test
    void anAdminsUpdate_keepsTheFailureCountersTheSenderRecordedSinceTheRead_andResetsThemOnlyBackToActive()
            throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        Endpoint read = integrations().endpoint("whe_a").orElseThrow();
        // Between the admin's read and write, the sender records a failed attempt.
        appendWith("c1", 1, "whe_a");
        DueDelivery d = head("whe_a", "c1");
        outcome(d, claim(d, LATER), Result.RETRY, LATER, 503, "503");

        assertThat(integrations()
                        .updateEndpoint(
                                adminChange(read, "https://v2.example.test/", EndpointState.ACTIVE, null, null), 1)
                        .get())
                .isTrue();
        Endpoint v2 = integrations().endpoint("whe_a").orElseThrow();
        assertThat(v2.url()).isEqualTo("https://v2.example.test/");
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.consecutiveFailures()).isEqualTo(1);
        assertThat(v2.failingSince()).isEqualTo(LATER);

        // Paused by the admin: the pause's fields are written, the counters kept.
        Instant pausedAt = LATER.plusSeconds(60);
        assertThat(integrations()
                        .updateEndpoint(adminChange(read, v2.url(), EndpointState.PAUSED, pausedAt, "by k1"), 1)
                        .get())
                .isFalse(); // a stale version still loses
        done(integrations().updateEndpoint(adminChange(v2, v2.url(), EndpointState.PAUSED, pausedAt, "by k1"), 2));
        Endpoint v3 = integrations().endpoint("whe_a").orElseThrow();
        assertThat(v3.state()).isEqualTo(EndpointState.PAUSED);
        assertThat(v3.pausedAt()).isEqualTo(pausedAt);
        assertThat(v3.pausedReason()).isEqualTo("by k1");
        assertThat(v3.consecutiveFailures()).isEqualTo(1);

        // A change that leaves the state as it is leaves the pause's fields as stored.
        done(integrations()
                .updateEndpoint(adminChange(v3, "https://v4.example.test/", EndpointState.PAUSED, null, null), 3));
        Endpoint v4 = integrations().endpoint("whe_a").orElseThrow();
        assertThat(v4.pausedAt()).isEqualTo(pausedAt);
        assertThat(v4.pausedReason()).isEqualTo("by k1");

        // Back to active: the pause and the failure counters are cleared, as by a resume.
        done(integrations().updateEndpoint(adminChange(v4, v4.url(), EndpointState.ACTIVE, null, null), 4));
        Endpoint v5 = integrations().endpoint("whe_a").orElseThrow();
        assertThat(v5.state()).isEqualTo(EndpointState.ACTIVE);
        assertThat(v5.pausedAt()).isNull();
        assertThat(v5.pausedReason()).isNull();
        assertThat(v5.consecutiveFailures()).isZero();
        assertThat(v5.failingSince()).isNull();
    }

    @Test
    void aParkedRowWhoseLaneHeadWasFinishedBesideIt_isMadeDueByTheUnparkOfLaneHeads() throws Exception {
        done(integrations().insertEndpoint(endpoint("whe_a", EndpointState.ACTIVE)));
        appendWith("c1", 1, "whe_a");
        appendWith("c1", 2, "whe_a"); // parked behind seq 1
        appendWith("c2", 1, "whe_a");
        appendWith("c2", 2, "whe_a"); // parked behind seq 1, which stays pending
        assertThat(integrations().unparkLaneHeads(LATER).get()).isZero(); // nothing to do: no write
        // The state a cancel committed beside the append that parked seq 2 leaves: seq 1 finished,
        // seq 2 still parked.
        try (Connection c = rawConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE webhook_deliveries SET state = 'cancelled'"
                        + " WHERE conversation_id = 'c1' AND seq = 1")) {
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        assertThat(due(LATER)).containsExactly("whe_a:c2#1.0");
        assertThat(parked()).isEqualTo(2);

        assertThat(integrations().unparkLaneHeads(LATER).get()).isEqualTo(1);

        assertThat(due(LATER)).containsExactlyInAnyOrder("whe_a:c1#2.0", "whe_a:c2#1.0");
        assertThat(parked()).isEqualTo(1); // c2's seq 2 waits for its head
        assertThat(integrations().unparkLaneHeads(LATER).get()).isZero();
    }
}
