package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.testing.RawSocket;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad frames get an error frame with a code and the request id; the socket survives. */
final class BadInputTest {
    private static ChatServer server;

    @BeforeAll
    static void start() {
        server = ChatServer.builder()
                .port(0)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static RawSocket visitor() throws Exception {
        RawSocket s = RawSocket.connect(server, "/ws/visitor");
        s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
        s.awaitType("welcome");
        return s;
    }

    @Test
    void malformedJson_getsBadJson_andTheSocketSurvives() throws Exception {
        try (RawSocket s = visitor()) {
            s.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":");
            assertThat(s.awaitType("error").path("code").asText()).isEqualTo("bad_json");
            s.send("{\"type\":\"message\",\"id\":\"m2\",\"text\":\"Where is my order?\"}");
            JsonNode ack = s.awaitType("ack");
            assertThat(ack.path("ref").asText()).isEqualTo("m2");
            assertThat(ack.path("seq").asLong()).isEqualTo(1);
        }
    }

    @Test
    void aResentMessage_isStoredOnce_andAckedWithTheSameSeq() throws Exception {
        // Client ids are the router's to check (the store keeps them but does not index them):
        // a client that lost the ack sends again with the same id and must not duplicate.
        try (RawSocket s = visitor()) {
            s.send("{\"type\":\"message\",\"id\":\"r1\",\"text\":\"Where is my parcel?\"}");
            JsonNode first = s.await(f -> "ack".equals(f.path("type").asText())
                    && "r1".equals(f.path("ref").asText()));
            s.send("{\"type\":\"message\",\"id\":\"r1\",\"conversationId\":\""
                    + first.path("conversationId").asText() + "\",\"text\":\"Where is my parcel?\"}");
            JsonNode again = s.await(f -> "ack".equals(f.path("type").asText())
                    && "r1".equals(f.path("ref").asText()));
            assertThat(again.path("seq").asLong()).isEqualTo(first.path("seq").asLong());

            String conversation = first.path("conversationId").asText();
            s.send("{\"type\":\"history\",\"id\":\"h1\",\"conversationId\":\"" + conversation + "\",\"afterSeq\":0}");
            JsonNode transcript = s.awaitType("transcript");
            long copies = 0;
            for (JsonNode e : transcript.path("events")) {
                copies += "r1".equals(e.path("id").asText()) ? 1 : 0;
            }
            assertThat(copies).as("events with client id r1").isEqualTo(1);
        }
    }

    @Test
    void unknownType_getsUnknownTypeWithRef_andNextMessageGoesThrough() throws Exception {
        try (RawSocket s = visitor()) {
            s.send("{\"type\":\"teleport\",\"id\":\"x9\"}");
            JsonNode error = s.awaitType("error");
            assertThat(error.path("code").asText()).isEqualTo("unknown_type");
            assertThat(error.path("ref").asText()).isEqualTo("x9");
            s.send("{\"type\":\"message\",\"id\":\"m3\",\"text\":\"hello there\"}");
            assertThat(s.awaitType("ack").path("ref").asText()).isEqualTo("m3");
        }
    }

    @Test
    void anotherVisitorsConversation_isNotFound_likeAMissingOne() throws Exception {
        try (RawSocket alice = visitor();
                RawSocket mallory = visitor()) {
            alice.send("{\"type\":\"message\",\"id\":\"a1\",\"text\":\"My address is 1 Secret Lane\"}");
            String conversation = alice.awaitType("ack").path("conversationId").asText();

            mallory.send(
                    "{\"type\":\"history\",\"id\":\"h1\",\"conversationId\":\"" + conversation + "\",\"afterSeq\":0}");
            JsonNode stolen = mallory.awaitType("error");
            mallory.send("{\"type\":\"history\",\"id\":\"h2\",\"conversationId\":\"c_doesnotexist\",\"afterSeq\":0}");
            JsonNode missing = mallory.awaitType("error");
            assertThat(stolen.path("code").asText()).isEqualTo("not_found");
            assertThat(stolen.path("ref").asText()).isEqualTo("h1");
            assertThat(stolen.path("message")).isEqualTo(missing.path("message"));

            mallory.send(
                    "{\"type\":\"message\",\"id\":\"m1\",\"conversationId\":\"" + conversation + "\",\"text\":\"hi\"}");
            assertThat(mallory.awaitType("error").path("code").asText()).isEqualTo("not_found");
            mallory.send("{\"type\":\"message\",\"id\":\"m2\",\"text\":\"my own question\"}");
            assertThat(mallory.awaitType("ack").path("conversationId").asText()).isNotEqualTo(conversation);
        }
    }

    @Test
    void badFields_andForbiddenTypes_getClearCodes() throws Exception {
        try (RawSocket s = visitor()) {
            s.send("{\"type\":\"message\",\"id\":\"m1\"}");
            JsonNode missingText = s.awaitType("error");
            assertThat(missingText.path("code").asText()).isEqualTo("bad_request");
            assertThat(missingText.path("ref").asText()).isEqualTo("m1");
            s.send("{\"type\":\"accept\",\"id\":\"a1\",\"conversationId\":\"c_x\"}");
            JsonNode forbidden = s.awaitType("error");
            assertThat(forbidden.path("code").asText()).isEqualTo("forbidden");
            assertThat(forbidden.path("ref").asText()).isEqualTo("a1");
        }
    }

