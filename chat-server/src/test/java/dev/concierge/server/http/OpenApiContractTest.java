package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.client.AgentClient;
import dev.concierge.client.VisitorClient;
import dev.concierge.server.ChatServer;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real answers against the OpenAPI document, on a server with the database store over real
 * sockets: every operation is called (its success, and each error that can be provoked: 400, 401,
 * 403, 404, 409), and every answer's status must be declared for the operation and its body must
 * validate against the declared schema. A route answering what the document does not say fails.
 */
final class OpenApiContractTest {
    private static final String ADMIN = "admin-token-of-the-openapi-contract-test";
    private static final String HOOK_URL = "https://203.0.113.10/concierge-hook";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final OpenApiSpec SPEC = OpenApiSpec.load();

    @TempDir
    static Path data;

    private static ChatServer server;
    private static final List<AutoCloseable> clients = new ArrayList<>();

    /** What one call answered. */
    private record Answer(int status, String body, HttpResponse<String> response) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    /** The operations answered with a 2xx so far, by id. */
    private final Set<String> succeeded = new TreeSet<>();

    @BeforeAll
    static void start() {
        server = ChatServer.builder()
                .port(0)
                .dataDir(data)
                .adminToken(ADMIN)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        server.close();
    }

    /**
     * Calls the server and checks the answer against the document: the operation exists, the
     * status is one of {@code expected} and declared, the body fits the declared schema.
     */
    private Answer call(
            String method, String path, String bearer, String body, Map<String, String> headers, int... expected)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        headers.forEach(request::header);
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        OpenApiSpec.Operation op = SPEC.operation(method, bare)
                .orElseThrow(() -> new AssertionError(method + " " + bare + " is in no operation of the document"));
        String what = method + " " + path + " answered " + response.statusCode() + " " + response.body();
        assertThat(SPEC.problems(op, response.statusCode(), response.body()))
                .as(what)
                .isEmpty();
        assertThat(expected).as(what).contains(response.statusCode());
        if (response.statusCode() / 100 == 2) {
            succeeded.add(op.id());
        }
        return new Answer(response.statusCode(), response.body(), response);
    }

    private Answer call(String method, String path, String bearer, String body, int... expected) throws Exception {
        return call(method, path, bearer, body, Map.of(), expected);
    }

    private static String concrete(OpenApiSpec.Operation op) {
        return op.path().replaceAll("\\{[^}/]+}", "no-such-id");
    }

    @Test
    void theDocument_isServedWithoutAKey_revalidatedByItsETag() throws Exception {
        Answer first = call("GET", OpenApiDocument.PATH, null, null, 200);
        assertThat(first.body()).isEqualTo(SPEC.text());
        assertThat(first.response().headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(first.response().headers().firstValue("Cache-Control")).hasValue("no-cache");
        String etag = first.response().headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[A-Za-z0-9_-]{22}\"");

        Answer again = call("GET", OpenApiDocument.PATH, null, null, Map.of("If-None-Match", etag), 304);
        assertThat(again.body()).isEmpty();
        assertThat(again.response().headers().firstValue("ETag")).hasValue(etag);
        Answer other =
                call("GET", OpenApiDocument.PATH, null, null, Map.of("If-None-Match", "\"older\", W/\"x\""), 200);
        assertThat(other.body()).isEqualTo(SPEC.text());
    }

    @Test
    void everySecuredOperation_withoutAKeyOrWithAWrongOne_is401() throws Exception {
        for (OpenApiSpec.Operation op : SPEC.operations()) {
            if (op.secured()) {
                String body = op.node().has("requestBody") ? "{}" : null;
                call(op.method(), concrete(op), null, body, 401);
                call(op.method(), concrete(op), "ck_site_AAAAAAAAAAAAAAAA_" + "x".repeat(43), body, 401);
            }
        }
    }

    @Test
    void everySecuredOperation_withAKeyWithoutItsScope_is403() throws Exception {
        String agentsOnly = createSiteKey("agents-only", "[\"agents:read\"]", "");
        String readOnly = createSiteKey("read-only", "[\"conversations:read\"]", "");
        for (OpenApiSpec.Operation op : SPEC.operations()) {
            if (op.secured()) {
                String key = op.node().path("x-scope").asText().equals("agents:read") ? readOnly : agentsOnly;
                String body = op.node().has("requestBody") ? "{}" : null;
                call(op.method(), concrete(op), key, body, 403);
            }
        }
    }

    private String createSiteKey(String name, String scopes, String more) throws Exception {
        Answer created = call(
                "POST",
                "/api/v1/api-keys",
                ADMIN,
                "{\"kind\":\"site\",\"site\":\"demo\",\"name\":\"" + name + "\",\"scopes\":" + scopes + more + "}",
                201);
        return created.json().path("key").asText();
    }

    @Test
    void everyOperation_answersAsDocumented_throughAWholeIntegration() throws Exception {
        // Keys.
        String key = createSiteKey(
                "crm",
                "[\"conversations:read\",\"messages:write\",\"notes:write\",\"conversations:close\",\"agents:read\"]",
                ",\"integration\":\"CRM\"");
        call("POST", "/api/v1/api-keys", ADMIN, "not json", 400);
        call(
                "POST",
                "/api/v1/api-keys",
                ADMIN,
                "{\"kind\":\"site\",\"site\":\"demo\",\"name\":\"x\",\"scopes\":[\"nope\"]}",
                400);
        JsonNode keys = call("GET", "/api/v1/api-keys", ADMIN, null, 200).json();
        assertThat(keys.path("items").toString()).contains("\"crm\"").doesNotContain(key);

        // A webhook endpoint, changed, rotated and resumed.
        JsonNode hook = call(
                        "POST",
                        "/api/v1/webhooks",
                        ADMIN,
                        "{\"site\":\"demo\",\"url\":\"" + HOOK_URL
                                + "\",\"eventTypes\":[\"message.created\",\"conversation.closed\"]}",
                        201)
                .json();
        String hookId = hook.path("id").asText();
        long version = hook.path("version").asLong();
        call("POST", "/api/v1/webhooks", ADMIN, "{\"site\":\"demo\",\"url\":\"ftp://x\",\"eventTypes\":[]}", 400);
        call("GET", "/api/v1/webhooks", ADMIN, null, 200);
        call("GET", "/api/v1/webhooks/" + hookId, ADMIN, null, 200);
        call("GET", "/api/v1/webhooks/whe_nosuchendpoint1", ADMIN, null, 404);
        String change = "{\"description\":\"CRM sync\"}";
        call("PATCH", "/api/v1/webhooks/" + hookId, ADMIN, change, Map.of("If-Match", "\"" + version + "\""), 200);
        call("PATCH", "/api/v1/webhooks/" + hookId, ADMIN, change, Map.of("If-Match", "\"" + version + "\""), 409);
        call("PATCH", "/api/v1/webhooks/" + hookId, ADMIN, "{\"state\":\"asleep\"}", 400);
        call("POST", "/api/v1/webhooks/" + hookId + "/rotate-secret", ADMIN, null, 200);
        call("POST", "/api/v1/webhooks/" + hookId + "/resume", ADMIN, "{}", 200);

        // A conversation the visitor hands to the agent, then the integration's turn.
        String conversation = assignedConversation();
        call("GET", "/api/v1/conversations", key, null, 200);
        call("GET", "/api/v1/conversations?state=assigned&limit=10", key, null, 200);
        call("GET", "/api/v1/conversations?limit=1000", key, null, 400);
        call("GET", "/api/v1/conversations/" + conversation, key, null, 200);
        call("GET", "/api/v1/conversations/c_nosuchconversation", key, null, 404);
        call(
                "POST",
                "/api/v1/conversations/" + conversation + "/messages",
                key,
                "{\"text\":\"Your order ships today.\"}",
                Map.of("Idempotency-Key", "order-1"),
                201);
        call("POST", "/api/v1/conversations/" + conversation + "/messages", key, "{}", 400);
        call("POST", "/api/v1/conversations/" + conversation + "/notes", key, "{\"text\":\"Told them.\"}", 201);
        call("GET", "/api/v1/agents", key, null, 200);
        call("GET", "/api/v1/follow-ups", key, null, 200);

        // The team: an agent created, disabled, enabled; the departments and the sites.
        String agent = "{\"id\":\"zoe\",\"name\":\"Zoe\",\"username\":\"zoe\",\"password\":\"zoe-password-1\"}";
        call("POST", "/api/v1/agents", ADMIN, agent, 201);
        call("POST", "/api/v1/agents", ADMIN, agent, 409);
        call("POST", "/api/v1/agents", ADMIN, agent.replace("zoe-password-1", "short"), 400);
        call("POST", "/api/v1/agents/zoe/disable", ADMIN, null, 200);
        call("POST", "/api/v1/agents/zoe/enable", ADMIN, null, 200);
        call("POST", "/api/v1/agents/nobody/disable", ADMIN, null, 404);
        call("GET", "/api/v1/departments", ADMIN, null, 200);
        call("GET", "/api/v1/sites", ADMIN, null, 200);
        call("POST", "/api/v1/conversations/" + conversation + "/close", key, "{\"reason\":\"answered\"}", 200);
        call("POST", "/api/v1/conversations/" + conversation + "/close", key, "{}", 409);
        call("POST", "/api/v1/conversations/" + conversation + "/messages", key, "{\"text\":\"Late\"}", 409);

        // The endpoint's delivery log: the events since it was created.
        String delivery = Await.value("a delivery in the log", () -> {
            try {
                JsonNode items = call("GET", "/api/v1/webhooks/" + hookId + "/deliveries", ADMIN, null, 200)
                        .json()
                        .path("items");
                return items.isEmpty()
                        ? Optional.empty()
                        : Optional.of(items.get(0).path("id").asText());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        call("GET", "/api/v1/webhooks/" + hookId + "/deliveries?state=nope", ADMIN, null, 400);
        call("GET", "/api/v1/webhook-deliveries/" + delivery, ADMIN, null, 200);
        call("GET", "/api/v1/webhook-deliveries/whd_nosuchdelivery1", ADMIN, null, 404);
        // The sender may hold it at this moment (it cannot reach the address): both answers are documented.
        call("POST", "/api/v1/webhook-deliveries/" + delivery + "/cancel", ADMIN, null, 200, 409);
        call("POST", "/api/v1/webhook-deliveries/" + delivery + "/redeliver", ADMIN, null, 200, 409);
        call("POST", "/api/v1/webhook-deliveries/whd_nosuchdelivery1/redeliver", ADMIN, null, 404);

        // Deleting.
        call("DELETE", "/api/v1/webhooks/" + hookId, ADMIN, null, 204);
        call("DELETE", "/api/v1/webhooks/" + hookId, ADMIN, null, 404);
        String keyId = key.substring("ck_site_".length(), "ck_site_".length() + 16);
        call("DELETE", "/api/v1/api-keys/" + keyId, ADMIN, null, 204);
        call("DELETE", "/api/v1/api-keys/" + keyId, ADMIN, null, 204); // revoking again changes nothing
        call("DELETE", "/api/v1/api-keys/AAAAAAAAAAAAAAAA", ADMIN, null, 404);
        call("GET", "/api/v1/agents", key, null, 401);

        call("GET", OpenApiDocument.PATH, null, null, 200);
        List<String> all = new ArrayList<>(
                SPEC.operations().stream().map(OpenApiSpec.Operation::id).toList());
        List<String> missed = all.stream().filter(id -> !succeeded.contains(id)).collect(Collectors.toList());
        assertThat(missed).as("operations never answered with success").isEmpty();
    }

    /** A conversation of site demo, assigned to agent a1 over real sockets. */
    private static String assignedConversation() throws Exception {
        AgentClient agent = AgentClient.builder()
                .serverUri(server.baseUri())
                .credentials("one", "pw-one")
                .connect()
                .get(10, TimeUnit.SECONDS);
        VisitorClient visitor =
                VisitorClient.builder().serverUri(server.baseUri()).connect().get(10, TimeUnit.SECONDS);
        clients.add(agent);
        clients.add(visitor);
        visitor.send("Where is my order?").get(5, TimeUnit.SECONDS);
        visitor.send("I want to talk to a human please").get(5, TimeUnit.SECONDS);
        String id = visitor.conversationId().orElseThrow();
        Await.until("assigned to the agent", () -> agent.assignedConversations().containsKey(id));
        return id;
    }
}
