package dev.concierge.store;

import dev.concierge.protocol.TranscriptEvent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.flywaydb.core.api.FlywayException;

/**
 * The durable {@link ConversationStore}: SQLite under the data directory by default, PostgreSQL
 * in production, the same schema (Flyway migrations in {@code db/migration}) and the same SQL
 * for both. Writes go to one writer thread that commits them in groups ({@link JdbcWriter});
 * a write's future completes only after its commit. Reads use a few connections of their own
 * ({@link JdbcReaders}). Visitor tokens are stored only as SHA-256 hashes.
 *
 * <p>Timestamps are stored to the microsecond; finer parts of an {@code Instant} are dropped.
 * A visitor read by id (not by token) carries {@code "sha256:" + hash} as its token, since the
 * token itself is not stored; saving that record again keeps the hash as it is.
 */
public final class JdbcConversationStore implements ConversationStore {
    private final JdbcDatabase database;
    private final JdbcRows rows = new JdbcRows();
    private final JdbcWriter writer;
    private final JdbcReaders readers;
    private final Clock clock;

    private final SqliteCheckpointer checkpointer;
    private final JdbcRetention retention;
    private final JdbcAgentSessions agentSessions;
    private final JdbcSearches searches;
    private final JdbcQueries queries;
    private final JdbcOutbox outbox;
    private final JdbcIntegrations integrations;
    private final JdbcAttachments attachments;

    private JdbcConversationStore(JdbcDatabase database, JdbcWriter writer, JdbcReaders readers, Clock clock) {
        this.checkpointer = database.isSqlite() ? new SqliteCheckpointer(database, writer::requestWalRewind) : null;
        this.database = database;
        this.writer = writer;
        this.readers = readers;
        this.clock = clock;
        this.attachments = new JdbcAttachments(database, writer, readers, clock);
        this.retention = new JdbcRetention(database, writer, readers, rows, clock, attachments);
        this.agentSessions = new JdbcAgentSessions(writer, readers);
        this.searches = new JdbcSearches(readers, rows);
        this.queries = new JdbcQueries(readers, rows);
        this.outbox = new JdbcOutbox(readers);
        this.integrations = new JdbcIntegrations(writer, readers, rows, clock);
    }

    /** The embedded store: SQLite in {@code dataDir/concierge.db}, created if missing. */
    public static JdbcConversationStore sqlite(Path dataDir) {
        return open(JdbcDatabase.sqlite(dataDir), Clock.systemUTC());
    }

    /**
     * A PostgreSQL store. The database must exist; the tables are created or migrated in the
     * URL's schema ({@code ?currentSchema=...}, else {@code public}).
     */
    public static JdbcConversationStore postgres(String jdbcUrl, String user, String password) {
        return open(JdbcDatabase.postgres(jdbcUrl, user, password), Clock.systemUTC());
    }

    /**
     * The PostgreSQL store of a cluster's deciding node: as {@link #postgres(String, String,
     * String)}, but every write transaction commits only while {@code fencing}'s lease still
     * carries its token ({@link DeciderLease}); from the first refused commit on, every write
     * fails and {@link #failure} says why.
     */
    public static JdbcConversationStore postgres(String jdbcUrl, String user, String password, Fencing fencing) {
        Objects.requireNonNull(fencing, "fencing");
        return open(
                JdbcDatabase.postgres(jdbcUrl, user, password),
                Clock.systemUTC(),
                migrated -> new JdbcWriter(migrated, null, EventMerge.DEFAULT_THRESHOLD, fencing));
    }

    /**
     * The store the server's configuration asks for: PostgreSQL when a JDBC URL is given
     * ({@code --db jdbc:postgresql://...}), else SQLite under the data directory, which is then
     * required.
     */
    public static JdbcConversationStore fromConfig(
            Optional<Path> dataDir, Optional<String> jdbcUrl, Optional<String> user, Optional<String> password) {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (jdbcUrl.isPresent() && !jdbcUrl.get().isBlank()) {
            return postgres(jdbcUrl.get(), user.orElse(null), password.orElse(null));
        }
        return sqlite(dataDir.orElseThrow(() -> new IllegalArgumentException("dataDir or jdbcUrl must be given")));
    }

