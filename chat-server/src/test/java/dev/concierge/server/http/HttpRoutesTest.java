package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.ChatServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the route table answers for requests no endpoint takes, over real sockets: under
 * {@code /api/} an endpoint is its method and path, so anything else is 404; elsewhere a known
 * path asked with another method is 405; the admin and insights APIs refuse before routing.
 * Every JSON answer says {@code nosniff}.
 */
final class HttpRoutesTest {
    private static final String ADMIN_TOKEN = "admin-token-of-the-routes-test";

    private static ChatServer server;
    private static ChatServer withoutAdmin;

    @BeforeAll
    static void start() {
        server = ChatServer.builder().port(0).adminToken(ADMIN_TOKEN).start();
        withoutAdmin = ChatServer.builder().port(0).start();
    }

    @AfterAll
    static void stop() {
        server.close();
        withoutAdmin.close();
    }

    private static HttpResponse<String> send(ChatServer to, String method, String path, String authorization)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port() + path))
                .method(method, HttpRequest.BodyPublishers.ofString(method.equals("POST") ? "{}" : ""));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(String method, String path) throws Exception {
        return send(server, method, path, null);
    }

    @Test
    void anApiPath_askedWithAnotherMethod_isNotFound() throws Exception {
        for (String[] request : new String[][] {
            {"POST", "/api/health"}, {"GET", "/api/agent/login"}, {"DELETE", "/api/conversations"}, {"PUT", "/api/nope"}
        }) {
            HttpResponse<String> response = send(request[0], request[1]);
            assertThat(response.statusCode()).as(String.join(" ", request)).isEqualTo(404);
            assertThat(response.body()).isEqualTo("{\"error\":\"not_found\"}");
            assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
        assertThat(send("HEAD", "/api/health").statusCode()).isEqualTo(404);
        assertThat(send("OPTIONS", "/api/health").statusCode()).isEqualTo(404);
    }

    @Test
    void underApiV1_aVariableEndingTheTemplate_isOneSegment() throws Exception {
        String admin = "Bearer " + ADMIN_TOKEN;
        // Taken by /api/v1/webhooks/{id}: this in-memory server answers that it needs the database store.
        HttpResponse<String> one = send(server, "GET", "/api/v1/webhooks/whe_1", admin);
        assertThat(one.statusCode()).isEqualTo(400);
        assertThat(one.body()).contains("needs the database store");
        // Taken by /api/v1/webhooks/{id}/deliveries, not swallowed by /api/v1/webhooks/{id}.
        assertThat(send(server, "GET", "/api/v1/webhooks/whe_1/deliveries", admin)
                        .statusCode())
                .isEqualTo(400);
        // No route has two segments after the endpoint's id.
        HttpResponse<String> two = send(server, "GET", "/api/v1/webhooks/whe_1/other", admin);
        assertThat(two.statusCode()).isEqualTo(404);
        assertThat(two.body()).isEqualTo("{\"error\":\"not_found\"}");
        assertThat(send(server, "DELETE", "/api/v1/api-keys/a/b", admin).statusCode())
                .isEqualTo(404);
        // Outside /api/v1/ a variable still spans segments.
        assertThat(send(server, "GET", "/api/sites/demo/x", null).statusCode()).isEqualTo(404);
        assertThat(send(server, "GET", "/api/sites/demo", null).statusCode()).isEqualTo(200);
    }

    @Test
    void anotherPath_askedWithAMethodItDoesNotTake_isNotAllowed() throws Exception {
        for (String[] request : new String[][] {
            {"PUT", "/demo/"}, {"POST", "/metrics"}, {"DELETE", "/nothing-here"}, {"HEAD", "/metrics"}
        }) {
            HttpResponse<String> response = send(request[0], request[1]);
            assertThat(response.statusCode()).as(String.join(" ", request)).isEqualTo(405);
        }
        assertThat(send("PUT", "/demo/").body()).isEqualTo("{\"error\":\"method_not_allowed\"}");
    }

    @Test
    void files_areFoundOrNot_andTheRootGoesToTheDemoPage() throws Exception {
        assertThat(send("GET", "/nothing-here").statusCode()).isEqualTo(404);
        assertThat(send("HEAD", "/demo/").statusCode()).isEqualTo(200);
        HttpResponse<String> root = send("GET", "/");
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).hasValue("/demo/");
    }

    @Test
    void theInsightsApi_wantsASignedInAgent_beforeItLooksForTheEndpoint() throws Exception {
        assertThat(send("GET", "/api/insights/nope").statusCode()).isEqualTo(401);
        assertThat(send("POST", "/api/insights/summary").statusCode()).isEqualTo(401);
        assertThat(send(server, "GET", "/api/insights/summary", "Bearer not-a-session")
                        .statusCode())
                .isEqualTo(401);
        assertThat(send("GET", "/api/insights").statusCode()).isEqualTo(404);
    }

    @Test
    void theAdminApi_isOffWithoutAToken_andWantsTheTokenBeforeItLooksForTheEndpoint() throws Exception {
        assertThat(send(withoutAdmin, "POST", "/api/admin/agents", "Bearer " + ADMIN_TOKEN)
                        .statusCode())
                .isEqualTo(404);
        assertThat(send(server, "GET", "/api/admin/nope", "Bearer wrong").statusCode())
                .isEqualTo(401);
        assertThat(send(server, "GET", "/api/admin/agents", "Bearer " + ADMIN_TOKEN)
                        .statusCode())
                .isEqualTo(404);
        assertThat(send(server, "POST", "/api/admin/agents/nobody/enable", "Bearer " + ADMIN_TOKEN)
                        .statusCode())
                .isEqualTo(404);
        HttpResponse<String> erase = send(server, "POST", "/api/admin/visitors/v_%2A/erase", "Bearer " + ADMIN_TOKEN);
        assertThat(erase.statusCode()).isEqualTo(400);
        assertThat(send(server, "POST", "/api/admin/visitors//erase", "Bearer " + ADMIN_TOKEN)
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void aTranscriptDownload_hasItsCorsPreflight() throws Exception {
        HttpResponse<String> preflight = send("OPTIONS", "/api/conversations/c_123/transcript");
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
                .hasValue("*");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods"))
                .hasValue("GET");
    }

    @Test
    void aSitesSettings_areReadableFromAnyOrigin_evenWhenMissing() throws Exception {
        HttpResponse<String> demo = send("GET", "/api/sites/demo");
        assertThat(demo.statusCode()).isEqualTo(200);
        assertThat(demo.headers().firstValue("Cache-Control")).hasValue("public, max-age=60");
        for (String path : new String[] {"/api/sites/nope", "/api/sites/"}) {
            HttpResponse<String> missing = send("GET", path);
            assertThat(missing.statusCode()).as(path).isEqualTo(404);
            assertThat(missing.headers().firstValue("Access-Control-Allow-Origin"))
                    .hasValue("*");
        }
    }
}
