package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The packed form of a live transcript gives back every field of every event, and the client ids find them. */
final class LiveTranscriptTest {
    private static final Instant T = Instant.parse("2026-12-04T10:15:30.123456789Z");

    private static List<TranscriptEvent> events(int n) {
        List<TranscriptEvent> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(
                    switch (i % 5) {
                        case 0 ->
                            TranscriptEvent.message(
                                            "m" + i,
                                            new Author(Role.VISITOR, "v1", "Zoë"),
                                            "emoji \uD83D\uDE00 and \"quotes\" " + i)
                                    .withVia(i % 10 == 0 ? TranscriptEvent.VIA_EMAIL : null)
                                    .withAttachment(
                                            i % 15 == 0
                                                    ? new Attachment(
                                                            "a_" + "q".repeat(26),
                                                            "mug \uD83D\uDCE6.png",
                                                            Attachment.IMAGE,
                                                            "image/png",
                                                            40_000L + i,
                                                            640,
                                                            480)
                                                    : i % 15 == 5
                                                            ? new Attachment(
                                                                    "a_" + "r".repeat(26),
                                                                    "invoice.pdf",
                                                                    Attachment.FILE,
                                                                    "application/pdf",
                                                                    1L << 33,
                                                                    null,
                                                                    null)
                                                            : null)
                                    .stamped(i, T.plusSeconds(i));
                        case 1 ->
                            TranscriptEvent.bot(
                                            "answer " + i,
                                            new BotTurn(
                                                    i % 2 == 1,
                                                    "returns",
                                                    0.75 + i,
                                                    List.of(new Suggestion("a", "A?"), new Suggestion("b", null)),
                                                    true,
                                                    i % 4 == 1 ? "How do I return an item? \uD83D\uDCE6" : null))
                                    .stamped(i, T);
                        // Field combinations no factory makes (an assigned event with a reason, an
                        // author of nulls, no kind, empty strings): the packing keeps them too.
                        case 2 ->
                            new TranscriptEvent(
                                    i,
                                    T,
                                    null,
                                    Kind.ASSIGNED,
                                    new Author(null, null, null),
                                    "joined",
                                    null,
                                    "queue",
                                    new AgentInfo("dana", "Dana"),
                                    null,
                                    null);
                        case 3 ->
                            TranscriptEvent.rated("r" + i, null, -i, "slow, but ok")
                                    .stamped(i, T);
                        default ->
                            new TranscriptEvent(
                                    i, null, "", null, new Author(Role.AGENT, "a", ""), "", null, null, null, 0, "");
                    });
        }
        return out;
    }

    @Test
    void packedEventsComeBackEqual_inRanges_andUncommittedOnesStayTakeable() {
        LiveTranscript t = new LiveTranscript();
        List<TranscriptEvent> all = events(100);
        all.forEach(t::add);
        t.committed(90);
        assertThat(t.all()).isEqualTo(all);
        assertThat(t.size()).isEqualTo(100);
        assertThat(t.after(40, 95, e -> true)).isEqualTo(all.subList(40, 95));
        assertThat(t.after(0, 100, e -> e.kind() == Kind.RATED))
                .isEqualTo(all.stream().filter(e -> e.kind() == Kind.RATED).toList());
        assertThat(t.after(100, 200, e -> true)).isEmpty();
        for (TranscriptEvent e : all) {
            assertThat(t.idAt(e.seq())).isEqualTo(e.id());
        }
        assertThat(t.idAt(101)).isNull();

        // Uncommitted events are never packed, so a failed one can be taken back out.
        assertThat(t.remove(all.get(99))).isTrue();
        assertThat(t.remove(all.get(5))).isFalse();
        assertThat(t.all()).isEqualTo(all.subList(0, 99));
    }

    @Test
    void manyChunks_andAnEventLargerThanAChunk_comeBackEqual() {
        LiveTranscript t = new LiveTranscript();
        List<TranscriptEvent> all = new ArrayList<>(events(2000));
        String huge =
                "\u00e9\u4e2d".repeat(LiveTranscript.MAX_CHUNK); // 5 bytes in UTF-8 per pair: far more than a chunk
        all.add(TranscriptEvent.message("big", Author.BOT, huge).stamped(2001, T));
        all.addAll(events(2010).subList(2001, 2010));
        all.forEach(t::add);
        t.committed(2010);
        assertThat(t.all()).isEqualTo(all);
        assertThat(t.idAt(2001)).isEqualTo("big");
        assertThat(t.after(1990, 2005, e -> true)).isEqualTo(all.subList(1990, 2005));
        for (TranscriptEvent e : all) {
            assertThat(LiveTranscript.bound(e)).isGreaterThan(0);
        }
        t.release();
        assertThat(t.all()).isEmpty();
    }

    @Test
    void storedRequestsAreFoundByTheirIds_evenIdsWithTheSameHash() {
        LiveTranscript t = new LiveTranscript();
        ClientIds ids = new ClientIds(t);
        assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
        List<String> names = new ArrayList<>(List.of("Aa", "BB", "AaAa", "BBBB", "AaBB"));
        for (int i = 0; i < 1000; i++) {
            names.add("id-" + i);
        }
        for (int i = 0; i < names.size(); i++) {
            TranscriptEvent e =
                    TranscriptEvent.message(names.get(i), Author.BOT, "x").stamped(i + 1, T);
            t.add(e);
            ids.putPending(names.get(i), java.util.concurrent.CompletableFuture.completedFuture(e));
            ids.stored(names.get(i), e);
        }
        t.committed(names.size());
        for (int i = 0; i < names.size(); i++) {
            assertThat(ids.get(names.get(i))).as(names.get(i)).isCompletedWithValue((long) i + 1);
        }
        assertThat(ids.containsKey("BBAa")).isFalse();
        assertThat(ids.get("never")).isNull();
    }

    @Test
    void aLongName_isPackedOnce_notWithEveryMessage() {
        LiveTranscript shortName = transcriptOf(new Author(Role.VISITOR, "v1", "A"), 100);
        LiveTranscript longName = transcriptOf(new Author(Role.VISITOR, "v1", "A".repeat(200)), 100);
        assertThat(longName.packedBytes() - shortName.packedBytes()).isLessThan(200);
        assertThat(longName.all()).extracting(e -> e.author().name()).containsOnly("A".repeat(200));
        shortName.release();
        longName.release();
    }

    @Test
    void moreAuthorsThanItNumbers_comeBackEqual() {
        LiveTranscript t = new LiveTranscript();
        List<TranscriptEvent> all = new ArrayList<>();
        for (int i = 1; i <= LiveTranscript.MAX_AUTHORS * 2; i++) {
            all.add(TranscriptEvent.message(
                            "m" + i, new Author(i % 3 == 0 ? null : Role.VISITOR, "v" + i, "Visitor " + i), "hi")
                    .stamped(i, T));
        }
        all.forEach(t::add);
        t.committed(all.size());
        assertThat(t.all()).isEqualTo(all);
        t.release();
    }

    private static LiveTranscript transcriptOf(Author author, int n) {
        LiveTranscript t = new LiveTranscript();
        for (int i = 1; i <= n; i++) {
            t.add(TranscriptEvent.message("m" + i, author, "message " + i).stamped(i, T));
        }
        t.committed(n);
        return t;
    }
}
