package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.client.AgentClient;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.Await;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plays a set of conversations over real sockets with the Java SDK (answered by the bot, handed
 * off after the bot was unsure, transferred to another department, left offline and followed up,
 * rated) and checks every aggregate through the REST API, the CSV exports and {@code /metrics};
 * then turns the unanswered question into an FAQ entry that the bot answers at once.
 */
final class InsightsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UNKNOWN_1 = "Do you sell parrot food?";
    private static final String UNKNOWN_2 = "Is there parrot food in your shop?";
    private final List<AutoCloseable> clients = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private ChatServer server;
    private URI base;
    private String token;

    @AfterEach
    void stop() throws Exception {
        for (int i = clients.size() - 1; i >= 0; i--) {
            clients.get(i).close();
        }
        if (server != null) {
            server.close();
        }
    }

    private VisitorClient visitor(String name) throws Exception {
        VisitorClient v = VisitorClient.builder()
                .serverUri(base)
                .context(new VisitorContext(name, null, "en", null, "JUnit", null, Map.of()))
                .connect()
                .get(10, TimeUnit.SECONDS);
        clients.add(v);
        return v;
    }

    private AgentClient agent(String user, String password) throws Exception {
        AgentClient a = AgentClient.builder()
                .serverUri(base)
                .credentials(user, password)
                .connect()
                .get(10, TimeUnit.SECONDS);
        clients.add(a);
        return a;
    }

    private static TranscriptEvent awaitBot(VisitorClient v, int nth) {
        return Await.value("bot turn " + nth, () -> {
            List<TranscriptEvent> turns =
                    v.transcript().stream().filter(e -> e.kind() == Kind.BOT).toList();
            return turns.size() < nth ? Optional.empty() : Optional.of(turns.get(nth - 1));
        });
    }

    private HttpResponse<String> get(String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode json(String path) throws Exception {
        HttpResponse<String> r = get(path, token);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /**
     * A missed question close to an entry offers that entry for its wordings (a wild guess offers
     * none), and the wording added to it is answered the next time.
     */
    @Test
    void aMissCloseToAnEntry_offersThatEntry_andItsWordingOnceAdded_isAnswered(@TempDir Path dir) throws Exception {
        startWithTheSampleFaq(dir);
        String close = "status of the parcel please";
        VisitorClient flo = visitor("Flo");
        flo.send(close).get(10, TimeUnit.SECONDS);
        assertThat(awaitBot(flo, 1).bot().answered()).isFalse();
        flo.send(UNKNOWN_1).get(10, TimeUnit.SECONDS);
        assertThat(awaitBot(flo, 2).bot().answered()).isFalse();

        token = AgentHttp.login(server, "one", "pw-one");
        JsonNode groups = Await.value("both misses grouped", () -> {
            try {
                JsonNode g = json("/api/insights/unanswered").path("groups");
                return g.size() == 2 ? Optional.of(g) : Optional.empty();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        Map<String, JsonNode> byQuestion = new HashMap<>();
        groups.forEach(g -> byQuestion.put(g.path("representative").asText(), g));
        assertThat(byQuestion.get(close).path("closestEntry").asText()).isEqualTo("order-status");
        assertThat(byQuestion.get(UNKNOWN_1).path("closestEntry").isNull())
                .as("no entry is close to parrot food: %s", byQuestion.get(UNKNOWN_1))
                .isTrue();

        HttpResponse<String> added =
                post("/api/insights/faq/entries/order-status/questions", "{\"questions\":[\"" + close + "\"]}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        VisitorClient gus = visitor("Gus");
        gus.send(close).get(10, TimeUnit.SECONDS);
        TranscriptEvent answer = awaitBot(gus, 1);
        assertThat(answer.bot().answered()).isTrue();
        assertThat(answer.bot().entryId()).isEqualTo("order-status");
    }

    /** Prometheus text: {@code name{labels} value} lines as a map (comments skipped). */
    static Map<String, Double> parsePrometheus(String text) {
        Map<String, Double> out = new HashMap<>();
        Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)$");
        for (String l : text.split("\n")) {
            if (l.startsWith("#") || l.isBlank()) {
                continue;
            }
            Matcher m = line.matcher(l);
            assertThat(m.matches()).as("a Prometheus sample line: " + l).isTrue();
            out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }

    /**
     * Starts the team's server on a copy of the sample FAQ under {@code dir}, which its edits
     * change; returns the copy.
     */
    private Path startWithTheSampleFaq(Path dir) throws Exception {
        Path faq = dir.resolve("faq.json");
        try (InputStream in = getClass().getResourceAsStream("/sample-faq/shop-faq.json")) {
            Files.copy(in, faq);
        }
        server = LiveAgentsEndToEndTestTeam.team()
                .faq(faq)
                .dataDir(dir.resolve("data"))
                .port(0)
                .start();
        base = server.baseUri();
        return faq;
    }

    @Test
    void playedConversationsShowUpInEveryAggregate_andAnUnansweredQuestionBecomesAnFaqEntry(@TempDir Path dir)
            throws Exception {
        Path faq = startWithTheSampleFaq(dir);

        // 1. Offline: nobody is signed in; Di leaves a message.
        VisitorClient di = visitor("Di");
        di.leaveMessage("Di", "di@example.com", "Please call me back about my invoice")
                .get(10, TimeUnit.SECONDS);
        String diId = di.conversationId().orElseThrow();

        // 2. Bot answered, then rated.
        VisitorClient ada = visitor("Ada");
        ada.send("Where is my order?").get(10, TimeUnit.SECONDS);
        assertThat(awaitBot(ada, 1).bot().answered()).isTrue();
        ada.closeConversation("thanks").get(10, TimeUnit.SECONDS);
        ada.rate(5, "Quick and clear").get(10, TimeUnit.SECONDS);

        // 3. The bot is unsure twice, so a person takes over; rated.
        AgentClient one = agent("one", "pw-one");
        one.accept(diId).get(10, TimeUnit.SECONDS);
        one.send(diId, "Calling you now, Di").get(10, TimeUnit.SECONDS);
        VisitorClient bo = visitor("Bo");
        bo.send(UNKNOWN_1).get(10, TimeUnit.SECONDS);
        assertThat(awaitBot(bo, 1).bot().answered())
                .as("the bot does not know parrots")
                .isFalse();
        bo.send(UNKNOWN_2).get(10, TimeUnit.SECONDS);
        assertThat(awaitBot(bo, 2).bot().answered()).isFalse();
        String boId = bo.conversationId().orElseThrow();
        Await.until("bo assigned to one", () -> one.assignedConversations().containsKey(boId));
        one.send(boId, "We do not, sorry!").get(10, TimeUnit.SECONDS);
        one.closeConversation(boId, "answered").get(10, TimeUnit.SECONDS);
        Await.until("bo sees the close", () -> bo.transcript().stream().anyMatch(e -> e.kind() == Kind.CLOSED));
        bo.rate(2, "=took a while, \"meh\"").get(10, TimeUnit.SECONDS);

        // 4. Cy asks for a person, then goes to billing.
        VisitorClient cy = visitor("Cy");
        cy.requestHuman().get(10, TimeUnit.SECONDS);
        String cyId = cy.conversationId().orElseThrow();
        Await.until("cy assigned to one", () -> one.assignedConversations().containsKey(cyId));
        AgentClient bill = agent("bill", "pw-bill");
        one.send(cyId, "Let me pass you to billing").get(10, TimeUnit.SECONDS);
        one.transferToDepartment(cyId, "billing", "double charge").get(10, TimeUnit.SECONDS);
        Await.until("cy assigned to bill", () -> bill.assignedConversations().containsKey(cyId));
        bill.send(cyId, "Refunded.").get(10, TimeUnit.SECONDS);
        bill.closeConversation(cyId, "refunded").get(10, TimeUnit.SECONDS);

        // Every aggregate through REST.
        token = AgentHttp.login(server, "one", "pw-one");
        assertThat(get("/api/insights/summary", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/insights/summary?bucket=week", token).statusCode()).isEqualTo(400);
        JsonNode summary = Await.value("all four stored", () -> {
            try {
                JsonNode s = json("/api/insights/summary?bucket=hour");
                return s.path("totals").path("handlingTime").path("count").asInt() == 2
                        ? Optional.of(s)
                        : Optional.empty();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        JsonNode t = summary.path("totals");
        assertThat(t.path("conversations").asInt()).isEqualTo(4);
        assertThat(t.path("botResolved").asInt()).isEqualTo(1);
        assertThat(t.path("handedOff").asInt()).isEqualTo(3);
        assertThat(t.path("deflectionRate").asDouble()).isEqualTo(0.25);
        assertThat(t.path("transfers").asInt()).isEqualTo(1);
        assertThat(t.path("offlineMessages").asInt()).isEqualTo(1);
        assertThat(t.path("botMisses").asInt()).isEqualTo(2);
        assertThat(t.path("ratings").asInt()).isEqualTo(2);
        assertThat(t.path("averageScore").asDouble()).isEqualTo(3.5);
        assertThat(t.path("scores").path("5").asInt()).isEqualTo(1);
        assertThat(t.path("timeToFirstBotReply").path("count").asInt()).isEqualTo(2);
        assertThat(t.path("queueWait").path("count").asInt())
                .as("Bo and Cy queued; Di left a message")
                .isEqualTo(2);
        assertThat(t.path("timeToFirstAgentResponse").path("count").asInt()).isEqualTo(3);
        assertThat(t.path("handlingTime").path("count").asInt()).isEqualTo(2);
        assertThat(t.path("followUpTime").path("count").asInt()).isEqualTo(1);
        assertThat(t.path("followUpTime").path("maxSeconds").asDouble()).isGreaterThanOrEqualTo(0);
        int inSeries = 0;
        for (JsonNode b : summary.path("series")) {
            inSeries += b.path("conversations").asInt();
        }
        assertThat(inSeries).isEqualTo(4);
        assertThat(summary.path("departments")
                        .path("billing")
                        .path("conversations")
                        .asInt())
                .isEqualTo(1);
        assertThat(summary.path("agents").path("a1").path("name").asText()).isEqualTo("Agent One");
        assertThat(summary.path("agents").path("a1").path("conversations").asInt())
                .as("Di and Bo")
                .isEqualTo(2);
        assertThat(summary.path("agents").path("a3").path("conversations").asInt())
                .as("Cy, after the transfer")
                .isEqualTo(1);
        List<String> comments = new ArrayList<>();
        summary.path("ratings").forEach(r -> comments.add(r.path("comment").asText()));
        assertThat(comments).containsExactlyInAnyOrder("Quick and clear", "=took a while, \"meh\"");

        JsonNode billing = json("/api/insights/summary?bucket=day&department=billing");
        assertThat(billing.path("totals").path("conversations").asInt()).isEqualTo(1);
        assertThat(billing.path("totals").path("transfers").asInt()).isEqualTo(1);
        assertThat(json("/api/insights/summary?agent=a1")
                        .path("totals")
                        .path("conversations")
                        .asInt())
                .isEqualTo(2);

        // CSV exports.
        HttpResponse<String> csv = get("/api/insights/conversations.csv", token);
        assertThat(csv.headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/csv"));
        assertThat(csv.headers().firstValue("content-disposition"))
                .hasValueSatisfying(v -> assertThat(v).contains("attachment"));
        assertThat(csv.body().split("\r\n")).hasSize(5);
        assertThat(csv.body()).contains(boId).contains("\"'=took a while, \"\"meh\"\"\"");
        HttpResponse<String> metricsCsv = get("/api/insights/metrics.csv?bucket=day", token);
        assertThat(metricsCsv.body().split("\r\n")[0]).startsWith("bucket_start,conversations,bot_resolved");

        // Live: the queue is empty and the agents' load is there.
        JsonNode live = json("/api/insights/live");
        assertThat(live.path("queue").size()).isZero();
        assertThat(live.path("agents").findValuesAsText("id")).contains("a1", "a3");

        // /metrics, scraped and parsed.
        HttpResponse<String> scrape = get("/metrics", null);
        assertThat(scrape.headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        Map<String, Double> m = parsePrometheus(scrape.body());
        assertThat(m.get("concierge_messages_total{role=\"visitor\"}")).isEqualTo(3.0);
        assertThat(m.get("concierge_messages_total{role=\"agent\"}")).isEqualTo(4.0);
        assertThat(m.get("concierge_transfers_total")).isEqualTo(1.0);
        assertThat(m.get("concierge_offline_messages_total")).isEqualTo(1.0);
        assertThat(m.get("concierge_handoffs_total{reason=\"bot_unsure\"}")).isEqualTo(1.0);
        assertThat(m.get("concierge_conversations_closed_total")).isEqualTo(3.0);
        assertThat(m.get("concierge_bot_answer_seconds_count")).isGreaterThanOrEqualTo(3.0);
        assertThat(m.get("concierge_bot_answer_seconds_bucket{le=\"+Inf\"}"))
                .isEqualTo(m.get("concierge_bot_answer_seconds_count"));
        assertThat(m.get("concierge_store_write_seconds_count")).isPositive();
        assertThat(m.get("concierge_queue_length")).isZero();
        assertThat(m.get("concierge_agents_online")).isEqualTo(2.0);
        assertThat(m.get("concierge_websocket_connections")).isGreaterThanOrEqualTo(2.0);
        // The SQLite store merges new events into the indexed table within a second of quiet:
        // /metrics counts the merges, their time (on their own thread, beside the writer) and the
        // events they moved.
        Map<String, Double> merged = Await.value("a merge on /metrics", () -> {
            Map<String, Double> now;
            try {
                now = parsePrometheus(get("/metrics", null).body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Optional.ofNullable(now.get("concierge_store_merge_seconds_count"))
                    .filter(n -> n >= 1)
                    .map(n -> now);
        });
        assertThat(merged.get("concierge_store_merge_seconds_sum")).isPositive();
        assertThat(merged.get("concierge_store_merged_events_total")).isGreaterThanOrEqualTo(3.0 + 4.0);

        // The unanswered questions, grouped; the group becomes an FAQ entry; the bot answers it.
        JsonNode unanswered = json("/api/insights/unanswered");
        JsonNode group = unanswered.path("groups").get(0);
        assertThat(group.path("count").asInt()).isEqualTo(2);
        assertThat(group.path("questions").findValuesAsText("text")).containsExactlyInAnyOrder(UNKNOWN_1, UNKNOWN_2);
        assertThat(group.path("answeredNowBy").isNull()).isTrue();
        String body = JSON.writeValueAsString(Map.of(
                "id",
                "parrot-food",
                "answer",
                "Yes: parrot food is in aisle 7.",
                "questions",
                group.path("questions").findValuesAsText("text"),
                "tags",
                List.of("orders")));
        // Bill chats only: he sees the entries, may not edit them, and the console hides the editor.
        String supervisor = token;
        token = AgentHttp.login(server, "bill", "pw-bill");
        assertThat(json("/api/insights/faq").path("editable").asBoolean()).isFalse();
        HttpResponse<String> refused = post("/api/insights/faq/entries", body);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("admin or supervisor role");
        assertThat(post("/api/insights/faq/entries/order-status/questions", "{\"questions\":[\"Parcel?\"]}")
                        .statusCode())
                .isEqualTo(403);
        assertThat(Files.readString(faq)).doesNotContain("parrot-food").doesNotContain("Parcel?");
        token = supervisor;
        assertThat(json("/api/insights/faq").path("editable").asBoolean()).isTrue();
        HttpResponse<String> created = post("/api/insights/faq/entries", body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(post("/api/insights/faq/entries", body).statusCode()).isEqualTo(409);
        assertThat(Files.readString(faq)).contains("parrot-food").contains("aisle 7");
        HttpResponse<String> added = post(
                "/api/insights/faq/entries/order-status/questions",
                "{\"questions\":[\"Where has my parcel got to?\",\"Where is my order?\"]}");
        assertThat(JSON.readTree(added.body()).path("added").asInt()).isEqualTo(1);

        VisitorClient eve = visitor("Eve");
        eve.send(UNKNOWN_1).get(10, TimeUnit.SECONDS);
        TranscriptEvent answer = awaitBot(eve, 1);
        assertThat(answer.bot().answered()).isTrue();
        assertThat(answer.bot().entryId()).isEqualTo("parrot-food");
        assertThat(answer.text()).contains("aisle 7");
        JsonNode after = json("/api/insights/unanswered");
        assertThat(after.path("groups").get(0).path("answeredNowBy").asText()).isEqualTo("parrot-food");
    }

    /** The team of {@link LiveAgentsEndToEndTest}: a supervisor in orders, an agent in billing. */
    static final class LiveAgentsEndToEndTestTeam {
        static ChatServer.Builder team() {
            return ChatServer.builder()
                    .agents(List.of(
                            AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)
                                    .inDepartments(List.of("orders"))
                                    .withRoles(List.of(AgentAccount.SUPERVISOR)),
                            AgentAccount.withPassword("a3", "Bill Ing", "bill", "pw-bill", 1000)
                                    .inDepartments(List.of("billing"))))
                    .departments(List.of("billing", "orders"))
                    .maxChatsPerAgent(5);
        }
    }
}
