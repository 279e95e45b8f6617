package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.routing.Agent;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.WireSocket;
import dev.concierge.store.InMemoryConversationStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Unauthenticated visitors cannot cut agents off by making the frames they are sent large: with
 * hundreds of queued visitors whose messages are 4,000 characters long and one conversation of
 * 2,000 such messages, agent sockets stay open through reconnects; the queue arrives once per
 * hello, a page at a time, and pages to its last entry; the long conversation's package holds its
 * last events and the agent reads the rest, message 1 included, with {@code history}. Over real
 * sockets, with the default slow-reader limits.
 */
final class AgentLockoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int QUEUED = 300;
    private static final int LONG_MESSAGES = 2000;
    private static final String LONG_TEXT = "x".repeat(3990);
    private static ChatServer server;

    @BeforeAll
    static void start() {
        server = ChatServer.builder()
                .port(0)
                .store(new InMemoryConversationStore())
                .rateLimit(100_000, 100_000)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .maxChatsPerAgent(2)
                .queueAlertAfter(Duration.ofHours(1))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void queuedVisitorsWithLongMessages_andALongConversation_neverCutTheAgentOff_throughReconnects() throws Exception {
        String longConversation = longConversation();
        for (int i = 0; i < QUEUED; i++) {
            queuedVisitor(i);
        }
        String token = AgentHttp.login(server, "one", "pw-one");

        for (int round = 0; round < 4; round++) { // the first connection, then three reconnects
            try (Agent first = new Agent(token);
                    Agent second = new Agent(token)) {
                for (Agent console : List.of(first, second)) {
                    // The queue comes once per hello: the answer to a page request made after the
                    // first frame is the next queue frame the socket reads.
                    JsonNode queue = console.next("queue");
                    assertThat(queue.path("entries").size()).isEqualTo(50);
                    assertThat(queue.path("waiting").asInt())
                            .isEqualTo(queue.path("total").asInt());
                    int total = queue.path("total").asInt();
                    assertThat(total).isEqualTo(QUEUED + 1 - 2); // the agent took two

                    for (JsonNode entry : queue.path("entries")) {
                        assertThat(entry.path("preview").asText().length()).isLessThanOrEqualTo(200);
                        assertThat(entry.path("visitor").has("attributes")).isFalse(); // with the assignment
                    }
                    int lastPage = (total - 1) / 50 * 50;
                    console.send("{\"type\":\"queue\",\"id\":\"page\",\"offset\":" + lastPage + "}");
                    JsonNode page = console.next("queue");
                    assertThat(page.path("ref").asText()).isEqualTo("page");
                    assertThat(page.path("offset").asInt()).isEqualTo(lastPage);
                    JsonNode entries = page.path("entries");
                    assertThat(entries.get(entries.size() - 1).path("position").asInt())
                            .isEqualTo(total);
                }
                if (round == 0) {
                    // The long conversation was first in the queue: it is the agent's now.
                    JsonNode assigned = first.find(f -> f.path("type").asText().equals("assigned")
                            && f.path("conversationId").asText().equals(longConversation));
                    JsonNode handoff = assigned.path("handoff");
                    assertThat(handoff.path("transcript").size())
                            .isLessThan(handoff.path("transcriptTotal").asInt());
                    assertThat(handoff.path("transcriptTotal").asInt()).isGreaterThan(LONG_MESSAGES);
                }
                TreeMap<Long, JsonNode> events = first.wholeTranscript(longConversation);
                assertThat(events.firstKey()).isEqualTo(1L);
                assertThat(events.lastKey()).isEqualTo((long) events.size()); // no gaps
                assertThat(events.values())
                        .filteredOn(e -> "m0".equals(e.path("id").asText()))
                        .singleElement()
                        .satisfies(e -> assertThat(e.path("text").asText()).isEqualTo("1 " + LONG_TEXT));
                assertThat(events.values()).anyMatch(e -> ("m" + (LONG_MESSAGES - 1))
                        .equals(e.path("id").asText()));
                first.assertOpen();
                second.assertOpen();
            }
        }
    }

    @Test
    void aQueuePageOutOfRange_isRefusedNamingTheField_andVisitorsMayNotPage() throws Exception {
        String token = AgentHttp.login(server, "one", "pw-one");
        try (Agent agent = new Agent(token)) {
            agent.next("queue");
            agent.send("{\"type\":\"queue\",\"id\":\"bad\",\"offset\":-1}");
            JsonNode error = agent.nextWhere(f -> f.path("ref").asText().equals("bad"));
            assertThat(error.path("type").asText()).isEqualTo("error");
            assertThat(error.path("code").asText()).isEqualTo("bad_request");
            assertThat(error.path("message").asText()).contains("offset");
            agent.assertOpen();
        }
        try (WireSocket v = WireSocket.open(server, "/ws/visitor")) {
            v.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":2}");
            v.awaitTextContaining("welcome");
            v.text("{\"type\":\"queue\",\"id\":\"peek\",\"offset\":0}");
            JsonNode refused = JSON.readTree(v.awaitTextContaining("\"ref\":\"peek\""));
            assertThat(refused.path("code").asText()).isEqualTo("forbidden");
        }
    }

    /** A visitor who hands off at once and then writes {@link #LONG_MESSAGES} long messages. */
    private static String longConversation() throws Exception {
        try (WireSocket v = WireSocket.open(server, "/ws/visitor")) {
            v.socket.setTcpNoDelay(true);
            v.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            v.awaitTextContaining("welcome");
            v.text("{\"type\":\"handoff\",\"id\":\"hand\"}");
            String conversation = JSON.readTree(v.awaitTextContaining("\"ref\":\"hand\""))
                    .path("conversationId")
                    .asText();
            for (int batch = 0; batch < LONG_MESSAGES; batch += 100) {
                for (int i = batch; i < batch + 100; i++) {
                    v.text("{\"type\":\"message\",\"id\":\"m" + i + "\",\"text\":\"" + (i + 1) + " " + LONG_TEXT
                            + "\"}");
                }
                v.awaitTextContaining("\"ref\":\"m" + (batch + 99) + "\"");
            }
            return conversation;
        }
    }

    /** A visitor waiting in the queue with a 4,000-character message. */
    private static void queuedVisitor(int i) throws IOException {
        try (WireSocket v = WireSocket.open(server, "/ws/visitor")) {
            v.socket.setTcpNoDelay(true);
            v.text("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"context\":{\"name\":\"Visitor " + i
                    + "\",\"attributes\":{\"plan\":\"" + "y".repeat(200) + "\"}}}");
            v.awaitTextContaining("welcome");
            v.text("{\"type\":\"handoff\",\"id\":\"hand\"}");
            v.awaitTextContaining("\"ref\":\"hand\"");
            v.text("{\"type\":\"message\",\"id\":\"m\",\"text\":\"" + "z".repeat(4000) + "\"}");
            v.awaitTextContaining("\"ref\":\"m\"");
        }
    }

    /** An agent console's socket. */
    private static final class Agent implements AutoCloseable {
        private final WireSocket socket;
        /** Every frame read so far, in order. */
        private final List<JsonNode> seen = new ArrayList<>();

        Agent(String token) throws Exception {
            socket = WireSocket.open(server, "/ws/agent");
            socket.socket.setTcpNoDelay(true);
            send("{\"type\":\"hello\",\"id\":\"h\",\"version\":2,\"token\":\"" + token + "\"}");
            next("welcome");
        }

        void send(String json) throws IOException {
            socket.text(json);
        }

        JsonNode next(String type) throws IOException {
            return nextWhere(f -> f.path("type").asText().equals(type));
        }

        /** The next frame matching {@code test}; a queue frame that does not match fails the test. */
        JsonNode nextWhere(java.util.function.Predicate<JsonNode> test) throws IOException {
            while (true) {
                JsonNode frame = JSON.readTree(socket.awaitText());
                seen.add(frame);
                if (test.test(frame)) {
                    return frame;
                }
                assertThat(frame.path("type").asText())
                        .as("a queue frame repeated")
                        .isNotEqualTo("queue");
            }
        }

        /** The first frame read so far or from now on that matches {@code test}. */
        JsonNode find(java.util.function.Predicate<JsonNode> test) throws IOException {
            Optional<JsonNode> read = seen.stream().filter(test).findFirst();
            return read.isPresent() ? read.get() : nextWhere(test);
        }

        /** Every event of the conversation, read a page at a time with history. */
        TreeMap<Long, JsonNode> wholeTranscript(String conversation) throws IOException {
            TreeMap<Long, JsonNode> events = new TreeMap<>();
            long after = 0;
            for (int page = 0; ; page++) {
                send("{\"type\":\"history\",\"id\":\"q" + page + "\",\"conversationId\":\"" + conversation
                        + "\",\"afterSeq\":" + after + "}");
                String ref = "q" + page;
                JsonNode transcript = nextWhere(f -> f.path("type").asText().equals("transcript")
                        && f.path("ref").asText().equals(ref));
                for (JsonNode e : transcript.path("events")) {
                    events.put(e.path("seq").asLong(), e);
                    after = e.path("seq").asLong();
                }
                if (!transcript.path("more").asBoolean(false)) {
                    return events;
                }
            }
        }

        /** The server has not closed the socket: a request made now is answered. */
        void assertOpen() throws IOException {
            send("{\"type\":\"presence\",\"id\":\"p\",\"status\":\"online\"}");
            assertThat(nextWhere(f -> f.path("ref").asText().equals("p"))
                            .path("type")
                            .asText())
                    .isEqualTo("ack");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
