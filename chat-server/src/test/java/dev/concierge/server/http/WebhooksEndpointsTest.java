package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.ChatServer;
import dev.concierge.server.testing.FakeIntegrationStore;
import dev.concierge.server.testing.MutableClock;
import dev.concierge.server.testing.RestClient;
import dev.concierge.store.InMemoryConversationStore;
import dev.concierge.store.IntegrationStore.Attempt;
import dev.concierge.store.IntegrationStore.Delivery;
import dev.concierge.store.IntegrationStore.DeliveryState;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Managing webhooks over the REST API, real sockets (docs/integrations.md, "Managing webhooks"):
 * create with its checks and the secret shown once, read, change under {@code If-Match}, pause and
 * resume, rotate the secret, delete; the delivery log paged and filtered, one delivery with its
 * attempts, redeliver and cancel; a key limited to one site sees only that site's endpoints.
 */
final class WebhooksEndpointsTest {
    private static final String ADMIN = ApiKeysEndpointsTest.ADMIN;
    private static final String CREATE =
            "{\"site\":\"demo\",\"url\":\"https://hooks.example.com/concierge\",\"eventTypes\":[\"message.created\",\"conversation.closed\"]}";

    private static final FakeIntegrationStore integrations = new FakeIntegrationStore();
    private static final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private static ChatServer server;
    private static RestClient rest;

