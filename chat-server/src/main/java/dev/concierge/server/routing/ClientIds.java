package dev.concierge.server.routing;

import dev.concierge.protocol.TranscriptEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A conversation's client request ids, for idempotent resends. A request still being stored maps
 * to the future of its seq (or of its event); a stored one is a single {@code long} in an
 * open-addressing table, the id's hash and the seq of its event, and is told from another id
 * with the same hash by the event's own id in the {@link LiveTranscript}. So a live conversation
 * keeps no object per stored request, however long it runs; the table is a buffer of Netty's
 * pooled heap allocator, like the transcript's packed events, which {@link #release} gives back.
 * Router thread only.
 */
final class ClientIds {
    private final LiveTranscript transcript;
    /** Requests being stored, and the few that store no event of their own (a repeated handoff). */
    private final Map<String, Object> pending = new HashMap<>();
    /** Stored requests, {@code slotCount} longs: (hash &lt;&lt; 32) | seq, 0 for a free slot; at most half full. */
    private ByteBuf slots;

    private int slotCount;
    private int storedCount;

    ClientIds(LiveTranscript transcript) {
        this.transcript = transcript;
    }

    /** The seq of the request {@code id}, completed once it is stored; null for a new id. */
    @SuppressWarnings("unchecked")
    CompletableFuture<Long> get(String id) {
        Object v = pending.get(id);
        if (v instanceof PendingEvent p) {
            return p.event.thenApply(TranscriptEvent::seq);
        }
        if (v != null) {
            return (CompletableFuture<Long>) v;
        }
        long seq = storedSeq(id);
        return seq > 0 ? CompletableFuture.completedFuture(seq) : null;
    }

    /** A request being stored, as the future of its event (a {@code message}: see {@link Idempotency#message}). */
    private record PendingEvent(CompletableFuture<TranscriptEvent> event) {}

    /** Whether the request {@code id} was seen in this conversation. */
    boolean containsKey(String id) {
        return pending.containsKey(id) || storedSeq(id) > 0;
    }

    /** Remembers a request being stored (or one that stores no event, such as a repeated handoff). */
    void put(String id, CompletableFuture<Long> seq) {
        pending.put(id, seq);
    }

    /** Remembers a request being stored, by the future of its event. */
    void putPending(String id, CompletableFuture<TranscriptEvent> event) {
        pending.put(id, new PendingEvent(event));
    }

    /** The request {@code id} could not be stored: forgets it, so that a retry is taken as new. */
    void remove(String id) {
        pending.remove(id);
    }

    /** The request {@code id} is stored as {@code event}, which carries the id. */
    void stored(String id, TranscriptEvent event) {
        if (!id.equals(event.id()) || event.seq() <= 0 || event.seq() > 0xffffffffL) {
            // Not found again by the event's id: kept as it is (no request does this today).
            pending.put(id, CompletableFuture.completedFuture(event.seq()));
            return;
        }
        pending.remove(id);
        if ((storedCount + 1) * 2 > slotCount) {
            grow();
        }
        insert(slots, slotCount, ((long) hash(id) << 32) | event.seq());
        storedCount++;
    }

    /** The seq of the stored request {@code id}, or 0. */
    private long storedSeq(String id) {
        if (storedCount == 0) {
            return 0;
        }
        int h = hash(id);
        int mask = slotCount - 1;
        for (int i = h & mask; slots.getLong(i * 8) != 0; i = (i + 1) & mask) {
            long slot = slots.getLong(i * 8);
            if ((int) (slot >>> 32) == h) {
                long seq = slot & 0xffffffffL;
                if (id.equals(transcript.idAt(seq))) {
                    return seq;
                }
            }
        }
        return 0;
    }

    private void grow() {
        int count = Math.max(8, slotCount * 2);
        ByteBuf bigger = PooledByteBufAllocator.DEFAULT.heapBuffer(count * 8);
        bigger.setZero(0, count * 8);
        for (int i = 0; i < slotCount; i++) {
            long slot = slots.getLong(i * 8);
            if (slot != 0) {
                insert(bigger, count, slot);
            }
        }
        release();
        slots = bigger;
        slotCount = count;
    }

    private static void insert(ByteBuf table, int count, long slot) {
        int mask = count - 1;
        int i = (int) (slot >>> 32) & mask;
        while (table.getLong(i * 8) != 0) {
            i = (i + 1) & mask;
        }
        table.setLong(i * 8, slot);
    }

    /** Gives the table back to the pool: the conversation leaves memory. */
    void release() {
        if (slots != null) {
            slots.release();
            slots = null;
            slotCount = 0;
            storedCount = 0;
        }
    }

    /** The id's hash, spread so that its low bits pick the slot. */
    private static int hash(String id) {
        int h = id.hashCode() * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
