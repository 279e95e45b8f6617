package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Author;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorInfo;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The bounds hold for the worst text a visitor can send: every character one that JSON escapes
 * at its longest (a control character, six bytes), encoded by the server's own codec.
 */
final class FrameBoundsTest {
    private static final ProtocolCodec CODEC = ProtocolCodec.create();
    /** 4,000 characters that each encode as six bytes ("\u0001"). */
    private static final String WORST = "\u0001".repeat(4000);

    private static TranscriptEvent message(long seq, String text) {
        return TranscriptEvent.message(
                        "m" + seq, new Author(Role.VISITOR, "v_" + "x".repeat(20), "y".repeat(200)), text)
                .stamped(seq, Instant.parse("2026-11-23T10:15:30Z"));
    }

    @Test
    void aTranscriptPage_ofTheWorstMessages_staysUnderThePageBytes() {
        List<TranscriptEvent> events =
                IntStream.rangeClosed(1, 2000).mapToObj(i -> message(i, WORST)).toList();
        List<TranscriptEvent> head = FrameBounds.head(events, FrameBounds.PAGE_EVENTS);
        List<TranscriptEvent> tail = FrameBounds.tail(events, FrameBounds.PACKAGE_EVENTS);
        for (List<TranscriptEvent> page : List.of(head, tail)) {
            assertThat(page).isNotEmpty();
            byte[] frame = CODEC.encodeBytes(new ServerMessage.Transcript("q", "c_1", null, page, true));
            assertThat((long) frame.length).isLessThanOrEqualTo(FrameBounds.PAGE_BYTES + 1024);
        }
        assertThat(tail.get(tail.size() - 1).seq()).isEqualTo(2000); // the last events
        assertThat(head.get(0).seq()).isEqualTo(1);
        // Plain 4,000-character messages: some 55 a page, so 2,000 of them take 35 to 40 pages.
        List<TranscriptEvent> plain = IntStream.rangeClosed(1, 2000)
                .mapToObj(i -> message(i, "x".repeat(4000)))
                .toList();
        assertThat(FrameBounds.head(plain, FrameBounds.PAGE_EVENTS)).hasSizeBetween(50, 60);
    }

    @Test
    void aSingleEvent_alwaysFitsAPage_soPagingAlwaysMovesOn() {
        List<TranscriptEvent> one = List.of(message(1, WORST));
        assertThat(FrameBounds.head(one, 1)).hasSize(1);
        assertThat(FrameBounds.tail(one, 1)).hasSize(1);
    }

    @Test
    void aQueuePage_ofTheWorstEntries_staysUnder256KiB() {
        List<QueueEntry> entries = new ArrayList<>();
        for (int i = 0; i < ServerMessage.Queue.PAGE_SIZE; i++) {
            VisitorInfo visitor = FrameBounds.brief(new VisitorInfo(
                    "v_" + i,
                    "\u0001".repeat(5000),
                    "\u0001".repeat(5000),
                    Map.of("plan", "z".repeat(60_000)),
                    true,
                    "\u0001".repeat(5000)));
            entries.add(new QueueEntry(
                    "c_" + i,
                    i + 1,
                    visitor,
                    Instant.parse("2026-11-23T10:15:30Z"),
                    HandoffReason.VISITOR_ASKED,
                    FrameBounds.clip(WORST, FrameBounds.PREVIEW_CHARS),
                    "orders",
                    0,
                    null,
                    true));
        }
        byte[] frame = CODEC.encodeBytes(new ServerMessage.Queue(null, entries, 0, 1000, 1000));
        assertThat(frame.length).isLessThan(256 * 1024);
        assertThat(entries.get(0).visitor().attributes()).isEmpty();
        assertThat(entries.get(0).preview()).hasSize(FrameBounds.PREVIEW_CHARS).endsWith("…");
    }

    @Test
    void clip_neverSplitsASurrogatePair() {
        String emoji = "\uD83C\uDF02".repeat(300);
        String clipped = FrameBounds.clip(emoji, FrameBounds.PREVIEW_CHARS);
        assertThat(clipped.length()).isLessThanOrEqualTo(FrameBounds.PREVIEW_CHARS);
        assertThat(Character.isHighSurrogate(clipped.charAt(clipped.length() - 2)))
                .isFalse();
        assertThat(FrameBounds.clip("short", 200)).isEqualTo("short");
        assertThat(FrameBounds.clip(null, 200)).isNull();
    }
}
