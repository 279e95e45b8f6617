package dev.concierge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ProtocolCodec;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The factories of {@link TranscriptEvent}: one per kind, each filling only that kind's fields. */
final class TranscriptEventTest {
    private static final Author ADA = new Author(Role.VISITOR, "v1", "Ada");
    private static final AgentInfo SAM = new AgentInfo("sam", "Sam");
    private final ProtocolCodec codec = ProtocolCodec.create();

    private String json(TranscriptEvent e) throws Exception {
        return codec.mapper().writeValueAsString(e);
    }

    @Test
    void everyKind_hasAFactory_makingAnUnstampedDraft() {
        List<TranscriptEvent> drafts = List.of(
                TranscriptEvent.message("m1", ADA, "hi"),
                TranscriptEvent.bot("Try this", new BotTurn(true, "returns", 0.9, List.of(), false)),
                TranscriptEvent.handoff("h1", "Connecting you with a person.", HandoffReason.BOT_UNSURE),
                TranscriptEvent.queued("You are in the queue."),
                TranscriptEvent.assigned("Sam joined the conversation.", SAM),
                TranscriptEvent.transferred("t1", "Moved to Sam.", SAM),
                TranscriptEvent.closed("x1", ADA, "resolved"),
                TranscriptEvent.rated("r1", ADA, 5, "Thanks!"),
                TranscriptEvent.note("n1", new Author(Role.AGENT, "sam", "Sam"), "VIP"),
                TranscriptEvent.offlineMessage("o1", ADA, "Call me", "ada@example.com"));
        Set<Kind> kinds = EnumSet.noneOf(Kind.class);
        for (TranscriptEvent e : drafts) {
            kinds.add(e.kind());
            assertThat(e.seq()).isZero();
            assertThat(e.ts()).isNull();
        }
        assertThat(kinds).containsExactlyInAnyOrder(Kind.values());
    }

    @Test
    void via_isWrittenOnlyWhenSet_survivesStampingAndAJsonRoundTrip_andOldJsonReadsWithout() throws Exception {
        Instant t = Instant.parse("2026-11-23T10:15:30Z");
        TranscriptEvent byMail = TranscriptEvent.message("mail:ab12", ADA, "Thanks!")
                .withVia(TranscriptEvent.VIA_EMAIL)
                .stamped(7, t)
                .withAuthor(ADA);
        String written = json(byMail);
        assertThat(written)
                .isEqualTo("{\"seq\":7,\"ts\":\"2026-11-23T10:15:30Z\",\"id\":\"mail:ab12\",\"kind\":\"message\","
                        + "\"author\":{\"role\":\"visitor\",\"id\":\"v1\",\"name\":\"Ada\"},\"text\":\"Thanks!\","
                        + "\"via\":\"email\"}");
        assertThat(codec.mapper().readValue(written, TranscriptEvent.class)).isEqualTo(byMail);
        TranscriptEvent old =
                codec.mapper().readValue("{\"seq\":1,\"kind\":\"message\",\"text\":\"hi\"}", TranscriptEvent.class);
        assertThat(old.via()).isNull();
        assertThat(json(TranscriptEvent.message("m1", ADA, "hi"))).doesNotContain("via");
    }

    @Test
    void factories_writeTheSameJsonAsTheRecordFilledByHand() throws Exception {
        Instant t = Instant.parse("2026-11-23T10:15:30Z");
        assertThat(json(TranscriptEvent.message("m1", ADA, "hi").stamped(4, t)))
                .isEqualTo("{\"seq\":4,\"ts\":\"2026-11-23T10:15:30Z\",\"id\":\"m1\",\"kind\":\"message\","
                        + "\"author\":{\"role\":\"visitor\",\"id\":\"v1\",\"name\":\"Ada\"},\"text\":\"hi\"}");
        assertThat(TranscriptEvent.handoff("h1", "Connecting.", HandoffReason.BOT_UNSURE)
                        .stamped(2, t))
                .isEqualTo(new TranscriptEvent(
                        2,
                        t,
                        "h1",
                        Kind.HANDOFF,
                        Author.SYSTEM,
                        "Connecting.",
                        null,
                        HandoffReason.BOT_UNSURE.wire(),
                        null,
                        null,
                        null));
        assertThat(TranscriptEvent.transferredToDepartment("t2", "To billing.", "billing"))
                .isEqualTo(new TranscriptEvent(
                        0,
                        null,
                        "t2",
                        Kind.TRANSFERRED,
                        Author.SYSTEM,
                        "To billing.",
                        null,
                        "billing",
                        null,
                        null,
                        null));
        assertThat(TranscriptEvent.offlineMessage("o1", ADA, "Call me", "ada@example.com"))
                .isEqualTo(new TranscriptEvent(
                        0,
                        null,
                        "o1",
                        Kind.OFFLINE_MESSAGE,
                        ADA,
                        "Call me",
                        null,
                        "ada@example.com",
                        null,
                        null,
                        null));
        assertThat(TranscriptEvent.rated("r1", ADA, 4, "ok"))
                .isEqualTo(new TranscriptEvent(0, null, "r1", Kind.RATED, ADA, null, null, null, null, 4, "ok"));
    }

    @Test
    void stampedAndWithAuthor_changeOnlyTheirFields() {
        TranscriptEvent note = TranscriptEvent.note("n1", ADA, "VIP").stamped(7, Instant.EPOCH);
        Author named = new Author(Role.VISITOR, "v1", "Ada Lovelace");
        assertThat(note.withAuthor(named))
                .isEqualTo(TranscriptEvent.note("n1", named, "VIP").stamped(7, Instant.EPOCH));
    }
}
