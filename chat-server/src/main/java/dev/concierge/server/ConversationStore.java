package dev.concierge.server;

import dev.concierge.protocol.Values.TranscriptEvent;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The only door to durable conversation data. Implementations apply writes in the order they
 * are submitted and complete each future only once the write is committed, so the router can
 * acknowledge after commit. Reads may be served from memory.
 */
public interface ConversationStore extends AutoCloseable {

    /** Stores or updates a conversation's metadata (state, owner, visitor). */
    CompletableFuture<Void> saveConversation(ConversationRecord conversation);

    /** Appends one event to a conversation's transcript; completes once committed. */
    CompletableFuture<Void> append(String conversationId, TranscriptEvent event);

    /** The events of a conversation with {@code seq > afterSeq}, in order. */
    List<TranscriptEvent> events(String conversationId, long afterSeq);

    /** A conversation's metadata. */
    Optional<ConversationRecord> conversation(String conversationId);

    /** A visitor's conversations, oldest first. */
    List<ConversationRecord> conversationsOf(String visitorId);

    /** Releases resources after pending writes are committed. */
    @Override
    void close();
}