    @BeforeAll
    static void start() {
        server = ChatServer.builder()
                .port(0)
                .adminToken(ADMIN)
                .store(integrations.around(new InMemoryConversationStore()))
                .siteOrigins("shop", List.of("https://shop.example"))
                .clock(clock)
                .start();
        rest = new RestClient(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonNode created(String bearer, String body) throws Exception {
        HttpResponse<String> r = rest.post("/api/v1/webhooks", bearer, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return RestClient.json(r);
    }

    private static void assertError(HttpResponse<String> r, int status, String code, String messagePart)
            throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(RestClient.json(r).path("error").asText()).as(r.body()).isEqualTo(code);
        assertThat(RestClient.json(r).path("message").asText()).contains(messagePart);
    }

    @Test
    void anEndpoint_isCreatedWithItsSecretOnce_readChangedRotatedAndDeleted() throws Exception {
        JsonNode e = created(ADMIN, CREATE);
        String id = e.path("id").asText();
        assertThat(id).matches("whe_[A-Za-z0-9_-]{16}");
        String secret = e.path("secret").asText();
        assertThat(secret).startsWith("whsec_");
        assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(32);
        assertThat(e.path("state").asText()).isEqualTo("active");
        assertThat(e.path("maxInFlight").asInt()).isEqualTo(8);
        assertThat(e.path("version").asLong()).isEqualTo(1);
        assertThat(e.path("createdAt").asText()).isEqualTo("2026-12-07T10:00:00Z");

        HttpResponse<String> read = rest.get("/api/v1/webhooks/" + id, ADMIN);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).doesNotContain(secret.substring(6)).doesNotContain("\"secret\"");
        assertThat(rest.get("/api/v1/webhooks", ADMIN).body()).contains(id).doesNotContain(secret.substring(6));

        // A change names the version it was made from: a stale one is a conflict, changing nothing.
        String patch = "{\"eventTypes\":[\"rating.submitted\"],\"description\":\"CRM\",\"maxInFlight\":2}";
        HttpResponse<String> changed = rest.call("PATCH", "/api/v1/webhooks/" + id, ADMIN, patch, "If-Match", "\"1\"");
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(RestClient.json(changed).path("version").asLong()).isEqualTo(2);
        assertThat(RestClient.json(changed).path("eventTypes").toString()).isEqualTo("[\"rating.submitted\"]");
        assertThat(RestClient.json(changed).path("maxInFlight").asInt()).isEqualTo(2);
        assertError(
                rest.call("PATCH", "/api/v1/webhooks/" + id, ADMIN, "{\"description\":\"x\"}", "If-Match", "\"1\""),
                409,
                "conflict",
                "version 2");
        assertThat(integrations.endpoint(id).orElseThrow().description()).isEqualTo("CRM");

        HttpResponse<String> paused = rest.call("PATCH", "/api/v1/webhooks/" + id, ADMIN, "{\"state\":\"paused\"}");
        assertThat(RestClient.json(paused).path("state").asText()).isEqualTo("paused");
        assertThat(RestClient.json(paused).path("pausedReason").asText()).isEqualTo("paused by admin-token");
        HttpResponse<String> resumed = rest.post("/api/v1/webhooks/" + id + "/resume", ADMIN, "");
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
        assertThat(RestClient.json(resumed).path("state").asText()).isEqualTo("active");
        assertThat(RestClient.json(resumed).path("pausedAt").isNull()).isTrue();

        HttpResponse<String> rotated = rest.post("/api/v1/webhooks/" + id + "/rotate-secret", ADMIN, "");
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        String newSecret = RestClient.json(rotated).path("secret").asText();
        assertThat(newSecret).startsWith("whsec_").isNotEqualTo(secret);
        var stored = integrations.endpoint(id).orElseThrow();
        assertThat(stored.previousSecret()).isEqualTo(secret);
        assertThat(stored.previousSecretUntil()).isEqualTo(clock.instant().plusSeconds(24 * 3600));

        assertThat(rest.call("DELETE", "/api/v1/webhooks/" + id, ADMIN, null).statusCode())
                .isEqualTo(204);
        assertError(rest.get("/api/v1/webhooks/" + id, ADMIN), 404, "not_found", "no webhook endpoint");
    }

    @Test
    void aBadEndpoint_isRefused_sayingWhy() throws Exception {
        String[][] cases = {
            {"[]", "bad_json", "JSON object"},
            {"{\"url\":\"https://a.example\",\"eventTypes\":[\"message.created\"]}", "bad_request", "site is needed"},
            {
                "{\"site\":\"nope\",\"url\":\"https://a.example\",\"eventTypes\":[\"message.created\"]}",
                "unknown_site",
                "nope"
            },
            {
                "{\"site\":\"demo\",\"url\":\"ftp://a.example\",\"eventTypes\":[\"message.created\"]}",
                "bad_request",
                "https://"
            },
            {
                "{\"site\":\"demo\",\"url\":\"https://u:p@a.example\",\"eventTypes\":[\"message.created\"]}",
                "bad_request",
                "user name"
            },
            {"{\"site\":\"demo\",\"url\":\"https:///path\",\"eventTypes\":[\"message.created\"]}", "bad_request", "host"
            },
            {
                "{\"site\":\"demo\",\"url\":\"https://a.example/" + "p".repeat(2100)
                        + "\",\"eventTypes\":[\"message.created\"]}",
                "bad_request",
                "url must be"
            },
            {"{\"site\":\"demo\",\"url\":\"https://a.example\",\"eventTypes\":[]}", "bad_request", "eventTypes must be"
            },
            {
                "{\"site\":\"demo\",\"url\":\"https://a.example\",\"eventTypes\":[\"message.eaten\"]}",
                "bad_request",
                "unknown event type message.eaten"
            },
            {
                "{\"site\":\"demo\",\"url\":\"https://a.example\",\"eventTypes\":[\"message.created\"],\"maxInFlight\":65}",
                "bad_request",
                "maxInFlight"
            },
        };
        int before = integrations.endpoints(java.util.Optional.empty()).size();
        for (String[] c : cases) {
            HttpResponse<String> r = rest.post("/api/v1/webhooks", ADMIN, c[0]);
            assertThat(r.statusCode()).as(c[0] + " → " + r.body()).isEqualTo(400);
            assertThat(RestClient.json(r).path("error").asText()).as(c[0]).isEqualTo(c[1]);
            assertThat(RestClient.json(r).path("message").asText()).as(c[0]).contains(c[2]);
        }
        assertThat(integrations.endpoints(java.util.Optional.empty())).hasSize(before);
        String id = created(ADMIN, CREATE).path("id").asText();
        assertError(
                rest.call("PATCH", "/api/v1/webhooks/" + id, ADMIN, "{\"secret\":\"mine\"}"),
                400,
                "bad_request",
                "unknown field secret");
        assertError(
                rest.call("PATCH", "/api/v1/webhooks/" + id, ADMIN, "{\"state\":\"gone\"}"),
                400,
                "bad_request",
                "state must be");
        assertError(
                rest.call("PATCH", "/api/v1/webhooks/" + id, ADMIN, "{}", "If-Match", "soon"),
                400,
                "bad_request",
                "If-Match");
    }

    @Test
    void aKeyOfOneSite_seesOnlyItsSitesEndpointsAndDeliveries() throws Exception {
        String demoId = created(ADMIN, CREATE).path("id").asText();
        HttpResponse<String> made = rest.post(
                "/api/v1/api-keys",
                ADMIN,
                "{\"kind\":\"admin\",\"site\":\"shop\",\"scopes\":[\"webhooks:read\",\"webhooks:write\"],\"name\":\"shop\"}");
        String shop = RestClient.json(made).path("key").asText();
        String shopId =
                created(shop, CREATE.replace("\"demo\"", "\"shop\"")).path("id").asText();
        integrations.addDelivery(delivery("whd_demo", demoId, "c_1", DeliveryState.PENDING, 0), List.of());

        String list = rest.get("/api/v1/webhooks", shop).body();
        assertThat(list).contains(shopId).doesNotContain(demoId);
        assertError(rest.get("/api/v1/webhooks?site=demo", shop), 403, "forbidden", "site demo");
        assertError(rest.get("/api/v1/webhooks/" + demoId, shop), 404, "not_found", "no webhook endpoint");
        assertThat(rest.call("DELETE", "/api/v1/webhooks/" + demoId, shop, null).statusCode())
                .isEqualTo(404);
        assertThat(rest.get("/api/v1/webhooks/" + demoId + "/deliveries", shop).statusCode())
                .isEqualTo(404);
        assertThat(rest.get("/api/v1/webhook-deliveries/whd_demo", shop).statusCode())
                .isEqualTo(404);
        assertThat(rest.post("/api/v1/webhook-deliveries/whd_demo/cancel", shop, "")
                        .statusCode())
                .isEqualTo(404);
        assertError(rest.post("/api/v1/webhooks", shop, CREATE), 403, "forbidden", "site demo");
        // A site that does not exist is answered alike: the key learns nothing of other sites.
        assertError(
                rest.post("/api/v1/webhooks", shop, CREATE.replace("\"demo\"", "\"no-such-site\"")),
                403,
                "forbidden",
                "site no-such-site");
        assertError(rest.get("/api/v1/webhooks?site=no-such-site", shop), 403, "forbidden", "site no-such-site");
        assertThat(integrations.endpoint(demoId)).isPresent();
    }

    private static Delivery delivery(String id, String endpoint, String conversation, DeliveryState state, int n) {
        return new Delivery(
                id,
                endpoint,
                "evt_" + id,
                conversation,
                n,
                "message.created",
                state,
                state == DeliveryState.PENDING ? 0 : 2,
                Instant.parse("2026-12-07T09:00:00Z").plusSeconds(n),
                null,
                null,
                null,
                state == DeliveryState.EXPIRED ? 500 : null,
                state == DeliveryState.EXPIRED ? "HTTP 500" : null,
                "{\"id\":\"evt_" + id + "\"}");
    }

    @Test
    void theDeliveryLog_isPagedAndFiltered_oneDeliveryShowsItsAttempts_redeliverAndCancel() throws Exception {
        String id = created(ADMIN, CREATE).path("id").asText();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String d = "whd_" + id.substring(4, 10) + i;
            ids.add(d);
            DeliveryState state = i < 3 ? DeliveryState.EXPIRED : DeliveryState.PENDING;
            integrations.addDelivery(delivery(d, id, i % 2 == 0 ? "c_even" : "c_odd", state, i), List.of());
        }
        integrations.addDelivery(
                delivery(ids.get(0), id, "c_even", DeliveryState.EXPIRED, 0),
                List.of(new Attempt(
                        ids.get(0), 1, "n1", clock.instant(), 120L, "203.0.113.5:443", 500, "HTTP 500", "oops")));

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            HttpResponse<String> page = rest.get(
                    "/api/v1/webhooks/" + id + "/deliveries?limit=3" + (cursor == null ? "" : "&cursor=" + cursor),
                    ADMIN);
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            JsonNode body = RestClient.json(page);
            body.path("items").forEach(d -> seen.add(d.path("id").asText()));
            cursor = body.path("next").isNull() ? null : body.path("next").asText();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        List<String> newestFirst = new ArrayList<>(ids);
        Collections.reverse(newestFirst);
        assertThat(seen).containsExactlyElementsOf(newestFirst);

        JsonNode expired = RestClient.json(
                rest.get("/api/v1/webhooks/" + id + "/deliveries?state=expired&conversation=c_even", ADMIN));
        assertThat(expired.path("items")).hasSize(2);
        assertError(
                rest.get("/api/v1/webhooks/" + id + "/deliveries?state=lost", ADMIN),
                400,
                "bad_request",
                "state must be");
        assertError(rest.get("/api/v1/webhooks/" + id + "/deliveries?limit=101", ADMIN), 400, "bad_request", "limit");
        assertError(rest.get("/api/v1/webhooks/" + id + "/deliveries?cursor=xyz", ADMIN), 400, "bad_request", "cursor");

        JsonNode one = RestClient.json(rest.get("/api/v1/webhook-deliveries/" + ids.get(0), ADMIN));
        assertThat(one.path("body").asText()).isEqualTo("{\"id\":\"evt_" + ids.get(0) + "\"}");
        assertThat(one.path("attemptLog").get(0).path("status").asInt()).isEqualTo(500);
        assertThat(one.path("attemptLog").get(0).path("address").asText()).isEqualTo("203.0.113.5:443");

        HttpResponse<String> again = rest.post("/api/v1/webhook-deliveries/" + ids.get(0) + "/redeliver", ADMIN, "");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(RestClient.json(again).path("state").asText()).isEqualTo("pending");
        HttpResponse<String> cancelled = rest.post("/api/v1/webhook-deliveries/" + ids.get(5) + "/cancel", ADMIN, "");
        assertThat(RestClient.json(cancelled).path("state").asText()).isEqualTo("cancelled");
        assertError(
                rest.post("/api/v1/webhook-deliveries/" + ids.get(5) + "/cancel", ADMIN, ""),
                409,
                "bad_state",
                "a cancelled delivery cannot be cancelled");
        assertError(rest.get("/api/v1/webhook-deliveries/whd_none", ADMIN), 404, "not_found", "no webhook delivery");
    }
}
