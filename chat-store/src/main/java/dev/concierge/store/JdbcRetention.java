package dev.concierge.store;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The purge of old closed conversations and the erasure of a visitor for
 * {@link JdbcConversationStore} (docs/storage.md, "Retention and erasure"). Reads go through the
 * store's readers; the deletions are one write of the store's writer per batch of conversations,
 * so they are ordered after every write submitted before them (an erased visitor's last events
 * included). On SQLite the merged events live in {@code events.db} ({@link MergedEvents}): the
 * deletion covers both files.
 */
final class JdbcRetention {
    /** Conversations deleted per write of the writer. */
    static final int BATCH = 200;
    /** How long the ids of deleted conversations are kept to delete late-merged events again. */
    static final Duration DELETED_IDS_KEPT = Duration.ofDays(1);
    /**
     * How long a webhook delivery may wait (then it expires) and how long a finished one stays in
     * the delivery log, from its creation.
     */
    static final Duration WEBHOOK_LOG_KEPT = Duration.ofDays(7);

    static final String INSERT_FIGURES = "INSERT INTO conversation_figures (figure_id, started_at, state, department,"
            + " agent_id, outcome, first_bot_reply_ms, queue_wait_ms, first_agent_response_ms, handling_ms, transfers,"
            + " offline_message, follow_up_ms, score, visitor_messages, bot_answers, bot_misses)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static final String SELECT_FIGURES = "SELECT figure_id, started_at, state, department, agent_id, outcome,"
            + " first_bot_reply_ms, queue_wait_ms, first_agent_response_ms, handling_ms, transfers, offline_message,"
            + " follow_up_ms, score, visitor_messages, bot_answers, bot_misses FROM conversation_figures"
            + " WHERE started_at >= ? AND started_at < ? ORDER BY started_at, figure_id LIMIT ?";
    private static final String CONVERSATION_COLUMNS = JdbcRows.CONVERSATION_COLUMNS;
    static final String SELECT_OLD_CLOSED = "SELECT " + CONVERSATION_COLUMNS + " FROM conversations"
            + " WHERE state = ? AND updated_at < ? ORDER BY updated_at, id LIMIT ?";
    static final String SELECT_LONELY_VISITORS = "SELECT id FROM visitors v WHERE first_seen < ? AND NOT EXISTS"
            + " (SELECT 1 FROM conversations c WHERE c.visitor_id = v.id) ORDER BY id LIMIT ?";
    static final String SELECT_CONVERSATIONS_OF =
            "SELECT " + CONVERSATION_COLUMNS + " FROM conversations WHERE visitor_id = ? ORDER BY started_at, id";
    static final String SELECT_VISITORS_BY_EMAIL = "SELECT id, token_hash, context_json, first_seen FROM visitors"
            + " WHERE LOWER(context_json) LIKE ? ESCAPE '\\' ORDER BY id LIMIT 1000";
    static final String SELECT_DELETED = "SELECT conversation_id FROM deleted_conversations";
    static final String DELETE_CONVERSATION = "DELETE FROM conversations WHERE id = ?";
    static final String DELETE_RECENT_EVENTS = "DELETE FROM recent_events WHERE conversation_id = ?";
    /** The visitor's name, which the events name apart (JdbcRows#namedApart). */
    static final String DELETE_EVENT_AUTHORS = "DELETE FROM event_authors WHERE conversation_id = ?";

    static final String UPSERT_DELETED = "INSERT INTO deleted_conversations (conversation_id, deleted_at) VALUES (?, ?)"
            + " ON CONFLICT (conversation_id) DO NOTHING";
    static final String FORGET_DELETED = "DELETE FROM deleted_conversations WHERE deleted_at < ?";
    static final String DELETE_LONELY_VISITOR =
            "DELETE FROM visitors WHERE id = ? AND NOT EXISTS" + " (SELECT 1 FROM conversations WHERE visitor_id = ?)";
    static final String DELETE_LONELY_USER_LINKS =
            "DELETE FROM verified_users WHERE visitor_id = ? AND NOT EXISTS" + " (SELECT 1 FROM visitors WHERE id = ?)";
    static final String DELETE_VISITOR = "DELETE FROM visitors WHERE id = ?";
    static final String DELETE_USER_LINKS = "DELETE FROM verified_users WHERE visitor_id = ?";

