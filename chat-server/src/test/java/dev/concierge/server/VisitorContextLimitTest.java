package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.IdentityVerifier;
import dev.concierge.server.testing.RawSocket;
import dev.concierge.store.JdbcDatabase;
import dev.concierge.store.MergedEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The visitor's context is bounded over the wire: an oversized field gets a {@code bad_request}
 * naming it and stores nothing, {@code context} frames cannot grow the merged context past its
 * caps, and a long (valid) name is stored once per conversation, not with every message. Each
 * test runs a server on a data directory of its own and reads the SQLite files after it stops.
 */
final class VisitorContextLimitTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSixtyThousandCharacterName_isRefusedNamingTheField_andNothingOfItIsStored() throws Exception {
        Path data = Files.createTempDirectory("concierge-context");
        String huge = "N".repeat(60_000);
        try (ChatServer server = start(data);
                RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h1\",\"version\":2,\"context\":{\"name\":\"" + huge + "\"}}");
            JsonNode refused = s.awaitType("error");
            assertThat(refused.path("code").asText()).isEqualTo("bad_request");
            assertThat(refused.path("ref").asText()).isEqualTo("h1");
            assertThat(refused.path("message").asText()).contains("context.name", "200");

            s.send("{\"type\":\"hello\",\"id\":\"h2\",\"version\":2,\"context\":{\"name\":\"Ada\"}}");
            s.awaitType("welcome");
            s.send("{\"type\":\"context\",\"id\":\"x1\",\"context\":{\"name\":\"" + huge
                    + "\",\"attributes\":{\"plan\":\"gold\"}}}");
            JsonNode again = s.awaitType("error");
            assertThat(again.path("ref").asText()).isEqualTo("x1");
            assertThat(again.path("message").asText()).contains("context.name");
            s.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Where is my parcel?\"}");
            assertThat(s.await(f -> "m1".equals(f.path("id").asText())
                                    || "m1".equals(f.path("ref").asText()))
                            .path("seq")
                            .asLong())
                    .isEqualTo(1);
        }
        try (Connection c = stored(data)) {
            assertThat(strings(c, "SELECT context_json FROM visitors"))
                    .singleElement()
                    .satisfies(
                            json -> assertThat(JSON.readTree(json).path("name").asText())
                                    .isEqualTo("Ada"))
                    .satisfies(json ->
                            assertThat(JSON.readTree(json).has("attributes")).isFalse());
            assertThat(strings(c, "SELECT author_json FROM stored_events"))
                    .isNotEmpty()
                    .allSatisfy(json -> assertThat(json).doesNotContain("NNNN"));
        }
    }

    @Test
    void fortyContextFrames_cannotGrowTheAttributesPastFiftyKeys_andTheRefusedOnesChangeNothing() throws Exception {
        Path data = Files.createTempDirectory("concierge-context");
        List<JsonNode> answers = new ArrayList<>();
        try (ChatServer server = start(data);
                RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":2}");
            s.awaitType("welcome");
            for (int frame = 1; frame <= 40; frame++) {
                StringBuilder attributes = new StringBuilder();
                for (int k = 0; k < 5; k++) {
                    attributes
                            .append(k == 0 ? "" : ",")
                            .append("\"f")
                            .append(frame)
                            .append("k")
                            .append(k)
                            .append("\":\"")
                            .append("v".repeat(200))
                            .append('"');
                }
                String id = "x" + frame;
                s.send("{\"type\":\"context\",\"id\":\"" + id + "\",\"context\":{\"page\":{\"title\":\"page " + frame
                        + "\"},\"attributes\":{" + attributes + "}}}");
                answers.add(s.await(f -> id.equals(f.path("ref").asText())));
            }
        }
        // 10 frames of 5 keys fill the 50; each later one is refused, naming the field.
        assertThat(answers.subList(0, 10))
                .extracting(a -> a.path("type").asText())
                .containsOnly("ack");
        assertThat(answers.subList(10, 40)).allSatisfy(a -> {
            assertThat(a.path("type").asText()).isEqualTo("error");
            assertThat(a.path("code").asText()).isEqualTo("bad_request");
            assertThat(a.path("message").asText()).contains("context.attributes", "50");
        });
        try (Connection c = stored(data)) {
            JsonNode context = JSON.readTree(
                    strings(c, "SELECT context_json FROM visitors").get(0));
            assertThat(context.path("attributes").size()).isEqualTo(50);
            assertThat(context.path("attributes").has("f11k0")).isFalse();
            assertThat(context.path("page").path("title").asText()).isEqualTo("page 10");
        }
    }

    @Test
    void aLongValidName_isStoredOncePerConversation_notWithEveryMessage() throws Exception {
        Path data = Files.createTempDirectory("concierge-context");
        String name = "Ada " + "Q".repeat(196);
        String conversation;
        String token;
        try (ChatServer server = start(data);
                RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":2,\"context\":{\"name\":\"" + name + "\"}}");
            token = s.awaitType("welcome").path("visitorToken").asText();
            conversation = null;
            for (int m = 1; m <= 30; m++) {
                String id = "m" + m;
                s.send("{\"type\":\"message\",\"id\":\"" + id + "\",\"text\":\"message number " + m + "\"}");
                JsonNode stored = s.await(f -> id.equals(f.path("id").asText())
                        && "event".equals(f.path("type").asText()));
                assertThat(stored.path("author").path("name").asText()).isEqualTo(name); // the wire keeps the name
                conversation = stored.path("conversationId").asText();
            }
        }
        try (Connection c = stored(data)) {
            List<String> authors =
                    strings(c, "SELECT author_json FROM stored_events WHERE author_json LIKE '%visitor%'");
            assertThat(authors).hasSize(30).allSatisfy(json -> assertThat(json).doesNotContain("QQQQ"));
            assertThat(strings(c, "SELECT name FROM event_authors")).containsExactly(name);
        }
        // Read back from the store after a restart: every message has its author's name again.
        try (ChatServer server = start(data);
                RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":2,\"visitorToken\":\"" + token + "\"}");
            s.awaitType("welcome");
            s.send("{\"type\":\"history\",\"id\":\"q\",\"conversationId\":\"" + conversation + "\",\"afterSeq\":0}");
            JsonNode transcript = s.await(f -> "q".equals(f.path("ref").asText()));
            List<String> names = new ArrayList<>();
            for (JsonNode e : transcript.path("events")) {
                if ("visitor".equals(e.path("author").path("role").asText())) {
                    names.add(e.path("author").path("name").asText());
                }
            }
            assertThat(names).hasSize(30).containsOnly(name);
        }
    }

    @Test
    void aVerifiedIdentitysNameAndEmail_enterTheContextClipped_neverRefused() throws Exception {
        String secret = "s3cr3t-of-the-shop-at-least-32-characters";
        Path sites = Files.createTempFile("concierge-sites", ".json");
        Files.writeString(sites, "{\"sites\": {\"shop\": {\"identitySecret\": \"" + secret + "\"}}}");
        String name = "Ada\\nLovelace " + "L".repeat(180); // as JSON: a newline, which a context may not hold
        try (ChatServer server = ChatServer.builder()
                        .port(0)
                        .dataDir(Files.createTempDirectory("concierge-context"))
                        .sitesFile(sites, site -> null)
                        .start();
                RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":2,\"site\":\"shop\",\"identity\":{\"userId\":\"u-1\","
                    + "\"name\":\"" + name + "\",\"email\":\"ada@localhost\",\"signature\":\""
                    + IdentityVerifier.signature(secret, "u-1") + "\"}}");
            s.awaitType("welcome");
            s.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Hello\"}");
            JsonNode event = s.await(f -> "event".equals(f.path("type").asText())
                    || "error".equals(f.path("type").asText()));
            assertThat(event.path("type").asText()).isEqualTo("event");
            assertThat(event.path("author").path("name").asText()).isEqualTo("AdaLovelace " + "L".repeat(180));
        }
    }

    private static ChatServer start(Path data) {
        return ChatServer.builder()
                .port(0)
                .dataDir(data)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .start();
    }

    /** The stopped server's SQLite files, as its own connections see them. */
    private static Connection stored(Path data) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve(JdbcDatabase.SQLITE_FILE));
        MergedEvents.attach(c, data.resolve(MergedEvents.FILE));
        return c;
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
