package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.server.attach.FileUrls;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.InMemoryConversationStore;
import dev.concierge.store.VisitorRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The files messages carry, in both transcript downloads: named, typed, sized and linked. */
class TranscriptExportFilesTest {
    private static final Instant T0 = Instant.parse("2026-12-07T09:00:00Z");
    private static final Author ADA = new Author(Role.VISITOR, "v_ada", "Ada");
    private static final Attachment PHOTO = new Attachment(
            "a_" + "q".repeat(26), "cracked\nmug.jpg", Attachment.IMAGE, "image/jpeg", 123_456, 800, 600);
    private static final Attachment INVOICE = new Attachment(
            "a_" + "r".repeat(26), "invoice.pdf", Attachment.FILE, "application/pdf", 3L << 20, null, null);
    private static final FileUrls URLS =
            (conversation, id) -> Optional.of("https://chat.example/files/link/" + conversation + "." + id);

    private final InMemoryConversationStore store = new InMemoryConversationStore();

    @Test
    void theTextExport_namesEachFileOnItsMessagesLine_withItsLastingLink() throws Exception {
        String text = new String(export("txt", URLS).body(), StandardCharsets.UTF_8);

        assertThat(text)
                .contains("Ada (visitor): the mug [file: cracked mug.jpg, image/jpeg, 121 KB, "
                        + "https://chat.example/files/link/c1." + PHOTO.id() + "]")
                .contains("Ada (visitor):  [file: invoice.pdf, application/pdf, 3.0 MB, "
                        + "https://chat.example/files/link/c1." + INVOICE.id() + "]");
        assertThat(text.lines()).noneMatch(l -> l.startsWith("mug.jpg"));
    }

    @Test
    void theJsonExport_keepsEachEventsAttachment_andListsTheFilesWithTheirLinks() throws Exception {
        JsonNode json = new ObjectMapper().readTree(export("json", URLS).body());

        assertThat(json.at("/events/0/attachment/name").asText()).isEqualTo("cracked\nmug.jpg");
        assertThat(json.at("/events/1/attachment/mediaType").asText()).isEqualTo("application/pdf");
        assertThat(json.at("/files/0/url").asText()).isEqualTo("https://chat.example/files/link/c1." + PHOTO.id());
        assertThat(json.at("/files/1/id").asText()).isEqualTo(INVOICE.id());
    }

    @Test
    void withoutLinks_theFilesAreStillNamed() throws Exception {
        String text = new String(export("txt", FileUrls.NONE).body(), StandardCharsets.UTF_8);
        JsonNode json =
                new ObjectMapper().readTree(export("json", FileUrls.NONE).body());

        assertThat(text).contains("[file: invoice.pdf, application/pdf, 3.0 MB]");
        assertThat(json.at("/files/1/url").isMissingNode()).isTrue();
        assertThat(json.at("/files/1/name").asText()).isEqualTo("invoice.pdf");
    }

    private TranscriptExport.Export export(String format, FileUrls urls) throws Exception {
        store.saveVisitor(new VisitorRecord(
                        "v_ada", "vt_ada", new VisitorContext("Ada", null, "en", null, null, null, Map.of()), T0))
                .get(5, TimeUnit.SECONDS);
        store.saveConversation(ConversationRecord.builder("c1", "v_ada", ConversationState.ASSIGNED, T0)
                        .firstLine("the mug")
                        .build())
                .get(5, TimeUnit.SECONDS);
        if (store.events("c1", 0).isEmpty()) {
            store.appendAll(
                            "c1",
                            List.of(
                                    TranscriptEvent.message("m1", ADA, "the mug")
                                            .withAttachment(PHOTO)
                                            .stamped(1, T0),
                                    TranscriptEvent.message("m2", ADA, "")
                                            .withAttachment(INVOICE)
                                            .stamped(2, T0.plusSeconds(5))))
                    .get(5, TimeUnit.SECONDS);
        }
        TranscriptExport export =
                new TranscriptExport(store, null, ProtocolCodec.create().mapper(), urls);
        return export.export("Visitor vt_ada", "c1", format).orElseThrow();
    }
}
