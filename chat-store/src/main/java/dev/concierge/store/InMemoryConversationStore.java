package dev.concierge.store;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * A store that keeps everything in memory: nothing survives a restart. The walking skeleton's
 * store; the durable one replaces it behind the same interface.
 */
public final class InMemoryConversationStore implements ConversationStore {
    private final Map<String, ConversationRecord> conversations = new ConcurrentHashMap<>();
    private final Map<String, List<TranscriptEvent>> events = new ConcurrentHashMap<>();
    private final Map<String, VisitorRecord> visitors = new ConcurrentHashMap<>();
    private final Map<String, String> users = new ConcurrentHashMap<>();
    /** When each conversation was last saved, by the clock given (the purge's cutoff compares with it). */
    private final Map<String, Instant> updatedAt = new ConcurrentHashMap<>();
    /** The mail outbox by Message-ID; guarded by itself, taken before an events list's lock. */
    private final Map<String, QueuedMail> outbox = new LinkedHashMap<>();

    private final Clock clock;

    /** An empty store on the system clock. */
    public InMemoryConversationStore() {
        this(Clock.systemUTC());
    }

    /** A store whose conversations are stamped with {@code clock}'s time when saved. */
    public InMemoryConversationStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public CompletableFuture<Void> saveVisitor(VisitorRecord visitor) {
        visitors.put(visitor.id(), visitor);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public List<ConversationRecord> openConversations() {
        return conversations.values().stream()
                .filter(c -> c.state() != ConversationState.CLOSED)
                .sorted(Comparator.comparing(ConversationRecord::startedAt))
                .toList();
    }

    @Override
    public Optional<VisitorRecord> visitor(String visitorId) {
        return Optional.ofNullable(visitors.get(visitorId));
    }

    @Override
    public Optional<VisitorRecord> visitorByToken(String token) {
        return visitors.values().stream().filter(v -> v.token().equals(token)).findFirst();
    }

    @Override
    public CompletableFuture<Void> saveConversation(ConversationRecord conversation) {
        conversations.put(conversation.id(), conversation);
        updatedAt.put(conversation.id(), clock.instant());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> append(String conversationId, TranscriptEvent event) {
        List<TranscriptEvent> list = events.computeIfAbsent(conversationId, k -> new ArrayList<>());
        synchronized (list) {
            long expected = list.isEmpty() ? 1 : list.get(list.size() - 1).seq() + 1;
            if (event.seq() != expected) {
                return CompletableFuture.failedFuture(new StoreException(
                        "seq " + event.seq() + " out of order in " + conversationId + ", expected " + expected));
            }
            list.add(event);
        }
        return CompletableFuture.completedFuture(null);
    }

    /**
     * The events and their mails under one lock: a seq out of order, a mail naming another
     * conversation or an event not in the call, or a Message-ID already queued stores nothing.
     */
    @Override
    public CompletableFuture<Void> appendAll(
            String conversationId, List<TranscriptEvent> events, List<OutboundMail> mails) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(mails, "mails");
        if (mails.isEmpty()) {
            return appendAll(conversationId, events);
        }
        for (OutboundMail mail : mails) {
            if (!mail.conversationId().equals(conversationId)
                    || events.stream().noneMatch(e -> e.seq() == mail.seq())) {
                return CompletableFuture.failedFuture(new StoreException("email " + mail.messageId() + " names "
                        + mail.conversationId() + " seq " + mail.seq() + ", not an event appended with it to "
                        + conversationId));
            }
        }
        List<TranscriptEvent> list = this.events.computeIfAbsent(conversationId, k -> new ArrayList<>());
        synchronized (outbox) {
            synchronized (list) {
                long expected = list.isEmpty() ? 1 : list.get(list.size() - 1).seq() + 1;
                for (TranscriptEvent event : events) {
                    if (event.seq() != expected) {
                        return CompletableFuture.failedFuture(new StoreException("seq " + event.seq()
                                + " out of order in " + conversationId + ", expected " + expected));
                    }
                    expected++;
                }
                Set<String> ids = new HashSet<>();
                for (OutboundMail mail : mails) {
                    if (outbox.containsKey(mail.messageId()) || !ids.add(mail.messageId())) {
                        return CompletableFuture.failedFuture(
                                new StoreException("email " + mail.messageId() + " is already in the outbox"));
                    }
                }
                list.addAll(events);
                for (OutboundMail mail : mails) {
                    outbox.put(
                            mail.messageId(),
                            new QueuedMail(
                                    mail, MailState.PENDING, 0, mail.notBefore(), Optional.empty(), Optional.empty()));
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public List<QueuedMail> dueMail(Instant now, int limit) {
        Objects.requireNonNull(now, "now");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        synchronized (outbox) {
            return outbox.values().stream()
                    .filter(m -> m.state() == MailState.SENDING
                            || (m.state() == MailState.PENDING
                                    && !m.nextAttemptAt().isAfter(now)))
                    .sorted(OLDEST_FIRST)
                    .limit(limit)
                    .toList();
        }
    }

    @Override
    public List<QueuedMail> mailOf(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        synchronized (outbox) {
            return outbox.values().stream()
                    .filter(m -> m.mail().conversationId().equals(conversationId))
                    .sorted(OLDEST_FIRST)
                    .toList();
        }
    }

    @Override
    public CompletableFuture<Set<String>> claimMail(List<String> messageIds) {
        Set<String> claimed = new HashSet<>();
        synchronized (outbox) {
            for (String id : List.copyOf(messageIds)) {
                QueuedMail m = outbox.get(id);
                if (m != null && (m.state() == MailState.PENDING || m.state() == MailState.SENDING)) {
                    outbox.put(
                            id,
                            new QueuedMail(
                                    m.mail(),
                                    MailState.SENDING,
                                    m.attempts() + 1,
                                    m.nextAttemptAt(),
                                    m.sentAt(),
                                    m.lastError()));
                    claimed.add(id);
                }
            }
        }
        return CompletableFuture.completedFuture(Set.copyOf(claimed));
    }

    @Override
    public CompletableFuture<Void> mailSent(String messageId, Instant at) {
        Objects.requireNonNull(at, "at");
        return mark(
                messageId,
                m -> new QueuedMail(
                        m.mail(), MailState.SENT, m.attempts(), m.nextAttemptAt(), Optional.of(at), Optional.empty()));
    }

    @Override
    public CompletableFuture<Void> mailDeferred(String messageId, Instant nextAttempt, String error) {
        Objects.requireNonNull(nextAttempt, "nextAttempt");
        String kept = JdbcOutbox.clipError(error);
        return mark(
                messageId,
                m -> new QueuedMail(
                        m.mail(), MailState.PENDING, m.attempts(), nextAttempt, m.sentAt(), Optional.of(kept)));
    }

    @Override
    public CompletableFuture<Void> mailFailed(String messageId, String error) {
        String kept = JdbcOutbox.clipError(error);
        return mark(
                messageId,
                m -> new QueuedMail(
                        m.mail(), MailState.FAILED, m.attempts(), m.nextAttemptAt(), m.sentAt(), Optional.of(kept)));
    }

    @Override
    public CompletableFuture<Void> cancelMail(String messageId, String reason) {
        Objects.requireNonNull(messageId, "messageId");
        String kept = JdbcOutbox.clipError(reason);
        synchronized (outbox) {
            QueuedMail m = outbox.get(messageId);
            if (m != null && m.state() == MailState.PENDING) {
                outbox.put(
                        messageId,
                        new QueuedMail(
                                m.mail(),
                                MailState.FAILED,
                                m.attempts(),
                                m.nextAttemptAt(),
                                m.sentAt(),
                                Optional.of(kept)));
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public List<QueuedMail> mailCreatedSince(Instant since) {
        Objects.requireNonNull(since, "since");
        synchronized (outbox) {
            return outbox.values().stream()
                    .filter(m -> !m.mail().createdAt().isBefore(since))
                    .sorted(OLDEST_FIRST)
                    .toList();
        }
    }

    private static final Comparator<QueuedMail> OLDEST_FIRST = Comparator.comparing(
                    (QueuedMail m) -> m.mail().createdAt())
            .thenComparing(m -> m.mail().messageId());

    /** Changes a claimed mail ({@link MailState#SENDING}) only, as the JDBC store does. */
    private CompletableFuture<Void> mark(String messageId, UnaryOperator<QueuedMail> change) {
        Objects.requireNonNull(messageId, "messageId");
        synchronized (outbox) {
            QueuedMail m = outbox.get(messageId);
            if (m != null && m.state() == MailState.SENDING) {
                outbox.put(messageId, change.apply(m));
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public List<TranscriptEvent> events(String conversationId, long afterSeq) {
        List<TranscriptEvent> list = events.get(conversationId);
        if (list == null) {
            return List.of();
        }
        synchronized (list) {
            return list.stream().filter(e -> e.seq() > afterSeq).toList();
        }
    }

    @Override
    public Optional<ConversationRecord> conversation(String conversationId) {
        return Optional.ofNullable(conversations.get(conversationId));
    }

    @Override
    public List<ConversationRecord> conversationsOf(String visitorId) {
        return conversations.values().stream()
                .filter(c -> c.visitorId().equals(visitorId))
                .sorted(Comparator.comparing(ConversationRecord::startedAt))
                .toList();
    }

    @Override
    public List<ConversationRecord> search(String query, int limit) {
        String q = query.toLowerCase(Locale.ROOT);
        return conversations.values().stream()
                .filter(c -> events.getOrDefault(c.id(), List.of()).stream()
                        .anyMatch(e -> e.text() != null
                                && e.text().toLowerCase(Locale.ROOT).contains(q)))
                .sorted(Comparator.comparing(ConversationRecord::startedAt).reversed())
                .limit(limit)
                .toList();
    }

    @Override
    public List<ConversationTranscript> transcriptsStartedBetween(Instant from, Instant to, int limit) {
        return conversations.values().stream()
                .filter(c -> !c.startedAt().isBefore(from) && c.startedAt().isBefore(to))
                .sorted(Comparator.comparing(ConversationRecord::startedAt).thenComparing(ConversationRecord::id))
                .limit(limit)
                .map(c -> new ConversationTranscript(c, events(c.id(), 0)))
                .toList();
    }

    private final List<ConversationMetrics> figures = Collections.synchronizedList(new ArrayList<>());

    @Override
    public synchronized Removed purgeClosedBefore(Instant cutoff) {
        List<ConversationRecord> gone = new ArrayList<>();
        for (ConversationRecord c : List.copyOf(conversations.values())) {
            Instant changed = updatedAt.getOrDefault(c.id(), c.startedAt());
            if (c.state() == ConversationState.CLOSED && changed.isBefore(cutoff)) {
                gone.add(c);
                remove(c);
            }
        }
        List<String> visitorIds = new ArrayList<>();
        for (VisitorRecord v : List.copyOf(visitors.values())) {
            if (v.firstSeen() != null
                    && v.firstSeen().isBefore(cutoff)
                    && conversations.values().stream()
                            .noneMatch(c -> c.visitorId().equals(v.id()))) {
                visitors.remove(v.id());
                users.values().removeIf(v.id()::equals);
                visitorIds.add(v.id());
            }
        }
        return new Removed(gone, visitorIds);
    }

    @Override
    public synchronized Removed eraseVisitor(String visitorId) {
        List<ConversationRecord> gone = conversations.values().stream()
                .filter(c -> c.visitorId().equals(visitorId))
                .toList();
        gone.forEach(this::remove);
        boolean known = visitors.remove(visitorId) != null;
        users.values().removeIf(visitorId::equals);
        return new Removed(gone, known ? List.of(visitorId) : List.of());
    }

    private void remove(ConversationRecord c) {
        ConversationMetrics m = ConversationMetrics.of(new ConversationTranscript(c, events(c.id(), 0)));
        figures.add(m.anonymous());
        conversations.remove(c.id());
        events.remove(c.id());
        updatedAt.remove(c.id());
        synchronized (outbox) {
            outbox.values().removeIf(q -> q.mail().conversationId().equals(c.id()));
        }
    }

    @Override
    public List<ConversationMetrics> figuresStartedBetween(Instant from, Instant to, int limit) {
        synchronized (figures) {
            return figures.stream()
                    .filter(m -> !m.startedAt().isBefore(from) && m.startedAt().isBefore(to))
                    .sorted(Comparator.comparing(ConversationMetrics::startedAt))
                    .limit(limit)
                    .toList();
        }
    }

    @Override
    public List<String> visitorsByEmail(String email) {
        return visitors.values().stream()
                .filter(v -> v.context() != null
                        && v.context().email() != null
                        && v.context().email().equalsIgnoreCase(email))
                .map(VisitorRecord::id)
                .sorted()
                .limit(100)
                .toList();
    }

    @Override
    public void close() {
        // nothing to release
    }

    @Override
    public CompletableFuture<Void> linkUser(String site, String userId, String visitorId) {
        users.put(site + "\n" + userId, visitorId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Optional<String> visitorOfUser(String site, String userId) {
        return Optional.ofNullable(users.get(site + "\n" + userId));
    }
}
