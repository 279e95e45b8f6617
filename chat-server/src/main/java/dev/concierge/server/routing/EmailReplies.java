package dev.concierge.server.routing;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.VisitorRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A visitor's reply by email, made a visitor {@code message} with {@code via: "email"} in its
 * conversation ({@link Router#visitorReplyByEmail}). The store is read on a reader thread; the
 * checks and the append happen on the router thread.
 */
final class EmailReplies {
    private static final Logger log = LoggerFactory.getLogger(EmailReplies.class);
    /** A conversation closed longer than this takes no reply. */
    static final Duration CLOSED_TOO_LONG = Duration.ofDays(30);

    static final Duration WINDOW = Duration.ofHours(1);

    private final Router router;
    private final Executor readers;
    private final int perConversationPerHour;
    /** When replies were taken, by conversation, within the last {@link #WINDOW}; router thread only. */
    private final Map<String, ArrayDeque<Instant>> recent = new HashMap<>();

    EmailReplies(Router router, Executor readers, int perConversationPerHour) {
        this.router = router;
        this.readers = readers;
        this.perConversationPerHour = perConversationPerHour;
    }

    /** What the store holds of a conversation, read off the router thread. */
    private record Stored(
            Optional<ConversationRecord> record,
            List<String> mailedTo,
            Optional<VisitorRecord> visitor,
            List<ConversationRecord> visitorConversations,
            List<TranscriptEvent> events) {}

    CompletableFuture<EmailReply> accept(String conversationId, String from, String text, String clientId) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(clientId, "clientId");
        if (text == null || clean(text).isBlank()) {
            return CompletableFuture.completedFuture(EmailReply.EMPTY);
        }
        return CompletableFuture.supplyAsync(() -> read(conversationId), readers)
                .thenComposeAsync(stored -> onRouter(conversationId, from, text, clientId, stored), router.executor);
    }

    private Stored read(String conversationId) {
        ConversationStore store = router.store();
        Optional<ConversationRecord> record = store.conversation(conversationId);
        if (record.isEmpty()) {
            return new Stored(record, List.of(), Optional.empty(), List.of(), List.of());
        }
        // The visitor's mails only: an agent's alert address is no visitor's.
        List<String> mailedTo = store.mailOf(conversationId).stream()
                .filter(m -> !MailPolicy.AGENT_ALERT.equals(m.mail().kind()))
                .map(m -> m.mail().recipient())
                .toList();
        String visitorId = record.get().visitorId();
        return new Stored(
                record,
                mailedTo,
                store.visitor(visitorId),
                store.conversationsOf(visitorId),
                store.events(conversationId, 0));
    }

    private CompletableFuture<EmailReply> onRouter(
            String conversationId, String from, String text, String clientId, Stored stored) {
        Conversation live = router.live.conversation(conversationId).orElse(null);
        if (live == null && (stored.record().isEmpty() || stored.visitor().isEmpty())) {
            return done(EmailReply.UNKNOWN_CONVERSATION, conversationId);
        }
        String visitorId =
                live != null ? live.visitor.id : stored.record().get().visitorId();
        if (router.erased(visitorId)) {
            return done(EmailReply.UNKNOWN_CONVERSATION, conversationId);
        }
        if (live != null && Idempotency.seen(live, clientId)) {
            return done(EmailReply.DUPLICATE, conversationId);
        }
        if (live == null && stored.events().stream().anyMatch(e -> clientId.equals(e.id()))) {
            return done(EmailReply.DUPLICATE, conversationId);
        }
        ConversationState state =
                live != null ? live.state : stored.record().get().state();
        List<TranscriptEvent> events = live != null ? live.committedAfter(0) : stored.events();
        Instant last = live != null
                ? live.lastActivity
                : events.isEmpty()
                        ? stored.record().get().startedAt()
                        : events.get(events.size() - 1).ts();
        Instant now = router.clock.instant();
        if (state == ConversationState.CLOSED && last.plus(CLOSED_TOO_LONG).isBefore(now)) {
            return done(EmailReply.TOO_OLD, conversationId);
        }
        Set<String> allowed = new HashSet<>();
        stored.mailedTo().forEach(a -> allowed.add(a.toLowerCase(Locale.ROOT)));
        events.stream()
                .filter(e -> e.kind() == Kind.OFFLINE_MESSAGE && e.reason() != null)
                .forEach(e -> allowed.add(e.reason().toLowerCase(Locale.ROOT)));
        String visitorEmail = live != null
                ? live.visitor.context.email()
                : stored.visitor().get().context().email();
        if (visitorEmail != null) {
            allowed.add(visitorEmail.toLowerCase(Locale.ROOT));
        }
        if (from == null || !allowed.contains(from.strip().toLowerCase(Locale.ROOT))) {
            return done(EmailReply.UNKNOWN_SENDER, conversationId);
        }
        // Forget every conversation whose replies all left the window: the map holds only the last hour's.
        recent.values().removeIf(t -> t.isEmpty() || !t.peekLast().plus(WINDOW).isAfter(now));
        ArrayDeque<Instant> times = recent.computeIfAbsent(conversationId, k -> new ArrayDeque<>());
        while (!times.isEmpty() && !times.peekFirst().plus(WINDOW).isAfter(now)) {
            times.removeFirst();
        }
        if (times.size() >= perConversationPerHour) {
            return done(EmailReply.RATE_LIMITED, conversationId);
        }
        times.addLast(now);
        // The state changes before the append commits: a failed append leaves the conversation
        // reopened (waiting for an agent) without the reply, and the reply's slot is given back,
        // so the reader's retry of the same mail is taken.
        Conversation c = live != null ? live : rebuild(stored);
        routeBack(c);
        TranscriptEvent draft = TranscriptEvent.message(clientId, c.visitor.author(), clean(text))
                .withVia(TranscriptEvent.VIA_EMAIL);
        c.lastVisitorText = draft.text();
        return router.appendOnce(c, clientId, draft)
                .whenComplete((seq, error) -> {
                    if (error != null) {
                        router.executor.execute(() -> times.removeLastOccurrence(now));
                    }
                })
                .thenApply(seq -> {
                    log.info("reply by email stored in conversation {} as seq {}", c.id, seq);
                    return EmailReply.STORED;
                });
    }

    /** Memory takes a conversation it had forgotten (closed long enough to leave it). */
    private Conversation rebuild(Stored stored) {
        ConversationRecord record = stored.record().get();
        Visitor visitor = router.live.visitor(record.visitorId()).orElse(null);
        if (visitor == null) {
            visitor = Recovery.adopt(router, stored.visitor().get(), stored.visitorConversations());
        }
        Conversation before = visitor.open;
        Conversation c = Recovery.rebuild(router, visitor, record, stored.events());
        if (before != null) {
            visitor.open = before; // the visitor chats in another conversation: that stays theirs
        }
        return c;
    }

    /**
     * The agent holding the conversation gets the reply; one waiting stays where it waits; any
     * other (closed, with the bot) goes to the follow-ups, waiting for an agent.
     */
    private void routeBack(Conversation c) {
        if (c.state == ConversationState.ASSIGNED
                || c.state == ConversationState.QUEUED
                || c.state == ConversationState.FOLLOW_UP) {
            return;
        }
        if (c.state == ConversationState.CLOSED) {
            router.live.reopened(c);
            if (c.visitor.open == null) {
                c.visitor.open = c;
            }
        }
        router.dispatcher.followUpByEmail(c);
    }

    /** The text as a chat message may be: no control characters but line breaks and tabs, at most {@link ClientMessage#MAX_TEXT}. */
    static String clean(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), ClientMessage.MAX_TEXT));
        for (int i = 0; i < text.length() && out.length() < ClientMessage.MAX_TEXT; i++) {
            char ch = text.charAt(i);
            if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f) {
                continue;
            }
            out.append(ch);
        }
        if (out.length() > 0 && Character.isHighSurrogate(out.charAt(out.length() - 1))) {
            out.setLength(out.length() - 1); // never half a character
        }
        return out.toString();
    }

    private static CompletableFuture<EmailReply> done(EmailReply outcome, String conversationId) {
        log.info("reply by email to conversation {} not taken: {}", conversationId, outcome);
        return CompletableFuture.completedFuture(outcome);
    }
}
