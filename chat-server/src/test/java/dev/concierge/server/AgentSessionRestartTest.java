package dev.concierge.server;

import static dev.concierge.server.testing.AgentHttp.agentSocket;
import static dev.concierge.server.testing.AgentHttp.login;
import static dev.concierge.server.testing.AgentHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.store.JdbcRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart does not sign the agents out: their sessions are kept in the store (only their
 * tokens' SHA-256) and taken back when the server starts, while a signed-out, disabled or
 * long-idle session stays ended, and a disabled agent stays disabled until enabled.
 */
final class AgentSessionRestartTest {
    private static final String ADMIN = "admin-token-0123456789";
    private static final List<AgentAccount> AGENTS = List.of(
            AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000),
            AgentAccount.withPassword("a2", "Agent Two", "two", "pw-two", 1000),
            AgentAccount.withPassword("a3", "Agent Three", "three", "pw-three", 1000));

    @TempDir
    Path data;

    @Test
    void aSignedInAgent_staysSignedInAcrossARestart_untilSigningOut() throws Exception {
        String one;
        String two;
        String three;
        try (ChatServer server = start(Duration.ofHours(8))) {
            one = login(server, "one", "pw-one");
            two = login(server, "two", "pw-two");
            three = login(server, "three", "pw-three");
            agentSocket(server, one).close();
            assertThat(post(server, "/api/admin/agents/a3/disable", ADMIN, "").statusCode())
                    .isEqualTo(200);
        }
        assertThat(storedHashes())
                .as("the store keeps hashes, never the tokens")
                .hasSize(2)
                .doesNotContain(one, two, three)
                .contains(JdbcRows.tokenHash(one), JdbcRows.tokenHash(two));

        try (ChatServer server = start(Duration.ofHours(8))) {
            // The console reconnects with the token it has, and gets its welcome.
            try (RawSocket socket = agentSocket(server, one)) {
                assertThat(socket.closedWith).isNotDone();
            }
            assertThat(AgentHttp.search(server, two).statusCode())
                    .as("REST with a restored token")
                    .isEqualTo(200);
            AgentHttp.assertTokenRefused(server, three); // disabled before the restart
            assertThat(signIn(server, "three", "pw-three"))
                    .as("a disabled agent stays disabled")
                    .isEqualTo(401);
            assertThat(post(server, "/api/agent/logout", two, "").statusCode()).isEqualTo(200);
            AgentHttp.assertTokenRefused(server, two);
        }

        try (ChatServer server = start(Duration.ofHours(8))) {
            agentSocket(server, one).close();
            AgentHttp.assertTokenRefused(server, two); // signed out before the restart
            assertThat(signIn(server, "three", "pw-three")).isEqualTo(401);
            assertThat(post(server, "/api/admin/agents/a3/enable", "wrong-admin-token-000", "")
                            .statusCode())
                    .isEqualTo(401);
            assertThat(post(server, "/api/admin/agents/nobody/enable", ADMIN, "")
                            .statusCode())
                    .isEqualTo(404);
            assertThat(post(server, "/api/admin/agents/a3/enable", ADMIN, "").statusCode())
                    .isEqualTo(200);
            AgentHttp.assertTokenRefused(
                    server, three); // enabling lets them sign in; it does not bring old sessions back
            three = login(server, "three", "pw-three");
        }
        try (ChatServer server = start(Duration.ofHours(8))) {
            agentSocket(server, three).close(); // enabled, and signed in again, across the restart
            assertThat(post(server, "/api/agent/logout", three, "").statusCode())
                    .isEqualTo(200);
        }
        assertThat(storedHashes()).containsExactly(JdbcRows.tokenHash(one));

        // With a session lifetime shorter than the time since its last use, nothing is restored:
        // the server starts a minute on, with a lifetime of thirty seconds.
        try (ChatServer server =
                start(Duration.ofSeconds(30), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1)))) {
            AgentHttp.assertTokenRefused(server, one);
        }
        assertThat(storedHashes())
                .as("idle sessions are deleted when the server starts")
                .isEmpty();
    }

    private static int signIn(ChatServer server, String user, String password) throws Exception {
        return post(
                        server,
                        "/api/agent/login",
                        null,
                        "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}")
                .statusCode();
    }

    private ChatServer start(Duration sessionTtl) {
        return start(sessionTtl, Clock.systemUTC());
    }

    private ChatServer start(Duration sessionTtl, Clock clock) {
        return ChatServer.builder()
                .clock(clock)
                .port(0)
                .dataDir(data)
                .agents(AGENTS)
                .adminToken(ADMIN)
                .agentSessionTtl(sessionTtl)
                .start();
    }

    /** What the store holds, read with plain JDBC while no server runs. */
    private List<String> storedHashes() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("concierge.db"));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT token_hash FROM agent_sessions ORDER BY token_hash")) {
            List<String> hashes = new ArrayList<>();
            while (rs.next()) {
                hashes.add(rs.getString(1));
            }
            assertThat(Files.exists(data.resolve("concierge.db"))).isTrue();
            return hashes;
        }
    }
}
