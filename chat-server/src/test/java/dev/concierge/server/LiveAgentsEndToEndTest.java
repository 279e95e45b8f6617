package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.client.AgentClient;
import dev.concierge.client.AgentListener;
import dev.concierge.client.Availability;
import dev.concierge.client.ConciergeClientException;
import dev.concierge.client.QueueStatus;
import dev.concierge.client.ReadReceipt;
import dev.concierge.client.Released;
import dev.concierge.client.ServerRefusedException;
import dev.concierge.client.Stored;
import dev.concierge.client.TeamSettings;
import dev.concierge.client.VisitorClient;
import dev.concierge.client.VisitorListener;
import dev.concierge.protocol.AgentStatus;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.AgentsFile;
import dev.concierge.server.auth.PasswordHasher;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live agents over real sockets with several {@link AgentClient}s and {@link VisitorClient}s:
 * fair distribution under the cap, a transfer with a note and the full package, presence
 * changes while visitors wait, a message left while nobody is online becoming a follow-up,
 * receipts, the search API and creating agents with the admin token.
 */
final class LiveAgentsEndToEndTest {
    private static final String ADMIN = "admin-token-0123456789";
    private ChatServer server;
    private URI base;
    private final List<AutoCloseable> clients = new ArrayList<>();

    private void start(ChatServer.Builder builder) {
        server = builder.port(0).start();
        base = server.baseUri();
    }

    private static ChatServer.Builder team(int cap) {
        return ChatServer.builder()
                .agents(List.of(
                        AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)
                                .inDepartments(List.of("orders")),
                        AgentAccount.withPassword("a2", "Agent Two", "two", "pw-two", 1000)
                                .inDepartments(List.of("orders")),
                        AgentAccount.withPassword("a3", "Bill Ing", "bill", "pw-bill", 1000)
                                .inDepartments(List.of("billing"))))
                .departments(List.of("billing", "orders"))
                .maxChatsPerAgent(cap);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Records what an agent client reports. */
    static final class AgentLog implements AgentListener {
        final List<Released> released = new CopyOnWriteArrayList<>();
        final List<ReadReceipt> receipts = new CopyOnWriteArrayList<>();
        final List<List<AgentStatus>> agents = new CopyOnWriteArrayList<>();
        final List<TeamSettings> settings = new CopyOnWriteArrayList<>();

        @Override
        public void onReleased(AgentClient client, Released r) {
            released.add(r);
        }

        @Override
        public void onReceipt(AgentClient client, ReadReceipt r) {
            receipts.add(r);
        }

        @Override
        public void onAgents(AgentClient client, List<AgentStatus> a) {
            agents.add(a);
        }

        @Override
        public void onSettings(AgentClient client, TeamSettings s) {
            settings.add(s);
        }
    }

    /** Records what a visitor client reports. */
    static final class VisitorLog implements VisitorListener {
        final List<Availability> availability = new CopyOnWriteArrayList<>();
        final List<ReadReceipt> receipts = new CopyOnWriteArrayList<>();

        @Override
        public void onAvailability(VisitorClient client, Availability a) {
            availability.add(a);
        }

        @Override
        public void onReceipt(VisitorClient client, ReadReceipt r) {
            receipts.add(r);
        }
    }

    private AgentClient agent(String user, String password, AgentListener listener) throws Exception {
        AgentClient c = AgentClient.builder()
                .serverUri(base)
                .credentials(user, password)
                .listener(listener)
                .connect()
                .get(10, TimeUnit.SECONDS);
        clients.add(c);
        return c;
    }

    private VisitorClient visitor(String name, VisitorListener listener) throws Exception {
        VisitorClient v = VisitorClient.builder()
                .serverUri(base)
                .context(new VisitorContext(name, null, "en", null, "JUnit", null, Map.of()))
                .listener(listener)
                .connect()
                .get(10, TimeUnit.SECONDS);
        clients.add(v);
        return v;
    }

    private static int owned(AgentClient a) {
        return a.assignedConversations().size();
    }

