package dev.concierge.server.cluster;

import static dev.concierge.server.testing.ClusterFixture.from;
import static dev.concierge.server.testing.ClusterFixture.login;
import static dev.concierge.server.testing.ClusterFixture.visitor;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.auth.PasswordHasher;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ClusterFixture;
import dev.concierge.server.testing.ClusterNodes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes, each with its own FAQ file and agents file: an FAQ edit from the console API of one
 * node makes the bot answer with the new entry (the bot runs on the deciding node, so the edit is
 * made on the other one and a visitor asks), an edit on the deciding node reaches the other's file,
 * an agent created through the admin API of one node signs in on the other, and a node that was
 * stopped while the cluster edited both files takes the edits when it starts again.
 */
final class ClusterSharedEditsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";
    private static final String ENTRY = "{\"id\":\"parrot-food\",\"answer\":\"Parrot food is in aisle 7.\","
            + "\"questions\":[\"Do you sell parrot food?\"]}";

    @TempDir
    Path dir;

    @Test
    void editsOnOneNode_reachEveryNode_andANodeThatWasAway() throws Exception {
        String hash = PasswordHasher.hash("ada-password-1", 1000);
        for (int n = 1; n <= 2; n++) {
            Files.writeString(dir.resolve("agents-" + n + ".json"), """
                    {"departments": ["orders"],
                     "agents": [{"id": "ada", "name": "Ada", "username": "ada", "passwordHash": "%s",
                                 "departments": ["orders"], "roles": ["admin"]}]}
                    """.formatted(hash));
        }
        Path tokenFile = Files.writeString(dir.resolve("admin-token"), ADMIN_TOKEN);
        try (ClusterNodes cluster = ClusterNodes.start(
                2,
                n -> List.of(
                        "--agents",
                        dir.resolve("agents-" + n + ".json").toString(),
                        "--admin-token-file",
                        tokenFile.toString()))) {
            int decider = ClusterFixture.decider(cluster);
            int other = 3 - decider;
            URI deciding = cluster.uris().get(decider - 1);
            URI editing = cluster.uris().get(other - 1);
            String ada = login(editing, "ada", "ada-password-1");

            // An FAQ entry created on the node that does not decide: the deciding node's bot answers with it.
            assertThat(post(editing, "/api/insights/faq/entries", ada, ENTRY).statusCode())
                    .isEqualTo(201);
            Await.until("the deciding node's bot knows the new entry", () -> questions(deciding, ada, "parrot-food")
                    .isPresent());
            VisitorClient visitor = visitor(from(cluster, decider));
            assertThat(visitor.serverNode()).contains(cluster.nodeId(decider));
            visitor.send("Do you sell parrot food?").get(10, TimeUnit.SECONDS);
            Await.until("the bot answers from the entry made on the other node", () -> texts(visitor.transcript())
                    .contains("Parrot food is in aisle 7."));
            visitor.close();

            // More phrasings added on the deciding node reach the other node's file and bot.
            assertThat(post(
                                    deciding,
                                    "/api/insights/faq/entries/parrot-food/questions",
                                    ada,
                                    "{\"questions\":[\"Where is the bird seed?\"]}")
                            .statusCode())
                    .isEqualTo(200);
            Await.until("the other node's bot has both phrasings", () -> questions(editing, ada, "parrot-food")
                    .equals(Optional.of(2)));
            assertThat(Files.readString(cluster.dataDir(other).resolve("sample-faq.json")))
                    .contains("Where is the bird seed?");

            // An agent created through the admin API of one node signs in on the other.
            HttpResponse<String> created = post(
                    editing,
                    "/api/admin/agents",
                    ADMIN_TOKEN,
                    "{\"id\":\"kim\",\"name\":\"Kim\",\"username\":\"kim\",\"password\":\"kim-password-1\","
                            + "\"departments\":[\"orders\"]}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            Path decidersTeam = dir.resolve("agents-" + decider + ".json");
            Await.until("the other node's agents file has kim", () -> contents(decidersTeam)
                    .contains("\"kim\""));
            Await.until("kim signs in on the other node", () -> signIn(deciding, "kim", "kim-password-1") == 200);
            HttpResponse<String> again = post(
                    deciding,
                    "/api/admin/agents",
                    ADMIN_TOKEN,
                    "{\"id\":\"kim2\",\"name\":\"Kim\",\"username\":\"kim\",\"password\":\"kim-password-1\"}");
            assertThat(again.statusCode())
                    .as("the username is taken on every node")
                    .isEqualTo(409);

            // A node stopped while the cluster edits both files takes the edits when it starts again.
            assertThat(cluster.node(other).terminate()).isIn(0, 143);
            assertThat(post(
                                    deciding,
                                    "/api/insights/faq/entries/parrot-food/questions",
                                    ada,
                                    "{\"questions\":[\"Any food for my parrot?\"]}")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(post(
                                    deciding,
                                    "/api/admin/agents",
                                    ADMIN_TOKEN,
                                    "{\"id\":\"lee\",\"name\":\"Lee\",\"username\":\"lee\","
                                            + "\"password\":\"lee-password-1\"}")
                            .statusCode())
                    .isEqualTo(201);
            cluster.restart(other);
            cluster.awaitReady(other);
            assertThat(Files.readString(cluster.dataDir(other).resolve("sample-faq.json")))
                    .contains("Any food for my parrot?");
            assertThat(questions(editing, login(editing, "ada", "ada-password-1"), "parrot-food"))
                    .contains(3);
            assertThat(signIn(editing, "lee", "lee-password-1")).isEqualTo(200);
        }
    }

    private static HttpResponse<String> post(URI base, String path, String bearer, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + bearer)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** How many phrasings the node's bot has for the entry, if it has the entry. */
    private static Optional<Integer> questions(URI base, String token, String id) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(base.resolve("/api/insights/faq"))
                            .header("Authorization", "Bearer " + token)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            for (JsonNode entry : JSON.readTree(response.body()).path("entries")) {
                if (entry.path("id").asText().equals(id)) {
                    return Optional.of(entry.path("questions").asInt());
                }
            }
            return Optional.empty();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static int signIn(URI base, String user, String password) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(base.resolve("/api/agent/login"))
                                    .POST(HttpRequest.BodyPublishers.ofString(
                                            "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}"))
                                    .header("Content-Type", "application/json")
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String contents(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> texts(List<TranscriptEvent> events) {
        return events.stream().map(TranscriptEvent::text).toList();
    }
}
