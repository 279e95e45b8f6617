package dev.concierge.server.routing;

import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.VisitorRecord;
import java.util.List;
import java.util.Optional;

/**
 * What the store knows of a visitor who says hello with a token, read on the router's reader
 * pool so the router thread never waits for the database: their record, their conversations,
 * and the record of the conversation they ask to resume.
 */
record StoredVisitor(
        Optional<VisitorRecord> visitor,
        List<ConversationRecord> conversations,
        Optional<ConversationRecord> resumed,
        Optional<String> verifiedUser,
        Optional<VisitorRecord> userVisitor,
        List<ConversationRecord> userConversations) {

    static final StoredVisitor NONE = new StoredVisitor(
            Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(), List.of());

    /** Reads it; call off the router thread and the event loops. */
    static StoredVisitor load(ConversationStore store, String token, String resumeConversationId) {
        return load(store, token, resumeConversationId, null, Optional.empty());
    }

    /**
     * Reads it, and for a user of {@code site} whose identity the site's secret verified
     * ({@code verifiedUser}), the visitor that user is linked to and its conversations.
     */
    static StoredVisitor load(
            ConversationStore store,
            String token,
            String resumeConversationId,
            String site,
            Optional<String> verifiedUser) {
        Optional<VisitorRecord> visitor = token == null ? Optional.empty() : store.visitorByToken(token);
        List<ConversationRecord> conversations =
                visitor.map(v -> store.conversationsOf(v.id())).orElse(List.of());
        Optional<ConversationRecord> resumed =
                resumeConversationId == null ? Optional.empty() : store.conversation(resumeConversationId);
        Optional<VisitorRecord> userVisitor =
                verifiedUser.flatMap(u -> store.visitorOfUser(site, u)).flatMap(store::visitor);
        List<ConversationRecord> userConversations =
                userVisitor.map(v -> store.conversationsOf(v.id())).orElse(List.of());
        return new StoredVisitor(visitor, conversations, resumed, verifiedUser, userVisitor, userConversations);
    }
}
