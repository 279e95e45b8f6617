package dev.concierge.server.routing;

import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorInfo;
import java.util.List;
import java.util.Map;

/**
 * How much one outbound frame may carry. Frames that grow with the data (the queue, a handoff
 * package, a transcript) are cut into pages, so none can pass the slow-reader limit however many
 * visitors wait or however long a conversation runs: a page of transcript stays under
 * {@link #PAGE_BYTES} (a 4,000-character message is about 4 KiB, so some 55 of them), a queue page
 * of {@code Queue.PAGE_SIZE} entries with {@link #PREVIEW_CHARS}-character previews about 20 KiB
 * (under 256 KiB even when every character is one JSON escapes at its longest). Why:
 * docs/architecture.md#bounded-frames-to-agents.
 */
final class FrameBounds {
    /** Most transcript bytes in one frame (JSON, an upper bound of the encoded size). */
    static final long PAGE_BYTES = 256 * 1024;
    /** Most events in one {@code transcript} frame. */
    static final int PAGE_EVENTS = 500;
    /** Most events in a handoff package: the last ones; the client reads earlier ones with {@code history}. */
    static final int PACKAGE_EVENTS = 50;
    /** Most earlier conversations listed in a handoff package (newest), as in {@code welcome}. */
    static final int PACKAGE_EARLIER = 20;
    /** Characters of a queue entry's preview. */
    static final int PREVIEW_CHARS = 200;
    /** Characters of a visitor's name or email in a queue entry. */
    static final int NAME_CHARS = 200;
    /** Field names, ids, timestamps and author of an event, in bytes: generous. */
    private static final int EVENT_OVERHEAD = 512;

    private FrameBounds() {}

    /**
     * The first events of {@code events} that fit one page: at most {@code maxEvents} and
     * {@link #PAGE_BYTES}, never fewer than one (a single event is below any page).
     */
    static List<TranscriptEvent> head(List<TranscriptEvent> events, int maxEvents) {
        long bytes = 0;
        int n = 0;
        while (n < events.size() && n < maxEvents) {
            bytes += bytes(events.get(n));
            if (n > 0 && bytes > PAGE_BYTES) {
                break;
            }
            n++;
        }
        return events.subList(0, n);
    }

    /** The last events of {@code events} that fit one page, as {@link #head} counts. */
    static List<TranscriptEvent> tail(List<TranscriptEvent> events, int maxEvents) {
        long bytes = 0;
        int from = events.size();
        while (from > 0 && events.size() - from < maxEvents) {
            bytes += bytes(events.get(from - 1));
            if (from < events.size() && bytes > PAGE_BYTES) {
                break;
            }
            from--;
        }
        return events.subList(from, events.size());
    }

    /** An upper bound of the event's size as JSON. */
    static long bytes(TranscriptEvent e) {
        long n = EVENT_OVERHEAD + json(e.text()) + json(e.reason()) + json(e.comment()) + json(e.id());
        if (e.author() != null) {
            n += json(e.author().name()) + json(e.author().id());
        }
        if (e.agent() != null) {
            n += json(e.agent().name()) + json(e.agent().id());
        }
        BotTurn bot = e.bot();
        if (bot != null) {
            n += json(bot.entryId()) + json(bot.entryQuestion()) + 160;
            for (Suggestion s : bot.suggestions()) {
                n += json(s.entryId()) + json(s.question()) + 64;
            }
        }
        return n;
    }

    /** Bytes of {@code s} as a JSON string, at most (escapes counted at their longest). */
    static long json(String s) {
        if (s == null) {
            return 0;
        }
        long n = 2;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x20 || c == '"' || c == '\\' ? 6 : c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    /** {@code text} cut to {@code max} characters (an ellipsis marks the cut), null stays null. */
    static String clip(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        int end = max - 1;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never split a surrogate pair
        }
        return text.substring(0, end) + "…";
    }

    /** What a queue entry needs of a visitor: who they are, without their attributes. */
    static VisitorInfo brief(VisitorInfo v) {
        return new VisitorInfo(
                v.id(),
                clip(v.name(), NAME_CHARS),
                clip(v.email(), NAME_CHARS),
                Map.of(),
                v.verified(),
                clip(v.userId(), NAME_CHARS));
    }
}
