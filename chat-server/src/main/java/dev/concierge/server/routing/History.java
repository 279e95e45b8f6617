package dev.concierge.server.routing;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.support.LogSafe;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Transcript pages: {@code history} answers from memory or, for old conversations, the store. */
final class History {
    private static final Logger log = LoggerFactory.getLogger(History.class);

    private final ConversationStore store;
    /** Store reads, off the router thread. */
    private final Executor readers;

    History(ConversationStore store, Executor readers) {
        this.store = store;
        this.readers = readers;
    }

    /**
     * A {@code transcript} frame with the first page of {@code events} (docs/protocol.md): at most
     * {@link FrameBounds#PAGE_EVENTS} events and {@link FrameBounds#PAGE_BYTES}; {@code more} when
     * later ones remain, which the client asks for after the last seq it got.
     */
    static ServerMessage.Transcript page(
            String ref, String conversationId, ConversationState state, List<TranscriptEvent> events) {
        List<TranscriptEvent> page = FrameBounds.head(events, FrameBounds.PAGE_EVENTS);
        return new ServerMessage.Transcript(ref, conversationId, state, page, page.size() < events.size());
    }

    /**
     * Answers {@code history} for a conversation no longer live, from the store on the reader
     * pool; {@code allowed} says whether the asker may read it (missing and not-allowed alike
     * get {@code not_found}).
     */
    void stored(
            Session session, ClientMessage.History history, Predicate<ConversationRecord> allowed, boolean withNotes) {
        readers.execute(() -> {
            try {
                var stored = store.conversation(history.conversationId()).filter(allowed);
                if (stored.isPresent()) {
                    List<TranscriptEvent> events = store.events(stored.get().id(), history.afterSeq());
                    if (!withNotes) {
                        events = events.stream()
                                .filter(e -> e.kind() != Kind.NOTE)
                                .toList();
                    }
                    session.send(
                            page(history.id(), stored.get().id(), stored.get().state(), events));
                } else {
                    Router.notFound(session, history.id());
                }
            } catch (RuntimeException e) {
                log.error("reading history of {} failed", LogSafe.text(history.conversationId()), e);
                Router.error(session, ErrorCode.INTERNAL, "The transcript could not be read; try again.", history.id());
            }
        });
    }
}
