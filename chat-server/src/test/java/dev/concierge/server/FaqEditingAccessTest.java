package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.AgentsFile;
import dev.concierge.server.auth.PasswordHasher;
import dev.concierge.server.support.ServerException;
import dev.concierge.server.testing.AgentHttp;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may edit the FAQ (an admin or a supervisor of the agents file) and where the edits of the
 * sample FAQ go (a copy in the data directory that a restart keeps), over real sockets.
 */
final class FaqEditingAccessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ENTRY =
            "{\"id\":\"parrot-food\",\"answer\":\"Aisle 7.\",\"questions\":[\"Do you sell parrot food?\"]}";

    @TempDir
    Path dir;

    private static HttpResponse<String> send(ChatServer server, String method, String path, String token, String body)
            throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(server.baseUri().resolve(path))
                        .header("Authorization", "Bearer " + token)
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void demoTeam_onlyTheAdminDemoAgentEdits_andTheEditsGoToTheDataDirectorysCopy_whichARestartKeeps()
            throws Exception {
        Path data = dir.resolve("data");
        try (ChatServer server = ChatServer.builder().port(0).dataDir(data).start()) {
            String sam = AgentHttp.login(server, ChatServer.Builder.DEMO2_USERNAME, ChatServer.Builder.DEMO2_PASSWORD);
            String demo = AgentHttp.login(server, ChatServer.Builder.DEMO_USERNAME, ChatServer.Builder.DEMO_PASSWORD);
            assertThat(JSON.readTree(send(server, "GET", "/api/insights/faq", sam, null)
                                    .body())
                            .path("editable")
                            .asBoolean())
                    .isFalse();
            assertThat(JSON.readTree(send(server, "GET", "/api/insights/faq", demo, null)
                                    .body())
                            .path("editable")
                            .asBoolean())
                    .isTrue();
            HttpResponse<String> refused = send(server, "POST", "/api/insights/faq/entries", sam, ENTRY);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(JSON.readTree(refused.body()).path("error").asText()).isEqualTo("forbidden");
            assertThat(send(server, "POST", "/api/insights/faq/entries", demo, ENTRY)
                            .statusCode())
                    .isEqualTo(201);
        }
        assertThat(Files.readString(data.resolve("sample-faq.json"))).contains("parrot-food");
        try (ChatServer again = ChatServer.builder().port(0).dataDir(data).start()) {
            assertThat(Files.readString(data.resolve("sample-faq.json")))
                    .as("the edited copy survives a restart")
                    .contains("parrot-food");
            String demo = AgentHttp.login(again, ChatServer.Builder.DEMO_USERNAME, ChatServer.Builder.DEMO_PASSWORD);
            assertThat(send(again, "GET", "/api/insights/faq", demo, null).body())
                    .contains("parrot-food");
        }
    }

    @Test
    void agentsFile_readsAndWritesRoles_andRefusesUnknownOnes() throws Exception {
        Path file = dir.resolve("agents.json");
        String hash = PasswordHasher.hash("pw", 1000);
        Files.writeString(file, """
                {"agents": [{"id": "dana", "name": "Dana", "username": "dana", "passwordHash": "%s", "roles": ["admin"]},
                            {"id": "sue", "name": "Sue", "username": "sue", "passwordHash": "%s", "roles": ["supervisor"]},
                            {"id": "al", "name": "Al", "username": "al", "passwordHash": "%s"}]}
                """.formatted(hash, hash, hash));
        List<AgentAccount> agents = AgentsFile.read(file);
        assertThat(agents).extracting(AgentAccount::editsFaq).containsExactly(true, true, false);
        AgentsFile.write(file, AgentsFile.readTeam(file));
        assertThat(AgentsFile.read(file))
                .extracting(AgentAccount::roles)
                .containsExactly(List.of("admin"), List.of("supervisor"), List.of());
        Files.writeString(file, """
                {"agents": [{"id": "dana", "name": "Dana", "username": "dana", "passwordHash": "%s", "roles": ["owner"]}]}
                """.formatted(hash));
        assertThatThrownBy(() -> AgentsFile.read(file))
                .isInstanceOf(ServerException.class)
                .hasMessageContaining("agents[0].roles: roles are [admin, supervisor], was \"owner\"");
    }
}