    @Test
    void requestBeforeHello_getsHelloRequired() throws Exception {
        try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"hi\"}");
            JsonNode error = s.awaitType("error");
            assertThat(error.path("code").asText()).isEqualTo("hello_required");
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            assertThat(s.awaitType("welcome").path("ref").asText()).isEqualTo("h");
        }
    }

    @Test
    void agentWithWrongToken_isUnauthorized_andClosedWith1008() throws Exception {
        try (RawSocket s = RawSocket.connect(server, "/ws/agent")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"token\":\"st_forged\"}");
            assertThat(s.awaitType("error").path("code").asText()).isEqualTo("unauthorized");
            assertThat(s.closedWith.get(5, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo(1008);
        }
    }

    @Test
    void unsupportedVersion_isRefused() throws Exception {
        try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":99}");
            assertThat(s.awaitType("error").path("code").asText()).isEqualTo("unsupported_version");
        }
    }

    @Test
    void resumeOfAPurgedConversation_saysCannotResume() throws Exception {
        try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
            s.send(
                    "{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"resume\":{\"conversationId\":\"c_purged\",\"lastSeq\":7}}");
            s.awaitType("welcome");
            assertThat(s.awaitType("error").path("code").asText()).isEqualTo("cannot_resume");
        }
    }

    @Test
    void forgedVisitorToken_getsAFreshVisitor_withoutAnyoneElsesConversations() throws Exception {
        String realToken;
        String conversation;
        try (RawSocket alice = visitor()) {
            alice.send("{\"type\":\"message\",\"id\":\"a1\",\"text\":\"my secret order\"}");
            conversation = alice.awaitType("ack").path("conversationId").asText();
        }
        try (RawSocket again = RawSocket.connect(server, "/ws/visitor")) {
            again.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            realToken = again.awaitType("welcome").path("visitorToken").asText();
        }
        // A token one character off, and a made-up one: new visitors, no conversation, no history.
        String forged = realToken.substring(0, realToken.length() - 1) + (realToken.endsWith("A") ? "B" : "A");
        for (String token : List.of(forged, "vt_made-up-token")) {
            try (RawSocket mallory = RawSocket.connect(server, "/ws/visitor")) {
                mallory.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"visitorToken\":\"" + token
                        + "\",\"resume\":{\"conversationId\":\"" + conversation + "\",\"lastSeq\":0}}");
                JsonNode welcome = mallory.awaitType("welcome");
                assertThat(welcome.path("visitorToken").asText()).isNotEqualTo(token);
                assertThat(welcome.has("conversationId")).isFalse();
                assertThat(welcome.path("earlierConversations")).isEmpty();
                assertThat(mallory.awaitType("error").path("code").asText()).isEqualTo("cannot_resume");
            }
        }
    }

    @Test
    void tenThousandDeepNesting_isBadJson_andTheSocketSurvives() throws Exception {
        try (RawSocket s = visitor()) {
            String deep = "{\"type\":\"message\",\"id\":\"d1\",\"text\":\"x\",\"extra\":" + "[".repeat(10_000)
                    + "]".repeat(10_000) + "}";
            s.send(deep);
            assertThat(s.awaitType("error").path("code").asText()).isEqualTo("bad_json");
            s.send("{\"type\":\"message\",\"id\":\"d2\",\"text\":\"still here\"}");
            assertThat(s.awaitType("ack").path("ref").asText()).isEqualTo("d2");
        }
    }

    @Test
    void controlCharactersAndOversizeFields_areRejectedWithAClearCode_andNothingIsStored() throws Exception {
        try (RawSocket s = visitor()) {
            s.send("{\"type\":\"message\",\"id\":\"c1\",\"text\":\"bell\\u0007here\"}");
            JsonNode control = s.awaitType("error");
            assertThat(control.path("code").asText()).isEqualTo("bad_request");
            assertThat(control.path("message").asText()).contains("control character");
            assertThat(control.path("ref").asText()).isEqualTo("c1");
            s.send("{\"type\":\"message\",\"id\":\"c2\",\"text\":\"" + "x".repeat(4001) + "\"}");
            JsonNode oversize = s.awaitType("error");
            assertThat(oversize.path("code").asText()).isEqualTo("bad_request");
            assertThat(oversize.path("message").asText()).contains("longer than 4000");
            s.send("{\"type\":\"leave_message\",\"id\":\"c3\",\"email\":\"not-an-email\",\"text\":\"hi\"}");
            assertThat(s.awaitType("error").path("message").asText()).contains("email");
            // The first message that is fine gets seq 1: none of the rejected ones was stored.
            s.send("{\"type\":\"message\",\"id\":\"c4\",\"text\":\"fine\"}");
            assertThat(s.awaitType("ack").path("seq").asLong()).isEqualTo(1);
        }
    }
}
