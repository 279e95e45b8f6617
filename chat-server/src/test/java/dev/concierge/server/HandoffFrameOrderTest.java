package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.RawSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The frames a visitor's {@code handoff} brings, in the order docs/protocol.md gives, over real
 * sockets: {@code queue_status} before the {@code handoff} event, and in protocol 2 both the
 * event carrying the request's id and an {@code ack}.
 */
final class HandoffFrameOrderTest {
    private ChatServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static List<String> until(RawSocket s, Predicate<JsonNode> last) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        s.await(f -> {
            seen.add(describe(f));
            return last.test(f);
        });
        return seen;
    }

    private static Predicate<JsonNode> event(String kind) {
        return f -> "event".equals(f.path("type").asText())
                && kind.equals(f.path("kind").asText());
    }

    private static List<String> handoff(RawSocket v, int version, String last) throws InterruptedException {
        v.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":" + version + "}");
        v.awaitType("welcome");
        v.send("{\"type\":\"handoff\",\"id\":\"x1\"}");
        List<String> frames = new ArrayList<>(until(v, event(last)));
        frames.removeIf(f -> f.equals("availability")); // sent when presence changes; not part of the order
        return frames;
    }

    @Test
    void nobodyFree_queueStatusComesFirst_thenTheHandoffEvent_anAckInBothVersions_thenQueued() throws Exception {
        server = ChatServer.builder().port(0).start();
        for (int version : new int[] {1, 2}) {
            try (RawSocket v = RawSocket.connect(server, "/ws/visitor")) {
                List<JsonNode> seen = new ArrayList<>();
                v.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":" + version + "}");
                v.awaitType("welcome");
                v.send("{\"type\":\"handoff\",\"id\":\"x1\"}");
                v.await(f -> {
                    if (!"availability".equals(f.path("type").asText())) {
                        seen.add(f);
                    }
                    return event("queued").test(f);
                });
                assertThat(seen)
                        .extracting(HandoffFrameOrderTest::describe)
                        .as("protocol %d", version)
                        .containsExactly("queue_status", "event:handoff#x1", "ack#x1", "event:queued");
                // The first visitor's conversation stays queued after its socket closed: the second is behind it.
                assertThat(seen.get(0).path("position").asInt()).isEqualTo(version);
                assertThat(seen.get(0).has("etaSeconds"))
                        .as("nobody online: no estimate")
                        .isFalse();
                long handoffSeq = seen.get(1).path("seq").asLong();
                assertThat(seen.get(2).path("seq").asLong())
                        .as("the ack names the handoff event's seq")
                        .isEqualTo(handoffSeq);
                assertThat(seen.get(3).path("seq").asLong()).isEqualTo(handoffSeq + 1);
            }
        }
    }

    @Test
    @SuppressWarnings("try") // the agent's open socket is what the block needs; it is never read
    void anAgentFree_noQueueStatus_theHandoffEvent_anAck_queued_thenAssigned() throws Exception {
        server = ChatServer.builder()
                .port(0)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .start();
        String token = AgentHttp.login(server, "one", "pw-one");
        try (RawSocket agent = AgentHttp.agentSocket(server, token)) {
            for (int version : new int[] {1, 2}) {
                try (RawSocket v = RawSocket.connect(server, "/ws/visitor")) {
                    assertThat(handoff(v, version, "assigned"))
                            .as("protocol %d", version)
                            .containsExactly("event:handoff#x1", "ack#x1", "event:queued", "event:assigned");
                }
            }
        }
    }

    private static String describe(JsonNode f) {
        String kind = f.path("kind").asText();
        String ref = f.has("ref") ? f.path("ref").asText() : f.path("id").asText();
        return f.path("type").asText() + (kind.isEmpty() ? "" : ":" + kind) + (ref.isEmpty() ? "" : "#" + ref);
    }
}
