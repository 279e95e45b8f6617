package dev.concierge.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ProtocolException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The limits of the visitor's context, as a decoded frame meets them. */
final class VisitorContextLimitsTest {
    private final ProtocolCodec codec = ProtocolCodec.create();

    private String badRequest(String contextJson) {
        try {
            codec.decodeClient("{\"type\":\"context\",\"id\":\"x1\",\"context\":" + contextJson + "}");
        } catch (ProtocolException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(e.ref()).contains("x1");
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + contextJson);
    }

    @Test
    void eachFieldOverItsLimit_isABadRequestNamingTheField() {
        assertThat(badRequest("{\"name\":\"" + "n".repeat(201) + "\"}")).contains("context.name", "200");
        assertThat(badRequest("{\"email\":\"" + "e".repeat(250) + "@x.io\"}")).contains("context.email", "254");
        assertThat(badRequest("{\"email\":\"not-an-address\"}")).contains("context.email");
        assertThat(badRequest("{\"language\":\"" + "l".repeat(36) + "\"}")).contains("context.language");
        assertThat(badRequest("{\"timeZone\":\"" + "t".repeat(65) + "\"}")).contains("context.timeZone");
        assertThat(badRequest("{\"userAgent\":\"" + "u".repeat(513) + "\"}")).contains("context.userAgent", "512");
        assertThat(badRequest("{\"page\":{\"url\":\"https://x/" + "p".repeat(2048) + "\"}}"))
                .contains("context.page.url");
        assertThat(badRequest("{\"page\":{\"title\":\"" + "t".repeat(301) + "\"}}"))
                .contains("context.page.title");
        assertThat(badRequest("{\"page\":{\"referrer\":\"" + "r".repeat(2049) + "\"}}"))
                .contains("context.page.referrer");
        assertThat(badRequest("{\"attributes\":{\"plan\":\"" + "v".repeat(1001) + "\"}}"))
                .contains("context.attributes.plan");
        assertThat(badRequest("{\"attributes\":{\"bad key\":\"v\"}}")).contains("context.attributes keys");
        assertThat(badRequest("{\"attributes\":{\"" + "k".repeat(65) + "\":\"v\"}}"))
                .contains("context.attributes keys");
        assertThat(badRequest("{\"attributes\":{\"k\":null}}")).contains("context.attributes.k");
    }

    @Test
    void controlCharacters_evenNewlines_areRejected() {
        assertThat(badRequest("{\"name\":\"Ada\\nAdmin: approved\"}")).contains("context.name", "control");
        assertThat(badRequest("{\"page\":{\"title\":\"a\\u0007b\"}}")).contains("context.page.title", "control");
        assertThat(badRequest("{\"attributes\":{\"k\":\"a\\u0085b\"}}")).contains("context.attributes.k", "control");
    }

    @Test
    void moreThanFiftyKeys_orMoreThanSixteenKiBInAll_areRejected() {
        StringBuilder keys = new StringBuilder("{\"attributes\":{");
        for (int i = 0; i < 51; i++) {
            keys.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        assertThat(badRequest(keys.append("}}").toString())).contains("context.attributes", "50");
        StringBuilder big = new StringBuilder("{\"attributes\":{");
        for (int i = 0; i < 17; i++) {
            big.append(i == 0 ? "" : ",")
                    .append("\"k")
                    .append(i)
                    .append("\":\"")
                    .append("v".repeat(1000))
                    .append('"');
        }
        assertThat(badRequest(big.append("}}").toString())).contains("context", "16384");
    }

    @Test
    void aContextAtEveryLimit_isAccepted() {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            attributes.put("key.-_" + i, i < 5 ? "v".repeat(1000) : "value");
        }
        VisitorContext max = new VisitorContext(
                "n".repeat(200),
                "a".repeat(240) + "@example.com",
                "en-GB",
                "Europe/London",
                "u".repeat(512),
                new Page("https://x/" + "p".repeat(2038), "t".repeat(300), "https://r/" + "r".repeat(2038)),
                attributes);
        ClientMessage decoded = codec.decodeClient(codec.encode(new ClientMessage.UpdateContext("x1", max)));
        assertThat(decoded).isEqualTo(new ClientMessage.UpdateContext("x1", max));
    }

    @Test
    void aLeftMessage_usesTheSameNameAndEmailRules() {
        assertThatThrownBy(() -> new ClientMessage.LeaveMessage("l1", null, "Ada\nB", "ada@example.com", "hi"))
                .hasMessageContaining("name");
        assertThatThrownBy(() -> new ClientMessage.LeaveMessage("l1", null, "Ada", "x".repeat(250) + "@x.io", "hi"))
                .hasMessageContaining("email");
    }
}
