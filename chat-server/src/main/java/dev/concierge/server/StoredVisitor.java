package dev.concierge.server;

import java.util.List;
import java.util.Optional;

/**
 * What the store knows of a visitor who says hello with a token, read on the router's reader
 * pool so the router thread never waits for the database: their record, their conversations,
 * and the record of the conversation they ask to resume.
 */
record StoredVisitor(Optional<VisitorRecord> visitor, List<ConversationRecord> conversations,
                     Optional<ConversationRecord> resumed) {

    static final StoredVisitor NONE = new StoredVisitor(Optional.empty(), List.of(), Optional.empty());

    /** Reads it; call off the router thread and the event loops. */
    static StoredVisitor load(ConversationStore store, String token, String resumeConversationId) {
        Optional<VisitorRecord> visitor = token == null ? Optional.empty() : store.visitorByToken(token);
        List<ConversationRecord> conversations = visitor.map(v -> store.conversationsOf(v.id())).orElse(List.of());
        Optional<ConversationRecord> resumed = resumeConversationId == null
                ? Optional.empty() : store.conversation(resumeConversationId);
        return new StoredVisitor(visitor, conversations, resumed);
    }
}
