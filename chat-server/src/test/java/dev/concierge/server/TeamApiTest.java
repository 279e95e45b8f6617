package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.server.testing.RestClient;
import dev.concierge.server.testing.SitesFixture;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API's team and configuration over a real server and its SQLite store: agents created,
 * disabled and enabled with a key holding {@code agents:write} (the agent signs in, loses their
 * socket, is refused, signs in again), the bad bodies refused naming the field, the departments
 * with who is online and available and the queue, the sites without their secrets, and the
 * answers to a missing credential or scope.
 */
final class TeamApiTest {
    private static final String ADMIN = "admin-token-of-the-team-api-test";
    private static final String SHOP_SECRET = "the-shop-identity-secret-of-32-characters";
    private static final String AGENTS = "/api/v1/agents";

    private ChatServer server;
    private RestClient rest;

    @BeforeEach
    void start(@TempDir Path dataDir) {
        server = ChatServer.builder()
                .port(0)
                .dataDir(dataDir)
                .adminToken(ADMIN)
                .departments(List.of("billing", "orders"))
                .maxChatsPerAgent(1)
                .agents(List.of(
                        AgentAccount.withPassword("dana", "Dana", "dana", "pw-dana", 1000)
                                .inDepartments(List.of("billing")),
                        AgentAccount.withPassword("omar", "Omar", "omar", "pw-omar", 1000)
                                .inDepartments(List.of("orders"))))
                .sitesFile(SitesFixture.write("""
                                {"sites": {
                                  "shop": {"title": "Shop help", "department": "orders",
                                           "allowedOrigins": ["https://shop.example.com"],
                                           "identitySecret": "%s",
                                           "email": {"from": "Shop help <help@shop.example.com>"}},
                                  "blog": {}
                                }}""".formatted(SHOP_SECRET)), name -> null)
                .start();
        rest = new RestClient(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static JsonNode ok(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return RestClient.json(response);
    }

    /** A new key made with the admin token; {@code fields} are the create body's other fields. */
    private String key(String kind, String scopes, String fields) throws Exception {
        String body = "{\"kind\":\"" + kind + "\",\"name\":\"test\",\"scopes\":[" + scopes + "]"
                + (fields.isEmpty() ? "" : "," + fields) + "}";
        return ok(rest.post("/api/v1/api-keys", ADMIN, body), 201).path("key").asText();
    }

    /** Fails unless the agent {@code lee} of the bodies here cannot sign in: it was never created. */
    private void assertNoAgentLee() throws Exception {
        String login = "{\"username\":\"lee\",\"password\":\"lee-password-1\"}";
        assertThat(AgentHttp.post(server, "/api/agent/login", null, login).statusCode())
                .isEqualTo(401);
    }

    private static String agent(String id, String username, String password, String departments) {
        return "{\"id\":\"" + id + "\",\"name\":\"Lee Returns\",\"username\":\"" + username + "\",\"password\":\""
                + password + "\",\"departments\":" + departments + "}";
    }

    @Test
    void everyCall_needsACredential_andItsScope_whichASiteKeyCannotHold_norAKeyOfOneSiteForAgents() throws Exception {
        String other = key("admin", "\"agents:read\",\"webhooks:read\"", "");
        Map<String, String> calls = Map.of(
                "POST " + AGENTS,
                "agents:write",
                "POST " + AGENTS + "/dana/disable",
                "agents:write",
                "POST " + AGENTS + "/dana/enable",
                "agents:write",
                "GET /api/v1/departments",
                "departments:read",
                "GET /api/v1/sites",
                "sites:read");
        for (Map.Entry<String, String> call : calls.entrySet()) {
            String method = call.getKey().substring(0, call.getKey().indexOf(' '));
            String path = call.getKey().substring(method.length() + 1);
            String body = method.equals("POST") ? agent("lee", "lee", "lee-password-1", "[]") : null;
            assertThat(ok(rest.call(method, path, null, body), 401)
                            .path("error")
                            .asText())
                    .as(call.getKey())
                    .isEqualTo("unauthorized");
            JsonNode refused = ok(rest.call(method, path, other, body), 403);
            assertThat(refused.path("error").asText()).as(call.getKey()).isEqualTo("forbidden");
            assertThat(refused.path("message").asText()).as(call.getKey()).contains(call.getValue());
        }
        // An agent works for every site: a key limited to one may not make or change one.
        String shopOnly = key("admin", "\"agents:write\"", "\"site\":\"shop\"");
        for (String path : List.of(AGENTS, AGENTS + "/dana/disable", AGENTS + "/dana/enable")) {
            JsonNode refused = ok(rest.post(path, shopOnly, agent("lee", "lee", "lee-password-1", "[]")), 403);
            assertThat(refused.path("message").asText()).as(path).contains("limited to the site shop");
        }
        // Nothing happened: no agent lee, dana still signs in.
        assertNoAgentLee();
        AgentHttp.login(server, "dana", "pw-dana");
        for (String scope : List.of("agents:write", "departments:read", "sites:read")) {
            JsonNode siteKey = ok(
                    rest.post(
                            "/api/v1/api-keys",
                            ADMIN,
                            "{\"kind\":\"site\",\"site\":\"shop\",\"name\":\"x\",\"scopes\":[\"" + scope + "\"]}"),
                    400);
            assertThat(siteKey.path("message").asText()).isEqualTo("a site key cannot hold " + scope);
        }
    }

    @Test
    void createdAgent_isAnsweredAsListed_signsInAtOnce_andCannotBeCreatedTwice() throws Exception {
        String admin = key("admin", "\"agents:write\",\"agents:read\"", "");
        JsonNode created =
                ok(rest.post(AGENTS, admin, agent("lee", "lee", "lee-password-1", "[\"orders\",\"billing\"]")), 201);

        JsonNode listed = null;
        for (JsonNode a : ok(rest.get(AGENTS, admin), 200).path("items")) {
            listed = a.path("id").asText().equals("lee") ? a : listed;
        }
        assertThat(created).isEqualTo(listed);
        assertThat(created.path("name").asText()).isEqualTo("Lee Returns");
        assertThat(created.path("departments").toString()).isEqualTo("[\"orders\",\"billing\"]");
        assertThat(created.path("presence").asText()).isEqualTo("offline");
        assertThat(created.path("openChats").asInt()).isZero();
        assertThat(created.path("capacity").asInt()).isEqualTo(1);
        assertThat(created.toString()).doesNotContain("lee-password-1");

        try (RawSocket socket = AgentHttp.agentSocket(server, AgentHttp.login(server, "lee", "lee-password-1"))) {
            assertThat(socket.closedWith).isNotDone();
        }
        JsonNode twice = ok(rest.post(AGENTS, admin, agent("lee", "lee2", "lee-password-1", "[]")), 409);
        assertThat(twice.path("error").asText()).isEqualTo("conflict");
        ok(rest.post(AGENTS, ADMIN, agent("lea", "lee", "lea-password-1", "[]")), 409);
        ok(rest.post(AGENTS, ADMIN, agent("lea", "lea", "lea-password-1", "[]")), 201); // the admin token too
    }

    @Test
    void badBodies_are400_namingTheField() throws Exception {
        String admin = key("admin", "\"agents:write\"", "");
        assertThat(ok(rest.post(AGENTS, admin, "not json"), 400).path("error").asText())
                .isEqualTo("bad_json");
        assertThat(ok(rest.post(AGENTS, admin, "[1]"), 400).path("error").asText())
                .isEqualTo("bad_json");
        Map<String, String> bad = Map.of(
                "id", agent("Lee!", "lee", "lee-password-1", "[]"),
                "name", agent("lee", "lee", "lee-password-1", "[]").replace("Lee Returns", " "),
                "username", agent("lee", "lee lee", "lee-password-1", "[]"),
                "password", agent("lee", "lee", "short", "[]"),
                "departments", agent("lee", "lee", "lee-password-1", "[\"nowhere\"]"));
        List<String> refusedFields = new ArrayList<>();
        for (Map.Entry<String, String> b : bad.entrySet()) {
            JsonNode refused = ok(rest.post(AGENTS, admin, b.getValue()), 400);
            assertThat(refused.path("error").asText()).isEqualTo("bad_request");
            assertThat(refused.path("message").asText()).as(b.getKey()).startsWith(b.getKey() + " must be");
            refusedFields.add(refused.path("field").asText());
        }
        assertThat(refusedFields).containsExactlyInAnyOrderElementsOf(bad.keySet());
        for (String departments : List.of("\"orders\"", "{\"a\":\"orders\"}", "[7]")) {
            assertThat(ok(rest.post(AGENTS, admin, agent("lee", "lee", "lee-password-1", departments)), 400)
                            .path("field")
                            .asText())
                    .as(departments)
                    .isEqualTo("departments");
        }
        assertNoAgentLee();
    }

    @Test
    void disable_closesTheAgentsSocket_andRefusesSignIn_enableLetsThemBackIn() throws Exception {
        String admin = key("admin", "\"agents:write\"", "");
        String token = AgentHttp.login(server, "dana", "pw-dana");
        try (RawSocket socket = AgentHttp.agentSocket(server, token);
                RawSocket bystander = AgentHttp.agentSocket(server, AgentHttp.login(server, "omar", "pw-omar"))) {
            JsonNode disabled = ok(rest.post(AGENTS + "/dana/disable", admin, null), 200);
            assertThat(disabled.path("status").asText()).isEqualTo("disabled");
            assertThat(disabled.path("socketsClosed").asInt()).isEqualTo(1);
            assertThat(socket.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
            bystander.send("{\"type\":\"presence\",\"id\":\"p1\",\"status\":\"away\"}");
            bystander.await(f -> f.path("ref").asText().equals("p1"));
            assertThat(bystander.closedWith).isNotDone();
        }
        AgentHttp.assertTokenRefused(server, token);
        assertThat(AgentHttp.post(server, "/api/agent/login", null, "{\"username\":\"dana\",\"password\":\"pw-dana\"}")
                        .statusCode())
                .isEqualTo(401);

        for (String unknown : List.of("/nobody/disable", "/nobody/enable", "/Not!An!Id/disable", "/a/b/enable")) {
            JsonNode missing = ok(rest.post(AGENTS + unknown, admin, null), 404);
            assertThat(missing.path("error").asText()).as(unknown).isEqualTo("not_found");
        }
        JsonNode enabled = ok(rest.post(AGENTS + "/dana/enable", admin, null), 200);
        assertThat(enabled.path("status").asText()).isEqualTo("enabled");
        try (RawSocket back = AgentHttp.agentSocket(server, AgentHttp.login(server, "dana", "pw-dana"))) {
            assertThat(back.closedWith).isNotDone();
        }
    }

    @Test
    void departments_showTheirAgents_whoIsOnlineAndAvailable_andTheQueue() throws Exception {
        String reader = key("admin", "\"departments:read\"", "");
        try (RawSocket dana = AgentHttp.agentSocket(server, AgentHttp.login(server, "dana", "pw-dana"));
                RawSocket first = RawSocket.connect(server, "/ws/visitor");
                RawSocket second = RawSocket.connect(server, "/ws/visitor")) {
            JsonNode before = billing(reader);
            assertThat(before.path("agents").toString())
                    .isEqualTo("[{\"id\":\"dana\",\"name\":\"Dana\",\"presence\":\"online\"}]");
            assertThat(before.path("online").asInt()).isEqualTo(1);
            assertThat(before.path("available").asInt()).isEqualTo(1);
            assertThat(before.path("waiting").asInt()).isZero();

            handOff(first);
            dana.awaitType("assigned");
            handOff(second);
            second.awaitType("queue_status");
            JsonNode list = ok(rest.get("/api/v1/departments", reader), 200);
            JsonNode billing = billing(reader);
            assertThat(billing.path("online").asInt()).isEqualTo(1);
            assertThat(billing.path("available").asInt())
                    .as("dana holds her one chat")
                    .isZero();
            assertThat(billing.path("waiting").asInt()).isEqualTo(1);
            assertThat(list.path("waiting").asInt()).isEqualTo(1);
            assertThat(list.path("followUps").asInt()).isZero();
            JsonNode orders = list.path("items").get(1);
            assertThat(orders.path("name").asText()).isEqualTo("orders");
            assertThat(orders.path("agents").get(0).path("presence").asText()).isEqualTo("offline");
            assertThat(orders.path("online").asInt()).isZero();
            assertThat(orders.path("waiting").asInt()).isZero();
        }
    }

    private JsonNode billing(String key) throws Exception {
        JsonNode items = ok(rest.get("/api/v1/departments", key), 200).path("items");
        assertThat(items.get(0).path("name").asText()).isEqualTo("billing");
        return items.get(0);
    }

    /** A visitor of the blog asking for a person in billing. */
    private static void handOff(RawSocket visitor) throws Exception {
        visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"blog\",\"department\":\"billing\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"My invoice is wrong\"}");
        visitor.awaitType("ack");
        visitor.send("{\"type\":\"handoff\",\"id\":\"hand\"}");
    }

    @Test
    void sites_areListedByKey_withoutTheirSecrets_andASiteLimitedKeySeesItsOwn() throws Exception {
        HttpResponse<String> answer = rest.get("/api/v1/sites", key("admin", "\"sites:read\"", ""));
        JsonNode items = ok(answer, 200).path("items");
        assertThat(answer.body()).doesNotContain(SHOP_SECRET).doesNotContain("help@shop.example.com");
        assertThat(items.size()).isEqualTo(2);
        JsonNode blog = items.get(0);
        assertThat(blog.path("key").asText()).isEqualTo("blog");
        assertThat(blog.path("name").isNull()).isTrue();
        assertThat(blog.path("department").isNull()).isTrue();
        assertThat(blog.path("identityVerification").asBoolean()).isFalse();
        assertThat(blog.path("emailSettings").asBoolean()).isFalse();
        JsonNode shop = items.get(1);
        assertThat(shop.path("key").asText()).isEqualTo("shop");
        assertThat(shop.path("name").asText()).isEqualTo("Shop help");
        assertThat(shop.path("allowedOrigins").toString()).isEqualTo("[\"https://shop.example.com\"]");
        assertThat(shop.path("department").asText()).isEqualTo("orders");
        assertThat(shop.path("identityVerification").asBoolean()).isTrue();
        assertThat(shop.path("emailSettings").asBoolean()).isTrue();

        String shopOnly = key("admin", "\"sites:read\"", "\"site\":\"shop\"");
        JsonNode own = ok(rest.get("/api/v1/sites", shopOnly), 200).path("items");
        assertThat(own.size()).isEqualTo(1);
        assertThat(own.get(0)).isEqualTo(shop);
    }
}
