package dev.concierge.client;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The events of one conversation as the client has seen them, keyed by {@code seq}: live events,
 * resume transcripts and history replies overlap, and each {@code seq} is kept once.
 * Not thread-safe; guarded by the connection's lock.
 */
final class ConversationLog {
    /** The kinds of event after which a person, not the bot, answers the visitor. */
    static final Set<Kind> TO_A_PERSON =
            EnumSet.of(Kind.HANDOFF, Kind.QUEUED, Kind.ASSIGNED, Kind.TRANSFERRED, Kind.OFFLINE_MESSAGE);

    private final TreeMap<Long, TranscriptEvent> events = new TreeMap<>();
    /** The state a {@code transcript} frame gave, for a log that lacks the conversation's first events. */
    private ConversationState reportedState;

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

    /** The event with {@code seq}, if seen. */
    Optional<TranscriptEvent> get(long seq) {
        return Optional.ofNullable(events.get(seq));
    }

    /** The events after {@code seq}, in {@code seq} order. */
    Collection<TranscriptEvent> after(long seq) {
        return events.tailMap(seq, false).values();
    }

    /** Remembers the state a {@code transcript} frame named. */
    void reportedState(ConversationState state) {
        if (state != null) {
            reportedState = state;
        }
    }

    /**
     * Whether the conversation was with a person, or waiting for one, just before {@code seq}: an
     * event before it that hands it on says so. Without one, the state a transcript frame named
     * answers only when the log lacks the conversation's start (a client that read its last page):
     * a hole between events the log holds is events still on their way (a question the server held
     * while its bot answered arrives after the request for a person that followed it), and those
     * decide when they come ({@code PendingAsks.applied}).
     */
    boolean withPersonBefore(long seq) {
        SortedMap<Long, TranscriptEvent> before = events.headMap(seq, false);
        for (TranscriptEvent event : before.values()) {
            if (TO_A_PERSON.contains(event.kind())) {
                return true;
            }
        }
        long first = before.isEmpty() ? seq : before.firstKey();
        if (first == 1 || before.size() != seq - first) {
            return false; // the whole start is here, or a hole inside it is still on its way
        }
        return reportedState == ConversationState.QUEUED
                || reportedState == ConversationState.ASSIGNED
                || reportedState == ConversationState.FOLLOW_UP;
    }

    /** A snapshot of the events, in {@code seq} order. */
    List<TranscriptEvent> events() {
        return List.copyOf(events.values());
    }
}
