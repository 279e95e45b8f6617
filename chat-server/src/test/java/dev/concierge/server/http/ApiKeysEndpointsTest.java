package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.ChatServer;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.ApiKeys;
import dev.concierge.server.testing.FakeIntegrationStore;
import dev.concierge.server.testing.MutableClock;
import dev.concierge.server.testing.RestClient;
import dev.concierge.store.InMemoryConversationStore;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The REST API's keys over real sockets (docs/integrations.md, "Keys"): 401 for a missing, wrong,
 * revoked or expired key; 403 for a missing scope; a key shown once and stored as its hash; the
 * checks of a new key with their messages; a caller never makes a key worth more than itself;
 * the per-key rate. Time (the clock of expiry, the ticker of the rate and the cache) is the test's.
 */
final class ApiKeysEndpointsTest {
    static final String ADMIN = "admin-token-of-the-api-keys-test";

    private final FakeIntegrationStore integrations = new FakeIntegrationStore();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private ChatServer server;
    private RestClient rest;

    @BeforeEach
    void start() {
        server = start(integrations, clock, nanos);
        rest = new RestClient(server);
    }

    /** A server with the {@link #ADMIN} token, sites {@code demo} and {@code shop}, on the test's time. */
    static ChatServer start(FakeIntegrationStore integrations, MutableClock clock, AtomicLong nanos) {
        return ChatServer.builder()
                .port(0)
                .adminToken(ADMIN)
                .store(integrations.around(new InMemoryConversationStore()))
                .siteOrigins("shop", List.of("https://shop.example"))
                .agents(List.of(AgentAccount.withPassword("alice", "Alice", "alice", "pw-alice", 1000)))
                .clock(clock)
                .ticker(nanos::get)
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> create(String bearer, String body) throws Exception {
        return rest.post("/api/v1/api-keys", bearer, body);
    }

    /** A new key's string, made with the admin token. */
    String key(String body) throws Exception {
        HttpResponse<String> created = create(ADMIN, body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return RestClient.json(created).path("key").asText();
    }

    private static void assertError(HttpResponse<String> r, int status, String code, String messagePart)
            throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = RestClient.json(r);
        assertThat(body.path("error").asText()).isEqualTo(code);
        assertThat(body.path("message").asText()).contains(messagePart);
    }

    @Test
    void aKey_isShownOnce_storedAsItsHash_andListedWithoutEither() throws Exception {
        HttpResponse<String> created = create(
                ADMIN,
                "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"conversations:read\",\"messages:write\"],"
                        + "\"integration\":\"CRM\",\"name\":\"CRM sync\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode body = RestClient.json(created);
        String key = body.path("key").asText();
        String id = body.path("id").asText();
        assertThat(key).startsWith("ck_site_" + id + "_").hasSize(8 + 16 + 1 + 43);
        assertThat(body.path("scopes").toString()).isEqualTo("[\"conversations:read\",\"messages:write\"]");
        assertThat(body.path("integration").asText()).isEqualTo("CRM");
        assertThat(body.path("createdBy").asText()).isEqualTo("admin-token");
        assertThat(body.has("secretSha256")).isFalse();

        assertThat(integrations.apiKey(id).orElseThrow().secretSha256()).isEqualTo(ApiKeys.sha256Hex(key));

        HttpResponse<String> list = rest.get("/api/v1/api-keys", ADMIN);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains(id).doesNotContain(key.substring(26)).doesNotContain(ApiKeys.sha256Hex(key));
        assertThat(RestClient.json(list).path("items").get(0).has("key")).isFalse();
        assertThat(RestClient.json(list).path("next").isNull()).isTrue();
    }

    @Test
    void missingWrongRevokedAndExpiredKeys_areUnauthorized() throws Exception {
        String scopes = "\"scopes\":[\"webhooks:read\"],\"name\":\"reader\"";
        String good = key("{\"kind\":\"admin\"," + scopes + "}");
        String revoked = key("{\"kind\":\"admin\"," + scopes + "}");
        String expiring =
                key("{\"kind\":\"admin\",\"expiresAt\":\"" + clock.instant().plusSeconds(3600) + "\"," + scopes + "}");
        for (String k : List.of(good, revoked, expiring)) {
            assertThat(rest.get("/api/v1/webhooks", k).statusCode()).isEqualTo(200);
        }

        String revokedId = ApiKeys.parse(revoked).orElseThrow().id();
        assertThat(rest.call("DELETE", "/api/v1/api-keys/" + revokedId, ADMIN, null)
                        .statusCode())
                .isEqualTo(204);
        clock.advance(Duration.ofHours(2));

        assertError(rest.get("/api/v1/webhooks", null), 401, "unauthorized", "Authorization: Bearer");
        assertError(rest.get("/api/v1/webhooks", "not-a-key"), 401, "unauthorized", "no API key");
        String wrongSecret = good.substring(0, good.length() - 4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertError(rest.get("/api/v1/webhooks", wrongSecret), 401, "unauthorized", "unknown, revoked or expired");
        assertError(rest.get("/api/v1/webhooks", revoked), 401, "unauthorized", "unknown, revoked or expired");
        assertError(rest.get("/api/v1/webhooks", expiring), 401, "unauthorized", "unknown, revoked or expired");
        assertError(
                rest.get("/api/v1/webhooks", "ck_admin_" + "x".repeat(16) + "_" + "y".repeat(43)),
                401,
                "unauthorized",
                "unknown");
        assertThat(rest.get("/api/v1/webhooks", good).statusCode()).isEqualTo(200);
        assertThat(RestClient.json(rest.get("/api/v1/api-keys", ADMIN)).toString())
                .contains("\"revokedAt\":\"");
    }

    @Test
    void aKeyWithoutTheScope_isForbidden() throws Exception {
        String site = key("{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"conversations:read\"],\"name\":\"r\"}");
        assertError(rest.get("/api/v1/webhooks", site), 403, "forbidden", "webhooks:read");
        assertError(rest.get("/api/v1/api-keys", site), 403, "forbidden", "api_keys:write");
        String reader = key("{\"kind\":\"admin\",\"scopes\":[\"webhooks:read\"],\"name\":\"r\"}");
        assertError(rest.post("/api/v1/webhooks", reader, "{}"), 403, "forbidden", "webhooks:write");
    }

    @Test
    void aBadNewKey_isRefused_sayingWhy() throws Exception {
        String[][] cases = {
            {"not json", "bad_json", "JSON object"},
            {"{\"kind\":\"root\",\"scopes\":[\"webhooks:read\"],\"name\":\"n\"}", "bad_request", "kind must be"},
            {"{\"kind\":\"site\",\"scopes\":[\"conversations:read\"],\"name\":\"n\"}", "bad_request", "site is needed"},
            {
                "{\"kind\":\"site\",\"site\":\"nope\",\"scopes\":[\"conversations:read\"],\"name\":\"n\"}",
                "unknown_site",
                "nope"
            },
            {
                "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"conversations:eat\"],\"name\":\"n\"}",
                "bad_request",
                "unknown scope"
            },
            {
                "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"webhooks:write\"],\"name\":\"n\"}",
                "bad_request",
                "cannot hold webhooks:write"
            },
            {
                "{\"kind\":\"admin\",\"scopes\":[\"messages:write\"],\"name\":\"n\"}",
                "bad_request",
                "cannot hold messages:write"
            },
            {"{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[],\"name\":\"n\"}", "bad_request", "scopes must be"},
            {
                "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"messages:write\"],\"name\":\"n\"}",
                "bad_request",
                "exactly one of"
            },
            {
                "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"notes:write\"],\"actsAsAgent\":\"alice\",\"integration\":\"CRM\",\"name\":\"n\"}",
                "bad_request",
                "exactly one of"
            },
            {
                "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"messages:write\"],\"actsAsAgent\":\"bob\",\"name\":\"n\"}",
                "bad_request",
                "no known agent"
            },
            {
                "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"messages:write\"],\"integration\":\""
                        + "x".repeat(41) + "\",\"name\":\"n\"}",
                "bad_request",
                "integration must be"
            },
            {
                "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"conversations:read\"],\"integration\":\"CRM\",\"name\":\"n\"}",
                "bad_request",
                "only for keys with"
            },
            {"{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"conversations:read\"]}", "bad_request", "name must be"
            },
            {
                "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"conversations:read\"],\"name\":\"n\",\"expiresAt\":\"2020-01-01T00:00:00Z\"}",
                "bad_request",
                "in the future"
            },
            {
                "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"conversations:read\"],\"name\":\"n\",\"expiresAt\":\"soon\"}",
                "bad_request",
                "ISO-8601"
            },
        };
        for (String[] c : cases) {
            HttpResponse<String> r = create(ADMIN, c[0]);
            assertThat(r.statusCode()).as(c[0] + " → " + r.body()).isEqualTo(400);
            assertThat(RestClient.json(r).path("error").asText()).as(c[0]).isEqualTo(c[1]);
            assertThat(RestClient.json(r).path("message").asText()).as(c[0]).contains(c[2]);
        }
        assertThat(integrations.apiKeys()).isEmpty();
        assertThat(
                        key(
                                "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"messages:write\"],\"actsAsAgent\":\"alice\",\"name\":\"n\"}"))
                .startsWith("ck_site_");
    }

    @Test
    void aKey_neverMakesAKeyWorthMoreThanItself() throws Exception {
        String shopAdmin = key(
                "{\"kind\":\"admin\",\"site\":\"shop\",\"scopes\":[\"api_keys:write\",\"webhooks:read\"],\"name\":\"shop admin\"}");
        assertError(
                create(shopAdmin, "{\"kind\":\"admin\",\"scopes\":[\"webhooks:read\"],\"name\":\"every site\"}"),
                403,
                "forbidden",
                "keys of its site shop");
        assertError(
                create(
                        shopAdmin,
                        "{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"conversations:read\"],\"name\":\"n\"}"),
                403,
                "forbidden",
                "shop");
        // A site that does not exist is answered alike: the key learns nothing of other sites.
        assertError(
                create(
                        shopAdmin,
                        "{\"kind\":\"site\",\"site\":\"no-such-site\",\"scopes\":[\"conversations:read\"],\"name\":\"n\"}"),
                403,
                "forbidden",
                "shop");
        assertError(
                create(
                        shopAdmin,
                        "{\"kind\":\"admin\",\"site\":\"shop\",\"scopes\":[\"webhooks:write\"],\"name\":\"n\"}"),
                403,
                "forbidden",
                "cannot grant webhooks:write");
        assertThat(create(
                                shopAdmin,
                                "{\"kind\":\"site\",\"site\":\"shop\",\"scopes\":[\"conversations:read\"],\"name\":\"n\"}")
                        .statusCode())
                .isEqualTo(201);

        // It lists and revokes its site's keys only.
        String demoKey =
                key("{\"kind\":\"site\",\"site\":\"demo\",\"scopes\":[\"conversations:read\"],\"name\":\"d\"}");
        String demoId = ApiKeys.parse(demoKey).orElseThrow().id();
        assertThat(rest.get("/api/v1/api-keys", shopAdmin).body()).doesNotContain(demoId);
        assertThat(rest.call("DELETE", "/api/v1/api-keys/" + demoId, shopAdmin, null)
                        .statusCode())
                .isEqualTo(404);
        assertThat(rest.get("/api/v1/api-keys", ADMIN).body()).contains(demoId);
    }

    @Test
    void aKeyOverItsRate_getsRateLimited_withRetryAfter_otherKeysDoNot() throws Exception {
        String busy = key("{\"kind\":\"admin\",\"scopes\":[\"webhooks:read\"],\"name\":\"busy\"}");
        String calm = key("{\"kind\":\"admin\",\"scopes\":[\"webhooks:read\"],\"name\":\"calm\"}");
        for (int i = 0; i < ApiKeys.BURST; i++) {
            assertThat(rest.get("/api/v1/webhooks", busy).statusCode())
                    .as("call %d", i)
                    .isEqualTo(200);
        }
        HttpResponse<String> limited = rest.get("/api/v1/webhooks", busy);
        assertError(limited, 429, "rate_limited", "20 requests a second");
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(rest.get("/api/v1/webhooks", calm).statusCode()).isEqualTo(200);
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(rest.get("/api/v1/webhooks", busy).statusCode()).isEqualTo(200);
    }

    @Test
    void aServerWithoutTheDatabaseStore_saysSo() throws Exception {
        ChatServer plain = ChatServer.builder().port(0).adminToken(ADMIN).start();
        try {
            RestClient r = new RestClient(plain);
            assertError(r.get("/api/v1/api-keys", ADMIN), 400, "bad_request", "needs the database store");
            for (String path : List.of(
                    "/api/v1/webhooks",
                    "/api/v1/webhooks/whe_x",
                    "/api/v1/webhook-deliveries/whd_x",
                    "/api/v1/conversations",
                    "/api/v1/follow-ups")) {
                assertError(r.get(path, ADMIN), 400, "bad_request", "needs the database store");
            }
            assertError(
                    r.get("/api/v1/webhooks", "ck_site_" + "x".repeat(16) + "_" + "y".repeat(43)),
                    401,
                    "unauthorized",
                    "no API key");
        } finally {
            plain.close();
        }
    }
}