    private final JdbcWriter writer;
    private final JdbcReaders readers;
    private final JdbcRows rows;
    private final Clock clock;
    private final JdbcAttachments attachments;
    /** The merged events' tables: in {@code events.db} on SQLite, beside the others on PostgreSQL. */
    private final String deleteMergedEvents;

    private final String deleteKey;

    JdbcRetention(
            JdbcDatabase database,
            JdbcWriter writer,
            JdbcReaders readers,
            JdbcRows rows,
            Clock clock,
            JdbcAttachments attachments) {
        this.writer = writer;
        this.attachments = attachments;
        this.readers = readers;
        this.rows = rows;
        this.clock = clock;
        String schema = database.isSqlite() ? MergedEvents.SCHEMA + "." : "";
        String keyOf = "(SELECT num FROM " + schema + "conversation_keys WHERE conversation_id = ?)";
        this.deleteMergedEvents = "DELETE FROM " + schema + "events WHERE event_key BETWEEN " + keyOf
                + " * 4294967296 AND " + keyOf + " * 4294967296 + 4294967295";
        this.deleteKey = "DELETE FROM " + schema + "conversation_keys WHERE conversation_id = ?";
    }

    ConversationStore.Removed purgeClosedBefore(Instant cutoff) {
        Object at = JdbcRows.micros(cutoff);
        deleteAgain();
        sweepWebhooks();
        List<ConversationRecord> removed = new ArrayList<>();
        Set<String> visitors = new LinkedHashSet<>();
        while (true) {
            List<ConversationRecord> batch = readers.read("closed conversations to purge", c -> {
                try (PreparedStatement ps = c.prepareStatement(SELECT_OLD_CLOSED)) {
                    JdbcRows.bind(ps, JdbcRows.wire(ConversationState.CLOSED), at, BATCH);
                    return records(ps);
                }
            });
            if (batch.isEmpty()
                    || removed.stream().anyMatch(r -> r.id().equals(batch.get(0).id()))) {
                break; // nothing more, or the last write deleted nothing: never loop on the same rows
            }
            List<Object[]> figures = figures(batch);
            List<String> visitorIds =
                    batch.stream().map(ConversationRecord::visitorId).distinct().toList();
            JdbcAttachments.ContentSweep files = attachments.sweepOf(ids(batch));
            await(files.run(() -> writer.submit("purge " + batch.size() + " closed conversations", tx -> {
                deleteConversations(tx, batch, figures);
                files.add(tx);
                for (String v : visitorIds) {
                    tx.add(DELETE_LONELY_VISITOR, v, v);
                    tx.add(DELETE_LONELY_USER_LINKS, v, v);
                }
            })));
            removed.addAll(batch);
            visitors.addAll(visitorIds);
            if (batch.size() < BATCH) {
                break;
            }
        }
        // Visitors with no conversation left (or none ever) who came before the cutoff.
        Set<String> tried = new LinkedHashSet<>();
        while (true) {
            List<String> lonely = readers.read("visitors to purge", c -> {
                try (PreparedStatement ps = c.prepareStatement(SELECT_LONELY_VISITORS)) {
                    JdbcRows.bind(ps, at, BATCH);
                    List<String> ids = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getString(1));
                        }
                    }
                    return ids;
                }
            });
            if (lonely.isEmpty() || tried.contains(lonely.get(0))) {
                break; // nothing more, or they got a conversation meanwhile
            }
            await(writer.submit("purge " + lonely.size() + " visitors", tx -> {
                for (String v : lonely) {
                    tx.add(DELETE_LONELY_VISITOR, v, v);
                    tx.add(DELETE_LONELY_USER_LINKS, v, v);
                }
            }));
            visitors.addAll(lonely);
            tried.addAll(lonely);
            if (lonely.size() < BATCH) {
                break;
            }
        }
        // Only those actually gone: a visitor who started a conversation meanwhile stays.
        List<String> gone = visitors.stream().filter(v -> !visitorExists(v)).toList();
        return new ConversationStore.Removed(removed, gone);
    }

    ConversationStore.Removed eraseVisitor(String visitorId) {
        deleteAgain();
        List<ConversationRecord> all = readers.read("conversations of " + visitorId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_CONVERSATIONS_OF)) {
                ps.setString(1, visitorId);
                return records(ps);
            }
        });
        boolean known = visitorExists(visitorId);
        for (int from = 0; from < all.size(); from += BATCH) {
            List<ConversationRecord> batch = all.subList(from, Math.min(all.size(), from + BATCH));
            List<Object[]> figures = figures(batch);
            JdbcAttachments.ContentSweep files = attachments.sweepOf(ids(batch));
            await(files.run(
                    () -> writer.submit("erase " + batch.size() + " conversations of visitor " + visitorId, tx -> {
                        deleteConversations(tx, batch, figures);
                        files.add(tx);
                    })));
        }
        await(writer.submit("erase visitor " + visitorId, tx -> {
            tx.add(DELETE_VISITOR, visitorId);
            tx.add(DELETE_USER_LINKS, visitorId);
        }));
        return new ConversationStore.Removed(all, known ? List.of(visitorId) : List.of());
    }

    /**
     * Expires the webhook deliveries pending for {@link #WEBHOOK_LOG_KEPT} (the rows behind them in
     * their lanes become due), then deletes the finished ones that old with their attempts, and the
     * events no delivery names any more. One write; its statements run in the order added.
     */
    private void sweepWebhooks() {
        Instant now = clock.instant();
        Object at = JdbcRows.micros(now);
        Object before = JdbcRows.micros(now.minus(WEBHOOK_LOG_KEPT));
        await(writer.submit("sweep the webhook deliveries created before " + now.minus(WEBHOOK_LOG_KEPT), tx -> {
            tx.add(JdbcWebhooks.EXPIRE_OLD, at, before);
            tx.add(JdbcWebhooks.UNPARK_HEADS, at);
            tx.add(JdbcWebhooks.DELETE_OLD_ATTEMPTS, before);
            tx.add(JdbcWebhooks.DELETE_OLD_DELIVERIES, before);
            tx.add(JdbcWebhooks.DELETE_UNNAMED_EVENTS, before);
        }));
    }

    List<ConversationMetrics> figuresStartedBetween(Instant from, Instant to, int limit) {
        return readers.read("figures of deleted conversations", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_FIGURES)) {
                JdbcRows.bind(ps, JdbcRows.micros(from), JdbcRows.micros(to), limit);
                List<ConversationMetrics> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new ConversationMetrics(
                                rs.getString(1),
                                JdbcRows.instant(rs, 2),
                                ConversationState.valueOf(rs.getString(3).toUpperCase(Locale.ROOT)),
                                rs.getString(4),
                                rs.getString(5),
                                ConversationMetrics.Outcome.valueOf(rs.getString(6)),
                                millis(rs, 7),
                                millis(rs, 8),
                                millis(rs, 9),
                                millis(rs, 10),
                                rs.getInt(11),
                                rs.getInt(12) != 0,
                                millis(rs, 13),
                                integer(rs, 14),
                                null,
                                rs.getInt(15),
                                rs.getInt(16),
                                rs.getInt(17)));
                    }
                }
                return out;
            }
        });
    }

    List<String> visitorsByEmail(String email) {
        String lower = email.toLowerCase(Locale.ROOT);
        String pattern = "%" + lower.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        List<VisitorRecord> candidates = readers.read("visitors by email", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_VISITORS_BY_EMAIL)) {
                ps.setString(1, pattern);
                List<VisitorRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rows.visitor(rs, null));
                    }
                }
                return out;
            }
        });
        return candidates.stream()
                .filter(v -> v.context() != null
                        && v.context().email() != null
                        && v.context().email().equalsIgnoreCase(email))
                .map(VisitorRecord::id)
                .limit(100)
                .toList();
    }

    /** Deletes, in one write, the conversations of {@code batch} with their events, leaving their figures. */
    private void deleteConversations(JdbcWriter.Tx tx, List<ConversationRecord> batch, List<Object[]> figures)
            throws SQLException {
        Object now = JdbcRows.micros(clock.instant());
        for (Object[] f : figures) {
            tx.add(INSERT_FIGURES, f);
        }
        for (ConversationRecord r : batch) {
            deleteEvents(tx, r.id());
            tx.add(DELETE_CONVERSATION, r.id());
            tx.add(UPSERT_DELETED, r.id(), now);
        }
    }

    private void deleteEvents(JdbcWriter.Tx tx, String conversationId) throws SQLException {
        tx.add(deleteMergedEvents, conversationId, conversationId);
        tx.add(deleteKey, conversationId);
        tx.add(DELETE_RECENT_EVENTS, conversationId);
        tx.add(DELETE_EVENT_AUTHORS, conversationId);
        tx.add(JdbcAttachments.DELETE_OF_CONVERSATION, conversationId); // their bytes: JdbcAttachments.ContentSweep
        tx.add(JdbcOutbox.DELETE_OF_CONVERSATION, conversationId);
        // The attempts first: they are found through the deliveries (always added, so run, before them).
        tx.add(JdbcWebhooks.DELETE_ATTEMPTS_OF_CONVERSATION, conversationId);
        tx.add(JdbcWebhooks.DELETE_DELIVERIES_OF_CONVERSATION, conversationId);
        tx.add(JdbcWebhooks.DELETE_EVENTS_OF_CONVERSATION, conversationId);
    }

    /**
     * Deletes the events of conversations deleted lately once more (an event being merged while
     * they were deleted lands in the merged events after), then forgets ids older than
     * {@link #DELETED_IDS_KEPT}.
     */
    private void deleteAgain() {
        List<String> ids = readers.read("deleted conversations", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_DELETED);
                    ResultSet rs = ps.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        });
        Object before = JdbcRows.micros(clock.instant().minus(DELETED_IDS_KEPT));
        await(writer.submit("delete the events of " + ids.size() + " deleted conversations again", tx -> {
            for (String id : ids) {
                deleteEvents(tx, id);
            }
            tx.add(FORGET_DELETED, before);
        }));
    }

    /** The figures rows of a batch about to be deleted, computed from their stored transcripts. */
    private List<Object[]> figures(List<ConversationRecord> batch) {
        List<Object[]> out = new ArrayList<>(batch.size());
        for (ConversationRecord r : batch) {
            List<TranscriptEvent> events = readers.read("events of " + r.id(), c -> {
                try (PreparedStatement ps = c.prepareStatement(JdbcRows.SELECT_EVENTS)) {
                    JdbcRows.bind(ps, r.id(), 0L);
                    List<TranscriptEvent> list = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            list.add(rows.event(rs));
                        }
                    }
                    return list;
                }
            });
            ConversationMetrics m = ConversationMetrics.of(new ConversationTranscript(r, events))
                    .anonymous();
            out.add(new Object[] {
                m.conversationId(),
                JdbcRows.micros(m.startedAt()),
                JdbcRows.wire(m.state()),
                text(m.department()),
                text(m.agentId()),
                m.outcome().name(),
                millis(m.timeToFirstBotReply()),
                millis(m.queueWait()),
                millis(m.timeToFirstAgentResponse()),
                millis(m.handlingTime()),
                m.transfers(),
                m.offlineMessage() ? 1 : 0,
                millis(m.followUpTime()),
                m.score() == null ? JdbcRows.NULL_INTEGER : (Object) m.score(),
                m.visitorMessages(),
                m.botAnswers(),
                m.botMisses()
            });
        }
        return out;
    }

    private static List<String> ids(List<ConversationRecord> batch) {
        return batch.stream().map(ConversationRecord::id).toList();
    }

    private boolean visitorExists(String visitorId) {
        return readers.read("visitor " + visitorId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM visitors WHERE id = ?")) {
                ps.setString(1, visitorId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    private List<ConversationRecord> records(PreparedStatement ps) throws SQLException {
        List<ConversationRecord> list = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                list.add(rows.conversation(rs));
            }
        }
        return list;
    }

    private static void await(CompletableFuture<Void> write) {
        try {
            write.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r
                    ? r
                    : new StoreException("store write failed", e.getCause());
        }
    }

    private static Object text(String s) {
        return s == null ? JdbcRows.NULL_TEXT : s;
    }

    private static Object millis(Duration d) {
        return d == null ? JdbcRows.NULL_BIGINT : (Object) d.toMillis();
    }

    private static Duration millis(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Duration.ofMillis(v);
    }

    private static Integer integer(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }
}
