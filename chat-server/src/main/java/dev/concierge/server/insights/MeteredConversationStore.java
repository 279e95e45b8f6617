package dev.concierge.server.insights;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.store.AttachmentStore;
import dev.concierge.store.ConversationMetrics;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationTranscript;
import dev.concierge.store.IntegrationStore;
import dev.concierge.store.VisitorRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ConversationStore} that measures its writes and counts the events it commits for
 * {@link ServerMetrics}: every message, bot turn, handoff and close passes through here exactly
 * once, after its commit, so the router needs no metric hooks.
 */
public final class MeteredConversationStore implements ConversationStore {
    private final ConversationStore store;
    private final ServerMetrics metrics;

    /** {@code store}, its writes timed and its committed events counted in {@code metrics}. */
    public MeteredConversationStore(ConversationStore store, ServerMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    private <T> CompletableFuture<T> timed(CompletableFuture<T> write, long started) {
        return write.whenComplete(
                (ok, error) -> metrics.storeWrite().record(System.nanoTime() - started, TimeUnit.NANOSECONDS));
    }

    @Override
    public CompletableFuture<Void> saveVisitor(VisitorRecord visitor) {
        return timed(store.saveVisitor(visitor), System.nanoTime());
    }

    @Override
    public CompletableFuture<Void> saveConversation(ConversationRecord conversation) {
        return timed(store.saveConversation(conversation), System.nanoTime());
    }

    @Override
    public CompletableFuture<Void> append(String conversationId, TranscriptEvent event) {
        return timed(store.append(conversationId, event), System.nanoTime()).whenComplete((ok, error) -> {
            if (error == null) {
                metrics.committed(event);
            }
        });
    }

    @Override
    public CompletableFuture<Void> appendAll(String conversationId, List<TranscriptEvent> events) {
        return timed(store.appendAll(conversationId, events), System.nanoTime()).whenComplete((ok, error) -> {
            if (error == null) {
                events.forEach(metrics::committed);
            }
        });
    }

    @Override
    public CompletableFuture<Void> appendAll(
            String conversationId, List<TranscriptEvent> events, List<OutboundMail> mails) {
        return counted(store.appendAll(conversationId, events, mails), events);
    }

    @Override
    public CompletableFuture<Void> appendAll(
            String conversationId,
            List<TranscriptEvent> events,
            List<OutboundMail> mails,
            List<IntegrationStore.OutboundWebhook> webhooks) {
        return counted(store.appendAll(conversationId, events, mails, webhooks), events);
    }

    /** {@code write} timed, and {@code events} counted once it committed. */
    private CompletableFuture<Void> counted(CompletableFuture<Void> write, List<TranscriptEvent> events) {
        return timed(write, System.nanoTime()).whenComplete((ok, error) -> {
            if (error == null) {
                events.forEach(metrics::committed);
            }
        });
    }

    @Override
    public Optional<IntegrationStore> integrations() {
        return store.integrations();
    }

    @Override
    public Optional<AttachmentStore> attachments() {
        return store.attachments();
    }

    @Override
    public List<QueuedMail> dueMail(Instant now, int limit) {
        return store.dueMail(now, limit);
    }

    @Override
    public CompletableFuture<Set<String>> claimMail(List<String> messageIds) {
        return timed(store.claimMail(messageIds), System.nanoTime());
    }

    @Override
    public CompletableFuture<Void> mailSent(String messageId, Instant at) {
        return timed(store.mailSent(messageId, at), System.nanoTime());
    }

    @Override
    public CompletableFuture<Void> mailDeferred(String messageId, Instant nextAttempt, String error) {
        return timed(store.mailDeferred(messageId, nextAttempt, error), System.nanoTime());
    }

    @Override
    public CompletableFuture<Void> mailFailed(String messageId, String error) {
        return timed(store.mailFailed(messageId, error), System.nanoTime());
    }

    @Override
    public CompletableFuture<Void> cancelMail(String messageId, String reason) {
        return timed(store.cancelMail(messageId, reason), System.nanoTime());
    }

    @Override
    public List<QueuedMail> mailCreatedSince(Instant since) {
        return store.mailCreatedSince(since);
    }

    @Override
    public List<QueuedMail> mailOf(String conversationId) {
        return store.mailOf(conversationId);
    }

    @Override
    public Removed purgeClosedBefore(Instant cutoff) {
        return store.purgeClosedBefore(cutoff);
    }

    @Override
    public Removed eraseVisitor(String visitorId) {
        return store.eraseVisitor(visitorId);
    }

    @Override
    public List<ConversationMetrics> figuresStartedBetween(Instant from, Instant to, int limit) {
        return store.figuresStartedBetween(from, to, limit);
    }

    @Override
    public List<String> visitorsByEmail(String email) {
        return store.visitorsByEmail(email);
    }

    @Override
    public List<TranscriptEvent> events(String conversationId, long afterSeq) {
        return store.events(conversationId, afterSeq);
    }

    @Override
    public Optional<ConversationRecord> conversation(String conversationId) {
        return store.conversation(conversationId);
    }

    @Override
    public List<ConversationRecord> conversationsOf(String visitorId) {
        return store.conversationsOf(visitorId);
    }

    @Override
    public List<ConversationRecord> openConversations() {
        return store.openConversations();
    }

    @Override
    public List<ConversationRecord> search(String query, int limit) {
        return store.search(query, limit);
    }

    @Override
    public List<ConversationTranscript> transcriptsStartedBetween(Instant from, Instant to, int limit) {
        return store.transcriptsStartedBetween(from, to, limit);
    }

    @Override
    public Optional<VisitorRecord> visitor(String visitorId) {
        return store.visitor(visitorId);
    }

    @Override
    public Optional<VisitorRecord> visitorByToken(String token) {
        return store.visitorByToken(token);
    }

    @Override
    public CompletableFuture<Void> linkUser(String site, String userId, String visitorId) {
        return timed(store.linkUser(site, userId, visitorId), System.nanoTime());
    }

    @Override
    public Optional<String> visitorOfUser(String site, String userId) {
        return store.visitorOfUser(site, userId);
    }

    @Override
    public CompletableFuture<Void> saveAgentSession(AgentSession session) {
        return store.saveAgentSession(session);
    }

    @Override
    public CompletableFuture<Void> deleteAgentSession(String tokenHash) {
        return store.deleteAgentSession(tokenHash);
    }

    @Override
    public CompletableFuture<Void> deleteAgentSessionsOf(String agentId) {
        return store.deleteAgentSessionsOf(agentId);
    }

    @Override
    public List<AgentSession> agentSessionsUsedSince(Instant since) {
        return store.agentSessionsUsedSince(since);
    }

    @Override
    public CompletableFuture<Void> saveAgentDisabled(String agentId, boolean disabled, Instant at) {
        return store.saveAgentDisabled(agentId, disabled, at);
    }

    @Override
    public List<String> disabledAgents() {
        return store.disabledAgents();
    }

    @Override
    public Optional<String> failure() {
        return store.failure();
    }

    @Override
    public void close() {
        store.close();
    }

    @Override
    public String toString() {
        return store.toString();
    }
}
