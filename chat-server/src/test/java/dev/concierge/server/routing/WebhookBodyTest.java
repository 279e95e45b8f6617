package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.support.Ids;
import dev.concierge.server.webhook.WebhookTypes;
import dev.concierge.store.IntegrationStore.EndpointState;
import dev.concierge.store.IntegrationStore.OutboundWebhook;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A webhook body over 64 KiB has its text cut to fit, and says so; a shorter one is whole; a
 * message's file is in its data.
 */
final class WebhookBodyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-11-23T10:00:00.123456Z");

    private static OutboundWebhook messageRow(String text) {
        return messageRow(text, null);
    }

    private static OutboundWebhook messageRow(String text, Attachment file) {
        WebhookPolicy policy = new WebhookPolicy(Ids.secure());
        policy.subscriptions(WebhookSubscriptions.of(List.of(WebhookFixture.endpoint(
                "whe_1", "demo", EndpointState.ACTIVE, List.of(WebhookTypes.MESSAGE_CREATED)))));
        Conversation c = new Conversation("c_1", new Visitor("v_1", "vt_1"), T, "demo");
        TranscriptEvent e = TranscriptEvent.message("m1", new Author(Role.VISITOR, "v_1", "Ada"), text)
                .withAttachment(file)
                .stamped(2, T);
        List<OutboundWebhook> rows = policy.of(c, e);
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    private static JsonNode data(OutboundWebhook row) throws Exception {
        return JSON.readTree(row.body()).get("data");
    }

    @Test
    void aShortText_isWhole() throws Exception {
        OutboundWebhook row = messageRow("Hello \"there\"");
        assertThat(data(row).get("text").asText()).isEqualTo("Hello \"there\"");
        assertThat(data(row).has("truncated")).isFalse();
        assertThat(JSON.readTree(row.body()).get("time").asText()).isEqualTo("2026-11-23T10:00:00.123456Z");
    }

    @Test
    void aTextOver64KiB_isCutToFit_inUtf8_evenWhenEscapesLengthenIt() throws Exception {
        for (String text : List.of("é".repeat(40_000), "\"".repeat(70_000), "a\uD83C\uDF02".repeat(30_000))) {
            OutboundWebhook row = messageRow(text);
            assertThat(row.body().getBytes(StandardCharsets.UTF_8).length)
                    .isLessThanOrEqualTo(OutboundWebhook.MAX_BODY)
                    .isGreaterThan(OutboundWebhook.MAX_BODY - 200);
            String cut = data(row).get("text").asText();
            assertThat(text).startsWith(cut);
            assertThat(Character.isHighSurrogate(cut.charAt(cut.length() - 1))).isFalse();
            assertThat(data(row).get("truncated").asBoolean()).isTrue();
        }
    }

    @Test
    void aMessageWithAFile_carriesItsAttachment_asTheChatProtocolWritesIt() throws Exception {
        Attachment photo =
                new Attachment("a_" + "q".repeat(26), "mug.png", Attachment.IMAGE, "image/png", 4096, 64, 48);
        JsonNode data = data(messageRow("", photo));
        assertThat(data.get("text").asText()).isEmpty();
        assertThat(JSON.treeToValue(data.get("attachment"), Attachment.class)).isEqualTo(photo);
        assertThat(data(messageRow("no file")).has("attachment")).isFalse();
    }
}