    /** The embedded store in {@code dataDir}, reading the time from {@code clock}. */
    public static JdbcConversationStore sqlite(Path dataDir, Clock clock) {
        return open(JdbcDatabase.sqlite(dataDir), clock);
    }

    /** Migrates the schema, then starts the writer and the readers. */
    static JdbcConversationStore open(JdbcDatabase database, Clock clock) {
        return open(database, clock, EventMerge.DEFAULT_THRESHOLD);
    }

    /**
     * The embedded store in {@code dataDir}, whose commits are made durable by {@code sync}
     * instead of an fsync of the WAL: for tests that make the disk fail.
     */
    public static JdbcConversationStore sqlite(Path dataDir, WalSyncer.Sync sync) {
        return open(
                JdbcDatabase.sqlite(dataDir),
                Clock.systemUTC(),
                database -> new JdbcWriter(database, new WalSyncer(sync), EventMerge.DEFAULT_THRESHOLD));
    }

    /**
     * Migrates the schema, then starts the writer (which merges recent events every
     * {@code mergeThreshold} rows, see {@link EventMerge}) and the readers.
     */
    static JdbcConversationStore open(JdbcDatabase database, Clock clock, int mergeThreshold) {
        return open(database, clock, migrated -> new JdbcWriter(migrated, mergeThreshold));
    }

