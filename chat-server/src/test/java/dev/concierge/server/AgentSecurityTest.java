package dev.concierge.server;

import static dev.concierge.server.testing.AgentHttp.agentSocket;
import static dev.concierge.server.testing.AgentHttp.login;
import static dev.concierge.server.testing.AgentHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.RawSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Agent sign-out and disabling close their sockets; tokens are checked on every message. */
final class AgentSecurityTest {
    private static final String ADMIN = "admin-token-0123456789";
    private static ChatServer server;
    private static ChatServer shortLived;

    @BeforeAll
    static void start() {
        List<AgentAccount> agents = List.of(
                AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000),
                AgentAccount.withPassword("a2", "Agent Two", "two", "pw-two", 1000),
                AgentAccount.withPassword("a3", "Agent Three", "three", "pw-three", 1000));
        server = ChatServer.builder().port(0).agents(agents).adminToken(ADMIN).start();
        shortLived = ChatServer.builder()
                .port(0)
                .agents(agents)
                .agentSessionTtl(Duration.ofSeconds(1))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
        shortLived.close();
    }

    @Test
    void logout_invalidatesTheToken_andClosesTheAgentsSockets() throws Exception {
        String token = login(server, "one", "pw-one");
        try (RawSocket first = agentSocket(server, token);
                RawSocket second = agentSocket(server, token)) {
            assertThat(post(server, "/api/agent/logout", token, "").statusCode())
                    .isEqualTo(200);
            assertThat(first.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(second.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        }
        assertThat(post(server, "/api/agent/logout", token, "").statusCode()).isEqualTo(401);
        try (RawSocket again = RawSocket.connect(server, "/ws/agent")) {
            again.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"token\":\"" + token + "\"}");
            assertThat(again.awaitType("error").path("code").asText()).isEqualTo("unauthorized");
            assertThat(again.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        }
    }

    @Test
    void disabledAgent_losesItsSockets_andCannotSignInAgain() throws Exception {
        String token = login(server, "two", "pw-two");
        String other = login(server, "three", "pw-three");
        try (RawSocket socket = agentSocket(server, token);
                RawSocket bystander = agentSocket(server, other)) {
            assertThat(post(server, "/api/admin/agents/a2/disable", "wrong-admin-token-000", "")
                            .statusCode())
                    .isEqualTo(401);
            assertThat(post(server, "/api/admin/agents/a2/disable", token, "").statusCode())
                    .isEqualTo(401);
            assertThat(socket.closedWith).isNotDone();

            HttpResponse<String> disabled = post(server, "/api/admin/agents/a2/disable", ADMIN, "");
            assertThat(disabled.statusCode()).isEqualTo(200);
            assertThat(socket.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1008);

            bystander.send("{\"type\":\"presence\",\"id\":\"p1\",\"status\":\"away\"}");
            assertThat(bystander
                            .await(f -> f.path("ref").asText().equals("p1"))
                            .path("code")
                            .asText())
                    .isNotEqualTo("unauthorized");
            assertThat(bystander.closedWith).isNotDone();
        }
        HttpResponse<String> relogin =
                post(server, "/api/agent/login", null, "{\"username\":\"two\",\"password\":\"pw-two\"}");
        assertThat(relogin.statusCode()).isEqualTo(401);
        assertThat(post(server, "/api/admin/agents/nobody/disable", ADMIN, "").statusCode())
                .isEqualTo(404);
    }

    @Test
    void adminApi_isOff_withoutAnAdminToken() throws Exception {
        assertThat(post(shortLived, "/api/admin/agents/a1/disable", ADMIN, "").statusCode())
                .isEqualTo(404);
    }

    @Test
    void tokenExpiredMidSession_nextAgentMessage_isUnauthorized_andClosed() throws Exception {
        String token = login(shortLived, "one", "pw-one");
        try (RawSocket socket = agentSocket(shortLived, token)) {
            long idleUntil = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            Await.until("the 1 s session TTL to pass", () -> System.nanoTime() > idleUntil);
            socket.send("{\"type\":\"presence\",\"id\":\"p1\",\"status\":\"away\"}");
            JsonNode error = socket.awaitType("error");
            assertThat(error.path("code").asText()).isEqualTo("unauthorized");
            assertThat(error.path("ref").asText()).isEqualTo("p1");
            assertThat(socket.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        }
    }

    @Test
    void visitorClaimingTheAgentRole_getsNoAgentPowers() throws Exception {
        try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"role\":\"agent\",\"token\":\"st_forged\"}");
            s.awaitType("welcome");
            s.send("{\"type\":\"accept\",\"id\":\"a1\",\"role\":\"agent\",\"conversationId\":\"c_x\"}");
            assertThat(s.awaitType("error").path("code").asText()).isEqualTo("forbidden");
            s.send("{\"type\":\"presence\",\"id\":\"p1\",\"role\":\"agent\",\"status\":\"online\"}");
            assertThat(s.awaitType("error").path("code").asText()).isEqualTo("forbidden");
            s.send("{\"type\":\"message\",\"id\":\"m1\",\"role\":\"agent\",\"text\":\"I am the agent\","
                    + "\"author\":{\"role\":\"agent\",\"id\":\"a1\",\"name\":\"Agent One\"}}");
            JsonNode event = s.await(f -> f.path("type").asText().equals("event")
                    && f.path("id").asText().equals("m1"));
            assertThat(event.path("author").path("role").asText()).isEqualTo("visitor");
            assertThat(event.path("author").path("id").asText()).isNotEqualTo("a1");
        }
    }
}
