package dev.concierge.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import dev.concierge.protocol.ErrorCode;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

final class ProtocolCodecTest {
    private final ProtocolCodec codec = ProtocolCodec.create();

    @Test
    void everyPermittedType_isRegistered() {
        assertRegistered(ClientMessage.class);
        assertRegistered(ServerMessage.class);
    }

    private static void assertRegistered(Class<?> sealed) {
        Set<Class<?>> registered = Arrays.stream(
                        sealed.getAnnotation(JsonSubTypes.class).value())
                .map(JsonSubTypes.Type::value)
                .collect(Collectors.toSet());
        assertThat(registered).containsExactlyInAnyOrder(sealed.getPermittedSubclasses());
    }

    @Test
    void malformedJson_isBadJson() {
        assertThatThrownBy(() -> codec.decodeClient("{\"type\":\"message\","))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON));
        assertThatThrownBy(() -> codec.decodeClient("[1,2]"))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON));
    }

    @Test
    void unknownType_isUnknownTypeWithRef() {
        assertThatThrownBy(() -> codec.decodeClient("{\"type\":\"launch_missiles\",\"id\":\"x1\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
                    assertThat(e.ref()).contains("x1");
                });
    }

    @Test
    void serverTypeSentByClient_isUnknownType() {
        assertThatThrownBy(() -> codec.decodeClient("{\"type\":\"welcome\",\"id\":\"x1\"}"))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE));
    }

    @Test
    void missingText_isBadRequestWithRef() {
        assertThatThrownBy(() -> codec.decodeClient("{\"type\":\"message\",\"id\":\"m1\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
                    assertThat(e.getMessage()).contains("text");
                    assertThat(e.ref()).contains("m1");
                });
    }

    @Test
    void transferForce_isForAnAgentOnly_andAHelloStatusMustBeAPresence() {
        assertThat(
                        codec.decodeClient(
                                "{\"type\":\"transfer\",\"id\":\"t\",\"conversationId\":\"c\",\"agentId\":\"sam\",\"force\":true}"))
                .isEqualTo(new ClientMessage.Transfer("t", "c", "sam", null, null, true));
        assertThatThrownBy(
                        () -> codec.decodeClient(
                                "{\"type\":\"transfer\",\"id\":\"t\",\"conversationId\":\"c\",\"department\":\"billing\",\"force\":true}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
                    assertThat(e.getMessage()).contains("force");
                    assertThat(e.ref()).contains("t");
                });
        assertThat(((ClientMessage.Hello) codec.decodeClient(
                                "{\"type\":\"hello\",\"id\":\"h\",\"version\":2,\"token\":\"st\",\"status\":\"away\"}"))
                        .status())
                .isEqualTo(dev.concierge.protocol.PresenceStatus.AWAY);
        assertThatThrownBy(() -> codec.decodeClient(
                        "{\"type\":\"hello\",\"id\":\"h\",\"version\":2,\"token\":\"st\",\"status\":\"asleep\"}"))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }

    @Test
    void wrongFieldType_isBadRequest() {
        assertThatThrownBy(() -> codec.decodeClient(
                        "{\"type\":\"rate\",\"id\":\"r\",\"conversationId\":\"c\",\"score\":\"five\"}"))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
        assertThatThrownBy(() ->
                        codec.decodeClient("{\"type\":\"rate\",\"id\":\"r\",\"conversationId\":\"c\",\"score\":9}"))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }

    @Test
    void deepNesting_isRejected() {
        String deep = "{\"type\":\"message\",\"id\":\"m\",\"text\":\"x\",\"junk\":" + "[".repeat(10_000)
                + "]".repeat(10_000) + "}";
        assertThatThrownBy(() -> codec.decodeClient(deep))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON));
    }

    @Test
    void controlCharacters_areRejected() {
        assertThatThrownBy(() -> codec.decodeClient("{\"type\":\"message\",\"id\":\"m\",\"text\":\"a\\u0000b\"}"))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }

    @Test
    void unknownFields_areIgnored() {
        ClientMessage m =
                codec.decodeClient("{\"type\":\"message\",\"id\":\"m\",\"text\":\"hi\",\"future\":{\"x\":1}}");
        assertThat(m).isEqualTo(new ClientMessage.Send("m", null, "hi", null));
    }

    @Test
    void decodingFromBytes_givesTheSameMessagesAndTheSameErrors() {
        java.util.List<String> frames = java.util.List.of(
                "{\"type\":\"message\",\"id\":\"m\",\"text\":\"Grüße, 日本 🚀\"}",
                "{\"type\":\"transfer\",\"id\":\"t\",\"conversationId\":\"c\",\"department\":\"billing\"}",
                "{\"type\":\"message\",\"id\":\"m\",",
                "[1]",
                "{\"type\":\"nope\",\"id\":\"x\"}",
                "{\"type\":\"message\",\"id\":\"m\",\"text\":\"\"}");
        for (String frame : frames) {
            byte[] padded = ("xx" + frame + "yy").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int length = frame.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            Object fromString;
            Object fromBytes;
            try {
                fromString = codec.decodeClient(frame);
            } catch (ProtocolException e) {
                fromString = e.code() + "|" + e.getMessage() + "|" + e.ref();
            }
            try {
                fromBytes = codec.decodeClient(padded, 2, length);
            } catch (ProtocolException e) {
                fromBytes = e.code() + "|" + e.getMessage() + "|" + e.ref();
            }
            assertThat(fromBytes).as(frame).isEqualTo(fromString);
        }
    }
}
