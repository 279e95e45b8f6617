package dev.concierge.client;

import dev.concierge.protocol.TranscriptEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * The events of one conversation as the client has seen them, keyed by {@code seq}: live events,
 * resume transcripts and history replies overlap, and each {@code seq} is kept once.
 * Not thread-safe; guarded by the connection's lock.
 */
final class ConversationLog {
    private final TreeMap<Long, TranscriptEvent> events = new TreeMap<>();

    /** Adds an event; false when its {@code seq} was already there. */
    boolean add(TranscriptEvent event) {
        return events.putIfAbsent(event.seq(), event) == null;
    }

    /** Adds events; returns those that were new, in {@code seq} order. */
    List<TranscriptEvent> merge(Collection<TranscriptEvent> incoming) {
        List<TranscriptEvent> added = new ArrayList<>();
        for (TranscriptEvent event : incoming) {
            if (add(event)) {
                added.add(event);
            }
        }
        added.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        return added;
    }

    /** The highest {@code seq} seen, 0 when none. */
    long lastSeq() {
        return events.isEmpty() ? 0 : events.lastKey();
    }

    /** True when every event before {@code seq} is here (seqs start at 1 and have no gaps). */
    boolean hasAllBefore(long seq) {
        return events.headMap(seq).size() == seq - 1;
    }

    /** True when {@code seq} would leave a hole after the highest {@code seq} seen so far. */
    boolean isGapBefore(long seq) {
        return !events.isEmpty() && seq > lastSeq() + 1;
    }

    /** A snapshot of the events, in {@code seq} order. */
    List<TranscriptEvent> events() {
        return List.copyOf(events.values());
    }
}