    @Test
    void conversations_areSpreadFairlyUnderTheCap_andTheRestWaitInOrder() throws Exception {
        start(team(2));
        AgentClient one = agent("one", "pw-one", new AgentLog());
        AgentClient two = agent("two", "pw-two", new AgentLog());
        List<VisitorClient> visitors = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            VisitorClient v = visitor("Visitor " + i, new VisitorLog());
            v.requestHuman().get(10, TimeUnit.SECONDS);
            visitors.add(v);
        }
        Await.until("four assigned", () -> owned(one) + owned(two) == 4);
        assertThat(owned(one)).isEqualTo(2);
        assertThat(owned(two)).isEqualTo(2);
        // Visitors 5 and 6 wait at positions 1 and 2, with an estimate.
        QueueStatus fifth =
                Await.value("5th queue status", () -> visitors.get(4).queueStatus());
        QueueStatus sixth =
                Await.value("6th queue status", () -> visitors.get(5).queueStatus());
        assertThat(fifth.position()).isEqualTo(1);
        assertThat(sixth.position()).isEqualTo(2);
        assertThat(fifth.estimatedWait().orElseThrow()).isPositive();
        assertThat(sixth.estimatedWait().orElseThrow())
                .isGreaterThan(fifth.estimatedWait().orElseThrow());
        // One chat ends: the longest-waiting visitor gets that slot.
        String first = one.assignedConversations().keySet().iterator().next();
        one.closeConversation(first, "resolved").get(10, TimeUnit.SECONDS);
        String fifthId = visitors.get(4).conversationId().orElseThrow();
        Await.until("5th assigned to one", () -> one.assignedConversations().containsKey(fifthId));
        Await.until(
                "6th moved up",
                () -> visitors.get(5).queueStatus().map(s -> s.position() == 1).orElse(false));
    }

    @Test
    void transferToAnotherAgent_carriesTheWholeStoryAndTheNote() throws Exception {
        start(team(5));
        AgentLog oneLog = new AgentLog();
        AgentClient one = agent("one", "pw-one", oneLog);
        VisitorClient ada = visitor("Ada", new VisitorLog());
        ada.send("Where is my order?").get(10, TimeUnit.SECONDS);
        Await.until("bot answer", () -> ada.transcript().stream().anyMatch(e -> e.kind() == Kind.BOT));
        ada.send("I need a human please").get(10, TimeUnit.SECONDS);
        String id = ada.conversationId().orElseThrow();
        Await.until("assigned to one", () -> one.assignedConversations().containsKey(id));
        one.send(id, "Let me check that for you.").get(10, TimeUnit.SECONDS);
        one.note(id, "Order 1234 is stuck at the depot").get(10, TimeUnit.SECONDS);
        AgentLog billLog = new AgentLog();
        AgentClient bill = agent("bill", "pw-bill", billLog);
        Stored ack = one.transfer(id, "a3", "Customer was double charged, please refund")
                .get(10, TimeUnit.SECONDS);
        assertThat(ack.seq()).isPositive();

        HandoffPackage pkg = Await.value(
                "package at bill",
                () -> Optional.ofNullable(bill.assignedConversations().get(id)));
        assertThat(pkg.reason()).isEqualTo(HandoffReason.TRANSFER);
        assertThat(pkg.transferredFrom().id()).isEqualTo("a1");
        assertThat(pkg.transferNote()).isEqualTo("Customer was double charged, please refund");
        assertThat(pkg.visitor().name()).isEqualTo("Ada");
        assertThat(pkg.visitor().verified()).as("anonymous: name as typed").isFalse();
        assertThat(pkg.transcript())
                .extracting(TranscriptEvent::text)
                .contains(
                        "Where is my order?",
                        "I need a human please",
                        "Let me check that for you.",
                        "Order 1234 is stuck at the depot",
                        "Customer was double charged, please refund");
        assertThat(pkg.transcript()).anySatisfy(e -> assertThat(e.kind()).isEqualTo(Kind.BOT));
        Await.until("one released", () -> !oneLog.released.isEmpty());
        assertThat(oneLog.released.get(0).to().orElseThrow().id()).isEqualTo("a3");
        Await.until("one no longer owns it", () -> !one.assignedConversations().containsKey(id));

        // The visitor is told, sees no note, and the new agent talks to them straight away.
        Await.until(
                "visitor sees transfer", () -> ada.transcript().stream().anyMatch(e -> e.kind() == Kind.TRANSFERRED));
        bill.send(id, "Hi Ada, refund on its way.").get(10, TimeUnit.SECONDS);
        Await.until("visitor sees bill", () -> ada.transcript().stream()
                .anyMatch(e -> "Hi Ada, refund on its way.".equals(e.text())));
        assertThat(ada.transcript()).extracting(TranscriptEvent::kind).doesNotContain(Kind.NOTE);
        assertThat(ada.history(id, 0).get(10, TimeUnit.SECONDS).events())
                .extracting(TranscriptEvent::text)
                .doesNotContain("Order 1234 is stuck at the depot", "Customer was double charged, please refund");
        // The old owner cannot write any more.
        assertThatThrownBy(() -> one.send(id, "me again").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ConciergeClientException.class);

        // Read receipts: the visitor read Bill's message; Bill is told.
        long last = ada.transcript().get(ada.transcript().size() - 1).seq();
        ada.receipt(last, ReceiptStatus.READ);
        Await.until("bill gets read receipt", () -> billLog.receipts.stream()
                .anyMatch(r -> r.by() == Role.VISITOR && r.seq() == last && r.status() == ReceiptStatus.READ));
    }

    @Test
    void anAgentSignsInAway_andATransferToAFullAgentIsRefusedUntilForced_freeingTheSendersSlotForTheQueue()
            throws Exception {
        start(team(1));
        AgentClient one = agent("one", "pw-one", new AgentLog());
        AgentClient two = AgentClient.builder()
                .serverUri(base)
                .credentials("two", "pw-two")
                .listener(new AgentLog())
                .presence(PresenceStatus.AWAY)
                .connect()
                .get(10, TimeUnit.SECONDS);
        clients.add(two);
        VisitorClient first = visitor("First", new VisitorLog());
        first.requestHuman().get(10, TimeUnit.SECONDS);
        String firstId = first.conversationId().orElseThrow();
        Await.until("first assigned to one", () -> one.assignedConversations().containsKey(firstId));
        // Two signed in away: the second visitor waits rather than going to them.
        VisitorClient second = visitor("Second", new VisitorLog());
        second.requestHuman().get(10, TimeUnit.SECONDS);
        QueueStatus waiting = Await.value("second queued", () -> second.queueStatus());
        assertThat(waiting.position()).isEqualTo(1);
        assertThat(waiting.agentsOnline()).isEqualTo(1);
        assertThat(owned(two)).isZero();
        two.presence(PresenceStatus.ONLINE).get(10, TimeUnit.SECONDS);
        String secondId = second.conversationId().orElseThrow();
        Await.until("second assigned to two once online", () -> two.assignedConversations()
                .containsKey(secondId));

        VisitorClient third = visitor("Third", new VisitorLog());
        third.requestHuman().get(10, TimeUnit.SECONDS);
        String thirdId = third.conversationId().orElseThrow();
        Await.value("third queued", () -> third.queueStatus());
        // Two is at the limit (1 of 1): refused, with a code the console and the SDK act on.
        assertThatThrownBy(() -> one.transfer(firstId, "a2", "needs a refund").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(ServerRefusedException.class)
                .satisfies(e -> assertThat(((ServerRefusedException) e).code()).isEqualTo(ErrorCode.AGENT_AT_CAPACITY));
        assertThat(one.assignedConversations()).containsOnlyKeys(firstId);
        // Confirmed: two gets it over the limit, and one's freed slot takes the third visitor at once.
        assertThat(one.transfer(firstId, "a2", "needs a refund", true)
                        .get(10, TimeUnit.SECONDS)
                        .seq())
                .isPositive();
        Await.until("third assigned to one", () -> one.assignedConversations().containsKey(thirdId));
        Await.until("two has both", () -> two.assignedConversations().keySet().containsAll(List.of(firstId, secondId)));
    }

    @Test
    void presence_changesWhileVisitorsWait_andAwayAgentsGetNothingNew() throws Exception {
        start(team(5));
        AgentClient one = agent("one", "pw-one", new AgentLog());
        one.presence(PresenceStatus.AWAY).get(10, TimeUnit.SECONDS);
        VisitorLog log = new VisitorLog();
        VisitorClient v = visitor("Bo", log);
        Await.until(
                "told nobody is available",
                () -> !log.availability.isEmpty()
                        && !log.availability.get(log.availability.size() - 1).agentsAvailable());
        v.requestHuman().get(10, TimeUnit.SECONDS);
        QueueStatus waiting = Await.value("queued", () -> v.queueStatus());
        assertThat(waiting.agentsOnline()).isZero();
        assertThat(waiting.estimatedWait()).isEmpty();
        // No sleep: the router dispatches again after acking a presence change, and the store
        // completes appends in order, so an assignment (its "joined" event) would reach the visitor
        // before the visitor's next message comes back.
        one.presence(PresenceStatus.AWAY).get(10, TimeUnit.SECONDS);
        v.send("Anyone there?").get(10, TimeUnit.SECONDS);
        assertThat(v.transcript()).extracting(TranscriptEvent::kind).doesNotContain(Kind.ASSIGNED);
        assertThat(owned(one)).isZero();
        one.presence(PresenceStatus.ONLINE).get(10, TimeUnit.SECONDS);
        String id = v.conversationId().orElseThrow();
        Await.until("assigned once online", () -> one.assignedConversations().containsKey(id));
        Await.until(
                "told someone is available",
                () -> log.availability.get(log.availability.size() - 1).agentsAvailable());
    }

    @Test
    void aMessageLeftWhileNobodyIsOnline_becomesAFollowUpAnsweredFromTheSameTranscript() throws Exception {
        start(team(5));
        VisitorLog log = new VisitorLog();
        VisitorClient v = visitor("Cy", log);
        Await.until(
                "offline",
                () -> !log.availability.isEmpty() && !log.availability.get(0).agentsAvailable());
        v.send("Can I change my delivery address?").get(10, TimeUnit.SECONDS);
        v.leaveMessage("Cy", "cy@example.com", "Please change it to 1 Main St").get(10, TimeUnit.SECONDS);
        String id = v.conversationId().orElseThrow();
        Await.until("offline message in transcript", () -> v.transcript().stream()
                .anyMatch(e -> e.kind() == Kind.OFFLINE_MESSAGE));
        v.close();

        AgentClient one = agent("one", "pw-one", new AgentLog());
        var entry = Await.value("follow-up in queue", () -> one.queue().stream()
                .filter(e -> e.conversationId().equals(id))
                .findFirst());
        assertThat(entry.followUp()).isTrue();
        assertThat(entry.visitor().email()).isEqualTo("cy@example.com");
        // Follow-ups are taken by hand. No sleep: the router dispatches after acking a presence
        // change, so the queue page asked for after it shows what that dispatch (and the one at
        // sign-in) left queued.
        one.presence(PresenceStatus.ONLINE).get(10, TimeUnit.SECONDS);
        assertThat(one.queuePage(0).get(10, TimeUnit.SECONDS).entries())
                .as("follow-ups are taken by hand")
                .anySatisfy(e -> assertThat(e.conversationId()).isEqualTo(id));
        assertThat(owned(one)).isZero();
        HandoffPackage pkg = one.accept(id).get(10, TimeUnit.SECONDS).handoff();
        assertThat(pkg.reason()).isEqualTo(HandoffReason.OFFLINE_MESSAGE);
        assertThat(pkg.transcript())
                .extracting(TranscriptEvent::text)
                .contains("Can I change my delivery address?", "Please change it to 1 Main St");
        one.send(id, "Done, Cy!").get(10, TimeUnit.SECONDS);

        // Cy comes back with the same token and finds the answer in the same conversation.
        VisitorClient back = VisitorClient.builder()
                .serverUri(base)
                .visitorToken(v.visitorToken())
                .connect()
                .get(10, TimeUnit.SECONDS);
        clients.add(back);
        Await.until("answer visible on return", () -> back.transcript().stream()
                .anyMatch(e -> "Done, Cy!".equals(e.text())));
        assertThat(back.conversationId()).contains(id);
    }

    @Test
    void search_findsEarlierConversations_forAgentsOnly() throws Exception {
        start(team(5));
        AgentClient one = agent("one", "pw-one", new AgentLog());
        VisitorClient v = visitor("Di", new VisitorLog());
        v.send("My blender arrived cracked").get(10, TimeUnit.SECONDS);
        String id = v.conversationId().orElseThrow();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> anonymous = http.send(
                HttpRequest.newBuilder(base.resolve("/api/conversations?q=blender"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        String token = AgentHttp.login(server, "one", "pw-one");
        HttpResponse<String> found = Await.value("search result", () -> {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(base.resolve("/api/conversations?q=BLENDER"))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                return r.body().contains(id) ? Optional.of(r) : Optional.empty();
            } catch (Exception e) {
                return Optional.empty();
            }
        });
        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(found.body()).contains("\"visitorName\":\"Di\"").contains("cracked");
        HttpResponse<String> bad = http.send(
                HttpRequest.newBuilder(base.resolve("/api/conversations?q=x&limit=5000"))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        one.close();
    }

    @Test
    void adminCreatesAnAgent_whoSignsInAtOnce_andIsWrittenToTheAgentsFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("agents.json");
        Files.writeString(file, """
                {"departments": ["billing"],
                 "cannedReplies": [{"shortcut": "refund", "text": "Refunds take 3 days."}],
                 "agents": [{"id": "a1", "name": "Agent One", "username": "one",
                             "passwordHash": "%s", "departments": ["billing"]}]}
                """.formatted(PasswordHasher.hash("pw-one", 1000)));
        start(ChatServer.builder().agentsFile(file).adminToken(ADMIN));
        HttpClient http = HttpClient.newHttpClient();
        String body =
                "{\"id\":\"zoe\",\"name\":\"Zoe\",\"username\":\"zoe\",\"password\":\"zoe-password-1\",\"departments\":[\"billing\"]}";
        HttpResponse<String> noToken = http.send(
                HttpRequest.newBuilder(base.resolve("/api/admin/agents"))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        HttpResponse<String> badDept = http.send(
                HttpRequest.newBuilder(base.resolve("/api/admin/agents"))
                        .header("Authorization", "Bearer " + ADMIN)
                        .POST(HttpRequest.BodyPublishers.ofString(body.replace("[\"billing\"]", "[\"nowhere\"]")))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(badDept.statusCode()).isEqualTo(400);
        HttpResponse<String> created = http.send(
                HttpRequest.newBuilder(base.resolve("/api/admin/agents"))
                        .header("Authorization", "Bearer " + ADMIN)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        HttpResponse<String> again = http.send(
                HttpRequest.newBuilder(base.resolve("/api/admin/agents"))
                        .header("Authorization", "Bearer " + ADMIN)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(409);

        AgentLog log = new AgentLog();
        AgentClient zoe = agent("zoe", "zoe-password-1", log);
        TeamSettings settings =
                Await.value("settings", () -> log.settings.stream().findFirst());
        assertThat(settings.departments()).containsExactly("billing");
        assertThat(settings.cannedReplies()).extracting(c -> c.shortcut()).containsExactly("refund");
        Await.until("zoe in agents list with billing", () -> log.agents.stream().anyMatch(a -> a.stream()
                .anyMatch(s -> s.id().equals("zoe") && s.departments().equals(List.of("billing")))));
        String written = Files.readString(file);
        assertThat(written).contains("\"zoe\"").contains("pbkdf2-sha256$").doesNotContain("zoe-password-1");
        // The file still loads, with both agents.
        assertThat(AgentsFile.readTeam(file).agents())
                .extracting(AgentAccount::id)
                .containsExactlyInAnyOrder("a1", "zoe");
        zoe.close();
        Collections.reverse(clients);
    }
}
