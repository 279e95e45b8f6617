package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.server.testing.SitesFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API's conversations over a real server and its SQLite store: lists with filters and
 * pages, a conversation with its transcript, messages and notes posted with a key reaching the
 * visitor's and the agent's sockets with their author and {@code via: "api"}, once per
 * Idempotency-Key, closing, and what a key may not do (another site, a missing scope, a closed
 * conversation).
 */
final class ConversationsApiTest {
    private static final String ADMIN = "admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CONVERSATIONS = "/api/v1/conversations";

    @TempDir
    Path dataDir;

    private ChatServer server;

    @BeforeEach
    void start() {
        server = ChatServer.builder()
                .port(0)
                .dataDir(dataDir)
                .adminToken(ADMIN)
                .agents(List.of(AgentAccount.withPassword("dana", "Dana", "dana", "pw-dana", 1000)))
                .sitesFile(SitesFixture.write("{\"sites\": {\"demo\": {}, \"shop\": {}}}"), name -> null)
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> call(String method, String path, String bearer, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        b.header("Authorization", "Bearer " + bearer);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    /** A new key made with the admin token: {@code fields} are the create body's other fields. */
    private String key(String site, String scopes, String fields) throws Exception {
        String body = "{\"kind\":\"site\",\"site\":\"" + site + "\",\"name\":\"test\",\"scopes\":[" + scopes + "]"
                + (fields.isEmpty() ? "" : "," + fields) + "}";
        return ok(call("POST", "/api/v1/api-keys", ADMIN, body), 201)
                .path("key")
                .asText();
    }

    /** A visitor of the demo site who asked the bot {@code text}; their conversation id. */
    private static String conversation(RawSocket visitor, String text) throws Exception {
        visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"" + text + "\"}");
        String id = visitor.awaitType("ack").path("conversationId").asText();
        visitor.await(f -> f.path("kind").asText().equals("bot"));
        return id;
    }

    @Test
    void postedMessage_reachesVisitorAndAgent_withAuthorAndVia_onceperIdempotencyKey_noteOnlyTheAgent()
            throws Exception {
        String crm = key(
                "demo",
                "\"messages:write\",\"notes:write\",\"conversations:read\",\"conversations:close\"",
                "\"integration\":\"CRM\"");
        try (RawSocket agent = AgentHttp.agentSocket(server, AgentHttp.login(server, "dana", "pw-dana"));
                RawSocket visitor = RawSocket.connect(server, "/ws/visitor")) {
            String id = conversation(visitor, "Where is my order?");
            visitor.send("{\"type\":\"handoff\",\"id\":\"hand\"}");
            assertThat(agent.awaitType("assigned").path("conversationId").asText())
                    .isEqualTo(id);
            String messages = CONVERSATIONS + "/" + id + "/messages";

            JsonNode first =
                    ok(call("POST", messages, crm, "{\"text\":\"It ships today\"}", "Idempotency-Key", "order-1"), 201);
            JsonNode again =
                    ok(call("POST", messages, crm, "{\"text\":\"It ships today\"}", "Idempotency-Key", "order-1"), 201);
            ok(call("POST", CONVERSATIONS + "/" + id + "/notes", crm, "{\"text\":\"VIP customer\"}"), 201);
            ok(call("POST", messages, crm, "{\"text\":\"Anything else?\"}"), 201);

            assertThat(again.path("seq").asLong()).isEqualTo(first.path("seq").asLong());
            assertThat(first.path("event").path("via").asText()).isEqualTo("api");
            JsonNode seen = visitor.await(f -> f.path("text").asText().equals("It ships today"));
            assertThat(seen.path("via").asText()).isEqualTo("api");
            assertThat(seen.path("author").path("id").asText()).isEqualTo("integration:crm");
            assertThat(seen.path("author").path("name").asText()).isEqualTo("CRM");
            assertThat(seen.path("author").path("role").asText()).isEqualTo("agent");
            // Frames reach a socket in order: the note, stored before the last message, never came.
            visitor.await(f -> {
                assertThat(f.path("text").asText()).isNotEqualTo("VIP customer");
                return f.path("text").asText().equals("Anything else?");
            });
            assertThat(agent.await(f -> f.path("text").asText().equals("It ships today"))
                            .path("via")
                            .asText())
                    .isEqualTo("api");
            assertThat(agent.await(f -> f.path("text").asText().equals("VIP customer"))
                            .path("kind")
                            .asText())
                    .isEqualTo("note");

            JsonNode read = ok(call("GET", CONVERSATIONS + "/" + id, crm, null), 200);
            List<String> texts = new ArrayList<>();
            read.path("events").forEach(e -> texts.add(e.path("text").asText()));
            assertThat(texts).containsOnlyOnce("It ships today", "VIP customer").contains("Where is my order?");
            assertThat(read.path("conversation").path("state").asText()).isEqualTo("assigned");
            JsonNode page = ok(call("GET", CONVERSATIONS + "/" + id + "?afterSeq=1&limit=2", crm, null), 200);
            assertThat(page.path("events").size()).isEqualTo(2);
            assertThat(page.path("events").get(0).path("seq").asLong()).isEqualTo(2);
            assertThat(page.path("nextAfterSeq").asLong()).isEqualTo(3);

            JsonNode closed = ok(
                    call("POST", CONVERSATIONS + "/" + id + "/close", crm, "{\"reason\":\"solved in the CRM\"}"), 200);
            assertThat(closed.path("seq").asLong()).isPositive();
            assertThat(visitor.await(f -> f.path("kind").asText().equals("closed"))
                            .path("reason")
                            .asText())
                    .isEqualTo("solved in the CRM");
            JsonNode twice = ok(call("POST", CONVERSATIONS + "/" + id + "/close", crm, "{}"), 409);
            assertThat(twice.path("error").asText()).isEqualTo("bad_state");
            assertThat(ok(call("POST", messages, crm, "{\"text\":\"late\"}"), 409)
                            .path("error")
                            .asText())
                    .isEqualTo("bad_state");
        }
    }

    @Test
    void list_filtersAndPages_andAnotherSitesKeySeesNothingOfIt() throws Exception {
        String reader = key("demo", "\"conversations:read\"", "");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (RawSocket v = RawSocket.connect(server, "/ws/visitor")) {
                ids.add(conversation(v, "question " + i));
            }
        }

        JsonNode first = ok(call("GET", CONVERSATIONS + "?limit=2", reader, null), 200);
        JsonNode second = ok(
                call(
                        "GET",
                        CONVERSATIONS + "?limit=2&cursor=" + first.path("next").asText(),
                        reader,
                        null),
                200);
        List<String> listed = new ArrayList<>();
        first.path("items").forEach(c -> listed.add(c.path("id").asText()));
        second.path("items").forEach(c -> listed.add(c.path("id").asText()));
        assertThat(listed).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(first.path("items").size()).isEqualTo(2);
        assertThat(second.path("next").isNull()).isTrue();
        JsonNode item = first.path("items").get(0);
        assertThat(item.path("site").asText()).isEqualTo("demo");
        assertThat(item.path("state").asText()).isEqualTo("bot");
        assertThat(item.path("firstLine").asText()).startsWith("question ");
        assertThat(ok(call("GET", CONVERSATIONS + "?state=bot", reader, null), 200)
                        .path("items")
                        .size())
                .isEqualTo(3);
        assertThat(ok(call("GET", CONVERSATIONS + "?state=closed", reader, null), 200)
                        .path("items")
                        .size())
                .isZero();
        assertThat(ok(call("GET", CONVERSATIONS + "?since=2999-01-01T00:00:00Z", reader, null), 200)
                        .path("items")
                        .size())
                .isZero();
        for (String bad : List.of("?limit=0", "?limit=101", "?state=open", "?since=yesterday", "?cursor=%21%21")) {
            assertThat(ok(call("GET", CONVERSATIONS + bad, reader, null), 400)
                            .path("error")
                            .asText())
                    .as(bad)
                    .isEqualTo("bad_request");
        }

        String shop = key("shop", "\"conversations:read\",\"messages:write\"", "\"integration\":\"Shop CRM\"");
        assertThat(ok(call("GET", CONVERSATIONS, shop, null), 200).path("items").size())
                .isZero();
        // Naming another site is forbidden, alike whether that site exists or not.
        JsonNode otherSite = ok(call("GET", CONVERSATIONS + "?site=demo", shop, null), 403);
        assertThat(otherSite.path("error").asText()).isEqualTo("forbidden");
        assertThat(ok(call("GET", CONVERSATIONS + "?site=no-such-site", shop, null), 403))
                .isEqualTo(otherSite);
        assertThat(ok(call("GET", "/api/v1/follow-ups?site=demo", shop, null), 403))
                .isEqualTo(otherSite);
        JsonNode hidden = ok(call("GET", CONVERSATIONS + "/" + ids.get(0), shop, null), 404);
        JsonNode unknown = ok(call("GET", CONVERSATIONS + "/no-such-conversation", shop, null), 404);
        assertThat(hidden).isEqualTo(unknown);
        JsonNode post =
                ok(call("POST", CONVERSATIONS + "/" + ids.get(0) + "/messages", shop, "{\"text\":\"hi\"}"), 404);
        assertThat(post.path("error").asText()).isEqualTo("not_found");
    }

