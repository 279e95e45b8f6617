package dev.concierge.server;

import dev.concierge.protocol.Values.TranscriptEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A conversation's client request ids, for idempotent resends: a request still being stored maps
 * to the future of its seq, a stored one to its event. The event is in the conversation's
 * transcript already, so a stored request costs one map entry and no future or boxed seq of its
 * own; a live conversation keeps one of these per message. Router thread only.
 */
final class ClientIds {
    private final Map<String, Object> byId = new HashMap<>();

    /** The seq of the request {@code id}, completed once it is stored; null for a new id. */
    @SuppressWarnings("unchecked")
    CompletableFuture<Long> get(String id) {
        Object v = byId.get(id);
        if (v instanceof TranscriptEvent e) {
            return CompletableFuture.completedFuture(e.seq());
        }
        if (v instanceof PendingEvent p) {
            return p.event.thenApply(TranscriptEvent::seq);
        }
        return (CompletableFuture<Long>) v;
    }

    /** A request being stored, as the future of its event (a {@code message}: see {@link Router#message}). */
    private record PendingEvent(CompletableFuture<TranscriptEvent> event) {}

    /** Whether the request {@code id} was seen in this conversation. */
    boolean containsKey(String id) {
        return byId.containsKey(id);
    }

    /** Remembers a request being stored (or one that stores no event, such as a repeated handoff). */
    void put(String id, CompletableFuture<Long> seq) {
        byId.put(id, seq);
    }

    /** Remembers a request being stored, by the future of its event. */
    void putPending(String id, CompletableFuture<TranscriptEvent> event) {
        byId.put(id, new PendingEvent(event));
    }

    /** The request {@code id} could not be stored: forgets it, so that a retry is taken as new. */
    void remove(String id) {
        byId.remove(id);
    }

    /** The request {@code id} is stored as {@code event}: the entry keeps the event instead of the future. */
    void stored(String id, TranscriptEvent event) {
        byId.put(id, event);
    }
}
