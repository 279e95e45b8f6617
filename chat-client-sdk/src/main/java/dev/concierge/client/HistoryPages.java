package dev.concierge.client;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a conversation's events with {@code history} page by page (the server sends a long
 * transcript in pages, docs/protocol.md) until the last, for the clients' {@code history()}.
 */
final class HistoryPages {
    private HistoryPages() {}

    /** Every event of {@code conversationId} after {@code afterSeq}, in {@code seq} order. */
    static CompletableFuture<History> read(Connection connection, String conversationId, long afterSeq) {
        CompletableFuture<History> whole = new CompletableFuture<>();
        next(connection, conversationId, afterSeq, new TreeMap<>(), whole);
        return whole;
    }

    private static void next(
            Connection connection,
            String conversationId,
            long afterSeq,
            TreeMap<Long, TranscriptEvent> events,
            CompletableFuture<History> whole) {
        CompletableFuture<ServerMessage.Transcript> page = connection.request(
                new ClientMessage.History(Connection.newId(), conversationId, afterSeq),
                ServerMessage.Transcript.class);
        whole.whenComplete((history, error) -> {
            if (error != null) {
                page.cancel(false); // the caller gave up: so does the read
            }
        });
        page.whenComplete((transcript, error) -> {
            if (error != null) {
                whole.completeExceptionally(error);
                return;
            }
            transcript.events().forEach(e -> events.put(e.seq(), e));
            if (transcript.hasMore() && !transcript.events().isEmpty() && !whole.isDone()) {
                next(connection, conversationId, events.lastKey(), events, whole);
            } else {
                whole.complete(Results.history(
                        conversationId, transcript, events.values().stream().toList()));
            }
        });
    }
}