    @Test
    void scopes_badBodies_agentsAndFollowUps() throws Exception {
        String reader = key("demo", "\"conversations:read\"", "");
        String dana = key("demo", "\"messages:write\",\"agents:read\"", "\"actsAsAgent\":\"dana\"");
        String id;
        try (RawSocket v = RawSocket.connect(server, "/ws/visitor")) {
            id = conversation(v, "Can someone call me?");
            v.send("{\"type\":\"leave_message\",\"id\":\"l1\",\"name\":\"Ada\",\"email\":\"ada@example.test\","
                    + "\"text\":\"Please call me back\"}");
            v.awaitType("ack");
        }
        String messages = CONVERSATIONS + "/" + id + "/messages";

        assertThat(ok(call("POST", messages, reader, "{\"text\":\"hi\"}"), 403)
                        .path("error")
                        .asText())
                .isEqualTo("forbidden");
        assertThat(ok(call("GET", CONVERSATIONS, dana, null), 403).path("error").asText())
                .isEqualTo("forbidden");
        assertThat(ok(call("POST", messages, dana, "not json"), 400)
                        .path("error")
                        .asText())
                .isEqualTo("bad_json");
        assertThat(ok(call("POST", messages, dana, "{\"text\":\"\"}"), 400)
                        .path("error")
                        .asText())
                .isEqualTo("bad_request");
        assertThat(ok(call("POST", messages, dana, "{\"text\":\"" + "x".repeat(4001) + "\"}"), 400)
                        .path("error")
                        .asText())
                .isEqualTo("bad_request");
        assertThat(ok(call("POST", messages, dana, "{\"text\":\"hi\"}", "Idempotency-Key", "k".repeat(65)), 400)
                        .path("error")
                        .asText())
                .isEqualTo("bad_request");

        JsonNode followUps = ok(call("GET", "/api/v1/follow-ups", reader, null), 200);
        assertThat(followUps.path("items").get(0).path("id").asText()).isEqualTo(id);
        assertThat(followUps.path("items").get(0).path("state").asText()).isEqualTo("follow_up");

        JsonNode reply = ok(call("POST", messages, dana, "{\"text\":\"I will call you at 3\"}"), 201);
        assertThat(reply.path("event").path("author").path("id").asText()).isEqualTo("dana");
        assertThat(reply.path("event").path("author").path("name").asText()).isEqualTo("Dana");
        assertThat(ok(call("GET", CONVERSATIONS + "/" + id, reader, null), 200)
                        .path("conversation")
                        .path("agentId")
                        .asText())
                .isEqualTo("dana");
        assertThat(ok(call("GET", "/api/v1/follow-ups", reader, null), 200)
                        .path("items")
                        .size())
                .isZero();

        JsonNode agents = ok(call("GET", "/api/v1/agents", dana, null), 200);
        JsonNode first = agents.path("items").get(0);
        assertThat(first.path("id").asText()).isEqualTo("dana");
        assertThat(first.path("openChats").asInt()).isEqualTo(1);
        assertThat(first.path("capacity").asInt()).isPositive();
        assertThat(first.path("presence").asText()).isEqualTo("offline");

        // Dana leaves the team: her key writes no more in her name.
        ok(call("POST", "/api/admin/agents/dana/disable", ADMIN, null), 200);
        assertThat(ok(call("POST", messages, dana, "{\"text\":\"Still here\"}"), 403)
                        .path("message")
                        .asText())
                .contains("disabled");
    }
}
