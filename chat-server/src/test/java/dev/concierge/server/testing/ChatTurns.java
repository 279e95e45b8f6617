package dev.concierge.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A visitor on a raw socket (protocol 1) taking turns with the bot and the agent, remembering
 * every transcript event it was shown, for tests that compare what left the server with what
 * happened.
 */
public final class ChatTurns implements AutoCloseable {
    private final RawSocket socket;
    private final List<JsonNode> events = new ArrayList<>();
    private Optional<String> conversation = Optional.empty();
    private int ids;

    private ChatTurns(RawSocket socket) {
        this.socket = socket;
    }

    /** A visitor of site {@code demo} who said hello to the server at {@code base}. */
    public static ChatTurns open(URI base) throws Exception {
        ChatTurns chat = new ChatTurns(RawSocket.connect(base, "/ws/visitor"));
        chat.socket.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\"}");
        chat.socket.awaitType("welcome");
        return chat;
    }

    /** The conversation, once the first message started it. */
    public String conversation() {
        return conversation.orElseThrow();
    }

    /** Sends {@code text} and returns once it is acknowledged; returns its seq. */
    public long send(String text) throws InterruptedException {
        JsonNode ack = request("\"type\":\"message\",\"text\":\"" + text + "\"");
        conversation = Optional.of(ack.path("conversationId").asText());
        return ack.path("seq").asLong();
    }

    /** Sends {@code text} and returns the bot's answer to it (an {@code event} of kind {@code bot}). */
    public JsonNode ask(String text) throws InterruptedException {
        long seq = send(text);
        return event(e -> e.path("kind").asText().equals("bot")
                && e.path("bot").path("replyTo").asLong() == seq);
    }

    /** Asks for a person; returns once acknowledged. */
    public void handoff() throws InterruptedException {
        request("\"type\":\"handoff\",\"conversationId\":\"" + conversation() + "\"");
    }

    /** Rates the closed conversation; returns once acknowledged. */
    public void rate(int score, String comment) throws InterruptedException {
        request("\"type\":\"rate\",\"conversationId\":\"" + conversation() + "\",\"score\":" + score + ",\"comment\":\""
                + comment + "\"");
    }

    /** The first transcript event shown matching {@code test}, waiting for it if none was yet. */
    public JsonNode event(Predicate<JsonNode> test) throws InterruptedException {
        Optional<JsonNode> shown = events.stream().filter(test).findFirst();
        return shown.isPresent() ? shown.get() : socket.await(f -> remember(f) && test.test(f));
    }

    /** Every transcript event shown so far, in arrival order. */
    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    private JsonNode request(String fields) throws InterruptedException {
        String id = "t" + ++ids;
        socket.send("{\"id\":\"" + id + "\"," + fields + "}");
        JsonNode reply = socket.await(f -> remember(f) && f.path("ref").asText().equals(id));
        assertThat(reply.path("type").asText())
                .as("reply to %s: %s", fields, reply)
                .isEqualTo("ack");
        return reply;
    }

    /** Keeps {@code frame} when it is a transcript event; always true. */
    private boolean remember(JsonNode frame) {
        if (frame.path("type").asText().equals("event")) {
            events.add(frame);
        }
        return true;
    }

    @Override
    public void close() {
        socket.close();
    }
}