    private static JdbcConversationStore open(
            JdbcDatabase database, Clock clock, Function<JdbcDatabase, JdbcWriter> writers) {
        Objects.requireNonNull(clock, "clock");
        JdbcWriter writer = null;
        try {
            database.migrate();
            writer = writers.apply(database);
            JdbcReaders readers = new JdbcReaders(database, database.readConnections());
            return new JdbcConversationStore(database, writer, readers, clock);
        } catch (FlywayException e) {
            database.close();
            throw new StoreException("cannot migrate the schema of " + database.url() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (writer != null) {
                writer.close();
            }
            database.close();
            throw e;
        }
    }

    @Override
    public CompletableFuture<Void> saveVisitor(VisitorRecord visitor) {
        Objects.requireNonNull(visitor, "visitor");
        Object[] params;
        try {
            params = rows.visitorParams(visitor);
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
        return writer.submit("save visitor " + visitor.id(), tx -> tx.add(JdbcRows.UPSERT_VISITOR, params));
    }

    @Override
    public CompletableFuture<Void> linkUser(String site, String userId, String visitorId) {
        Object[] params = {
            Objects.requireNonNull(site, "site"),
            Objects.requireNonNull(userId, "userId"),
            Objects.requireNonNull(visitorId, "visitorId"),
            JdbcRows.micros(clock.instant())
        };
        return writer.submit(
                "link a verified user to visitor " + visitorId, tx -> tx.add(JdbcRows.UPSERT_USER, params));
    }

    @Override
    public CompletableFuture<Void> saveAgentSession(AgentSession session) {
        return agentSessions.save(session);
    }

    @Override
    public CompletableFuture<Void> deleteAgentSession(String tokenHash) {
        return agentSessions.delete(tokenHash);
    }

    @Override
    public CompletableFuture<Void> deleteAgentSessionsOf(String agentId) {
        return agentSessions.deleteAllOf(agentId);
    }

    @Override
    public List<AgentSession> agentSessionsUsedSince(Instant since) {
        return agentSessions.usedSince(since);
    }

    @Override
    public CompletableFuture<Void> saveAgentDisabled(String agentId, boolean disabled, Instant at) {
        return agentSessions.saveDisabled(agentId, disabled, at);
    }

    @Override
    public List<String> disabledAgents() {
        return agentSessions.disabled();
    }

    @Override
    public Optional<String> visitorOfUser(String site, String userId) {
        return queries.visitorOfUser(site, userId);
    }

    @Override
    public CompletableFuture<Void> saveConversation(ConversationRecord conversation) {
        Objects.requireNonNull(conversation, "conversation");
        Object[] params = rows.conversationParams(conversation, clock.instant());
        return writer.submit(
                "save conversation " + conversation.id(), tx -> tx.add(JdbcRows.UPSERT_CONVERSATION, params));
    }

    @Override
    public CompletableFuture<Void> append(String conversationId, TranscriptEvent event) {
        Objects.requireNonNull(event, "event");
        return appendAll(conversationId, List.of(event));
    }

    /** All the events in one write of the writer, so in one transaction and one commit ({@link #append} is one event). */
    @Override
    public CompletableFuture<Void> appendAll(String conversationId, List<TranscriptEvent> events) {
        return appendAll(conversationId, events, List.of());
    }

    /** The events and the outbox rows of their mails in one write of the writer: one transaction. */
    @Override
    public CompletableFuture<Void> appendAll(
            String conversationId, List<TranscriptEvent> events, List<OutboundMail> mails) {
        return appendAll(conversationId, events, mails, List.of());
    }

    /** The events and the outbox rows of their mails and webhooks in one write of the writer: one transaction. */
    @Override
    public CompletableFuture<Void> appendAll(
            String conversationId,
            List<TranscriptEvent> events,
            List<OutboundMail> mails,
            List<IntegrationStore.OutboundWebhook> webhooks) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(mails, "mails");
        List<Object[]> params = new ArrayList<>(events.size());
        List<Object[]> mailParams = new ArrayList<>(mails.size());
        List<Object[][]> webhookRows;
        try {
            for (TranscriptEvent event : events) {
                Objects.requireNonNull(event.ts(), "event.ts");
                Objects.requireNonNull(event.kind(), "event.kind");
                params.add(rows.eventParams(conversationId, event));
            }
            for (OutboundMail mail : mails) {
                if (!mail.conversationId().equals(conversationId)
                        || events.stream().noneMatch(e -> e.seq() == mail.seq())) {
                    throw new StoreException("email " + mail.messageId() + " names " + mail.conversationId() + " seq "
                            + mail.seq() + ", not an event appended with it to " + conversationId);
                }
                mailParams.add(JdbcOutbox.insertParams(mail));
            }
            webhookRows = webhooks.isEmpty() ? List.of() : integrations.enqueue(conversationId, events, webhooks);
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
        return writer.submit(
                () -> (events.size() == 1
                                ? "append seq " + events.get(0).seq()
                                : "append seqs "
                                        + events.stream()
                                                .map(TranscriptEvent::seq)
                                                .toList())
                        + " to " + conversationId,
                tx -> {
                    long last = tx.lastSeq(conversationId);
                    for (TranscriptEvent event : events) { // checked before any is added: all or none
                        if (event.seq() != ++last) {
                            throw new StoreException(
                                    "seq " + event.seq() + " out of order in " + conversationId + ", expected " + last);
                        }
                    }
                    JdbcAttachmentLinks.checkReferences(tx, conversationId, events);
                    for (int i = 0; i < events.size(); i++) {
                        TranscriptEvent event = events.get(i);
                        tx.advanceSeq(conversationId, event.seq());
                        tx.add(JdbcRows.INSERT_EVENT, params.get(i));
                        if (JdbcRows.namedApart(event.author())) {
                            tx.nameAuthor(conversationId, event.author());
                        }
                    }
                    JdbcAttachmentLinks.addReferences(tx, conversationId, events);
                    for (Object[] m : mailParams) {
                        tx.add(JdbcOutbox.INSERT, m);
                    }
                    JdbcWebhooks.add(tx, webhookRows);
                });
    }

    @Override
    public Optional<AttachmentStore> attachments() {
        return Optional.of(attachments);
    }

    @Override
    public Optional<IntegrationStore> integrations() {
        return Optional.of(integrations);
    }

    @Override
    public List<QueuedMail> dueMail(Instant now, int limit) {
        return outbox.due(Objects.requireNonNull(now, "now"), limit);
    }

    @Override
    public CompletableFuture<Set<String>> claimMail(List<String> messageIds) {
        return writer.submitClaims(
                "claim " + messageIds.size() + " email(s)",
                messageIds,
                id -> id,
                (tx, id, count) -> tx.addCounted(JdbcOutbox.CLAIM, count, id));
    }

    @Override
    public CompletableFuture<Void> mailSent(String messageId, Instant at) {
        Object[] params = {
            JdbcRows.micros(Objects.requireNonNull(at, "at")), Objects.requireNonNull(messageId, "messageId")
        };
        return writer.submit("record email " + messageId + " sent", tx -> tx.add(JdbcOutbox.SENT, params));
    }

    @Override
    public CompletableFuture<Void> mailDeferred(String messageId, Instant nextAttempt, String error) {
        Object[] params = {
            JdbcRows.micros(Objects.requireNonNull(nextAttempt, "nextAttempt")),
            JdbcOutbox.clipError(error),
            Objects.requireNonNull(messageId, "messageId")
        };
        return writer.submit("record email " + messageId + " deferred", tx -> tx.add(JdbcOutbox.DEFERRED, params));
    }

    @Override
    public CompletableFuture<Void> mailFailed(String messageId, String error) {
        Object[] params = {JdbcOutbox.clipError(error), Objects.requireNonNull(messageId, "messageId")};
        return writer.submit("record email " + messageId + " failed", tx -> tx.add(JdbcOutbox.FAILED, params));
    }

    @Override
    public CompletableFuture<Void> cancelMail(String messageId, String reason) {
        Object[] params = {JdbcOutbox.clipError(reason), Objects.requireNonNull(messageId, "messageId")};
        return writer.submit("cancel email " + messageId, tx -> tx.add(JdbcOutbox.CANCEL, params));
    }

    @Override
    public List<QueuedMail> mailCreatedSince(Instant since) {
        return outbox.createdSince(Objects.requireNonNull(since, "since"));
    }

    @Override
    public List<QueuedMail> mailOf(String conversationId) {
        return outbox.of(Objects.requireNonNull(conversationId, "conversationId"));
    }

    @Override
    public List<TranscriptEvent> events(String conversationId, long afterSeq) {
        return queries.events(conversationId, afterSeq);
    }

    @Override
    public Optional<ConversationRecord> conversation(String conversationId) {
        return queries.conversation(conversationId);
    }

    @Override
    public List<ConversationRecord> conversationsOf(String visitorId) {
        return queries.conversationsOf(visitorId);
    }

    @Override
    public List<ConversationRecord> openConversations() {
        return queries.openConversations();
    }

    @Override
    public Optional<VisitorRecord> visitor(String visitorId) {
        return queries.visitor(visitorId);
    }

    @Override
    public Optional<VisitorRecord> visitorByToken(String token) {
        return queries.visitorByToken(token);
    }

    @Override
    public Removed purgeClosedBefore(Instant cutoff) {
        return retention.purgeClosedBefore(Objects.requireNonNull(cutoff, "cutoff"));
    }

    @Override
    public Removed eraseVisitor(String visitorId) {
        return retention.eraseVisitor(Objects.requireNonNull(visitorId, "visitorId"));
    }

    @Override
    public List<ConversationMetrics> figuresStartedBetween(Instant from, Instant to, int limit) {
        return retention.figuresStartedBetween(
                Objects.requireNonNull(from, "from"), Objects.requireNonNull(to, "to"), limit);
    }

    @Override
    public List<String> visitorsByEmail(String email) {
        return retention.visitorsByEmail(Objects.requireNonNull(email, "email"));
    }

    /** Commits the writes already submitted, then closes the connections; later calls fail. */
    @Override
    public Optional<String> failure() {
        Throwable lost = writer.failure();
        if (lost instanceof JdbcTransaction.FencedOut) {
            return Optional.of("this node lost the lease its writes are fenced by (" + lost.getMessage() + ")");
        }
        return lost == null
                ? Optional.empty()
                : Optional.of("an fsync of the store's write-ahead log failed (" + lost.getMessage()
                        + "): no write is taken until the server restarts");
    }

    @Override
    public void close() {
        try {
            attachments.close();
            writer.close();
            readers.close();
            if (checkpointer != null) {
                checkpointer.close();
            }
        } finally {
            database.close();
        }
    }

    /** The writer: for tests that hold it to shape a batch. */
    JdbcWriter writer() {
        return writer;
    }

    /** The merges beside the writer, for their metrics. */
    public EventMerge merges() {
        return writer.merges();
    }

    @Override
    public String toString() {
        return "JdbcConversationStore[" + database.url() + "]";
    }

    @Override
    public List<ConversationRecord> search(String query, int limit) {
        return searches.search(query, limit);
    }

    @Override
    public List<ConversationTranscript> transcriptsStartedBetween(Instant from, Instant to, int limit) {
        return searches.transcriptsStartedBetween(from, to, limit);
    }
}
