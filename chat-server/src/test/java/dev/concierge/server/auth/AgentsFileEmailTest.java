package dev.concierge.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.server.support.ServerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent's {@code email} and {@code emailAlerts} in the agents file (docs/agents.md): read,
 * written back by the admin API's rewrite, and refused naming the file, entry and field when bad.
 */
final class AgentsFileEmailTest {
    private static final String HASH =
            AgentAccount.withPassword("x", "X", "x", "pw", 1000).passwordHash();

    @TempDir
    Path dir;

    private Path file(String agentFields) throws Exception {
        Path f = dir.resolve("agents.json");
        Files.writeString(
                f,
                "{\"agents\":[{\"id\":\"a1\",\"name\":\"Ana\",\"username\":\"ana\",\"passwordHash\":\"" + HASH + "\""
                        + agentFields + "}]}");
        return f;
    }

    @Test
    void emailAndAlerts_areRead_andWrittenBack() throws Exception {
        Path f = file(",\"email\":\"ana@team.example\",\"emailAlerts\":[\"follow_up\",\"long_wait\"]");
        AgentAccount ana = AgentsFile.readTeam(f).agents().get(0);
        assertThat(ana.email()).contains("ana@team.example");
        assertThat(ana.emailAlerts()).containsExactly("follow_up", "long_wait");

        AgentsFile.write(f, AgentsFile.readTeam(f));
        assertThat(AgentsFile.readTeam(f).agents().get(0)).isEqualTo(ana);
        assertThat(AgentsFile.readTeam(file("")).agents().get(0).email()).isEqualTo(Optional.empty());
    }

    @Test
    void badEmailOrAlerts_areRefused_namingTheField() throws Exception {
        assertThatThrownBy(() -> AgentsFile.readTeam(file(",\"email\":\"not an address\"")))
                .isInstanceOf(ServerException.class)
                .hasMessageContaining("agents[0].email: must be an email address");
        assertThatThrownBy(() -> AgentsFile.readTeam(file(",\"email\":\"a@b.example\",\"emailAlerts\":[\"hourly\"]")))
                .hasMessageContaining(
                        "agents[0].emailAlerts: email alerts are [follow_up, long_wait, webhook_paused], was \"hourly\"");
        assertThatThrownBy(() -> AgentsFile.readTeam(file(",\"emailAlerts\":\"follow_up\"")))
                .hasMessageContaining("agents[0].emailAlerts: must be an array");
        assertThatThrownBy(() -> AgentsFile.readTeam(file(",\"emailAlerts\":[\"follow_up\"]")))
                .hasMessageContaining("agents[0].emailAlerts: needs an email to send them to");
        assertThatThrownBy(() -> new AgentAccount(
                        "a", "A", "a", HASH, List.of(), List.of(), Optional.empty(), List.of("follow_up")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("emailAlerts needs an email");
    }

    @Test
    void theWebhookPausedAlert_isForAdminsOnly() throws Exception {
        String alert = ",\"email\":\"ana@team.example\",\"emailAlerts\":[\"webhook_paused\"]";
        AgentAccount admin = AgentsFile.readTeam(file(alert + ",\"roles\":[\"admin\"]"))
                .agents()
                .get(0);
        assertThat(admin.emailAlerts()).containsExactly("webhook_paused");

        assertThatThrownBy(() -> AgentsFile.readTeam(file(alert + ",\"roles\":[\"supervisor\"]")))
                .isInstanceOf(ServerException.class)
                .hasMessageContaining("agents[0].emailAlerts: webhook_paused is for agents with the role admin");
        assertThatThrownBy(() -> AgentsFile.readTeam(file(alert)))
                .hasMessageContaining("agents[0].emailAlerts: webhook_paused is for agents with the role admin");
        assertThatThrownBy(() -> new AgentAccount(
                        "a",
                        "A",
                        "a",
                        HASH,
                        List.of(),
                        List.of(),
                        Optional.of("a@b.example"),
                        List.of("webhook_paused")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("emailAlerts: webhook_paused is for agents with the role admin");
    }
}
