package dev.concierge.server.routing;

import static dev.concierge.server.testing.AgentHttp.agentSocket;
import static dev.concierge.server.testing.AgentHttp.login;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.ChatServer;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.RawSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session is bound to the password hash it was signed in with, and has an absolute lifetime
 * beside its idle expiry; both hold across a restart. Time is the test's clock, not sleeps.
 */
final class AgentSessionLifetimeTest {
    private static final AgentAccount ONE = AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000);
    private static final AgentAccount TWO = AgentAccount.withPassword("a2", "Agent Two", "two", "pw-two", 1000);

    @TempDir
    Path data;

    private final RouterFixture.TestClock clock = new RouterFixture.TestClock();

    private ChatServer start(List<AgentAccount> agents) {
        return ChatServer.builder()
                .port(0)
                .dataDir(data)
                .agents(agents)
                .clock(clock)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .start();
    }

    @Test
    void aPasswordChange_endsTheSessionsSignedInWithTheOldOne_acrossARestart() throws Exception {
        String one;
        String two;
        try (ChatServer server = start(List.of(ONE, TWO))) {
            one = login(server, "one", "pw-one");
            two = login(server, "two", "pw-two");
        }
        AgentAccount changed = AgentAccount.withPassword("a1", "Agent One", "one", "pw-changed", 1000);
        try (ChatServer server = start(List.of(changed, TWO))) {
            AgentHttp.assertTokenRefused(server, one);
            assertThat(AgentHttp.search(server, two).statusCode())
                    .as("an agent whose password did not change")
                    .isEqualTo(200);
            assertThat(signIn(server, "one", "pw-one")).isEqualTo(401);
            one = login(server, "one", "pw-changed");
            assertThat(AgentHttp.search(server, one).statusCode()).isEqualTo(200);
        }
        assertThat(storedAgents()).as("the void session was deleted").containsExactlyInAnyOrder("a1", "a2");
        try (ChatServer server = start(List.of(changed, TWO))) {
            agentSocket(server, one).close(); // signed in with the new password: restored
        }
    }

    @Test
    void aSessionUsedAllTheTime_endsAtItsAbsoluteLifetime_alsoAcrossARestart() throws Exception {
        String token;
        String restarted;
        try (ChatServer server = start(List.of(ONE, TWO))) {
            token = login(server, "one", "pw-one");
            restarted = login(server, "two", "pw-two");
            try (RawSocket console = agentSocket(server, token)) {
                // Used every 6 hours (idle expiry: 8 hours) for just under the default 7 days.
                for (int i = 1; i < 28; i++) {
                    clock.advance(Duration.ofHours(6));
                    assertThat(AgentHttp.search(server, token).statusCode())
                            .as("after %d hours", 6 * i)
                            .isEqualTo(200);
                    assertThat(AgentHttp.search(server, restarted).statusCode()).isEqualTo(200);
                }
                clock.advance(Duration.ofHours(5)); // 167 hours
                console.send("{\"type\":\"presence\",\"id\":\"p1\",\"status\":\"away\"}");
                assertThat(console.await(f -> f.path("ref").asText().equals("p1"))
                                .path("code")
                                .asText())
                        .isNotEqualTo("unauthorized");
                clock.advance(Duration.ofHours(1)); // 7 days since the sign-in
                console.send("{\"type\":\"presence\",\"id\":\"p2\",\"status\":\"online\"}");
                assertThat(console.awaitType("error").path("code").asText()).isEqualTo("unauthorized");
                assertThat(console.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
            }
            assertThat(AgentHttp.search(server, token).statusCode()).isEqualTo(401);
            clock.advance(Duration.ofHours(-1)); // back to 167 hours, the other session's last use
        }
        try (ChatServer server = start(List.of(ONE, TWO))) {
            assertThat(AgentHttp.search(server, restarted).statusCode())
                    .as("restored, 167 hours old")
                    .isEqualTo(200);
            clock.advance(Duration.ofHours(1));
            AgentHttp.assertTokenRefused(server, restarted);
        }
        clock.advance(Duration.ofMinutes(1));
        try (ChatServer server = start(List.of(ONE, TWO))) {
            AgentHttp.assertTokenRefused(server, restarted);
        }
    }

    @Test
    void theAbsoluteLifetime_isConfigurable_andMustBePositive() throws Exception {
        try (ChatServer server = ChatServer.builder()
                .port(0)
                .agents(List.of(ONE))
                .clock(clock)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .agentSessionMaxAge(Duration.ofHours(1))
                .start()) {
            String token = login(server, "one", "pw-one");
            clock.advance(Duration.ofMinutes(59));
            assertThat(AgentHttp.search(server, token).statusCode()).isEqualTo(200);
            clock.advance(Duration.ofMinutes(1));
            assertThat(AgentHttp.search(server, token).statusCode()).isEqualTo(401);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ChatServer.builder().agentSessionMaxAge(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("agentSessionMaxAge");
    }

    private static int signIn(ChatServer server, String user, String password) throws Exception {
        return AgentHttp.post(
                        server,
                        "/api/agent/login",
                        null,
                        "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}")
                .statusCode();
    }

    /** The agents of the sessions the store holds, read with plain JDBC while no server runs. */
    private List<String> storedAgents() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("concierge.db"));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT agent_id FROM agent_sessions")) {
            List<String> agents = new ArrayList<>();
            while (rs.next()) {
                agents.add(rs.getString(1));
            }
            return agents;
        }
    }
}
