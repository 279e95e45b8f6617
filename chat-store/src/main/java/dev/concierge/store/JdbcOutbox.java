package dev.concierge.store;

import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.ConversationStore.QueuedMail;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The SQL of the mail outbox ({@code mail_outbox}, migration V14) for {@link
 * JdbcConversationStore}: the row a mail is enqueued as, inside the write of the events that
 * cause it, and the reads of what is due and of a conversation's mails. The purge and the
 * erasure delete a conversation's rows with {@link #DELETE_OF_CONVERSATION}.
 */
final class JdbcOutbox {
    static final String INSERT = "INSERT INTO mail_outbox (message_id, conversation_id, seq, kind, site, recipient,"
            + " payload, state, attempts, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)";
    /**
     * {@link #INSERT} of a mail telling of a webhook endpoint's pause, written only while the
     * endpoint (the last parameter) is active. Added to the pause's write right before {@link
     * JdbcWebhooks#PAUSE_AFTER_ALERTS} (the writer runs statements in the order they were first
     * prepared, so nothing runs between the two), it sees the endpoint as the pause does: it is
     * written exactly when the pause changes the endpoint.
     */
    static final String INSERT_IF_ENDPOINT_ACTIVE = "INSERT INTO mail_outbox (message_id, conversation_id, seq,"
            + " kind, site, recipient, payload, state, attempts, created_at, next_attempt_at)"
            + " SELECT ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ? WHERE EXISTS (SELECT 1 FROM webhook_endpoints"
            + " WHERE id = ? AND state = 'active') ON CONFLICT (message_id) DO NOTHING";

    static final String DELETE_OF_CONVERSATION = "DELETE FROM mail_outbox WHERE conversation_id = ?";
    static final String CLAIM = "UPDATE mail_outbox SET state = 'sending', attempts = attempts + 1"
            + " WHERE message_id = ? AND state IN ('pending', 'sending')";
    static final String SENT = "UPDATE mail_outbox SET state = 'sent', sent_at = ?, last_error = NULL"
            + " WHERE message_id = ? AND state = 'sending'";
    static final String DEFERRED = "UPDATE mail_outbox SET state = 'pending', next_attempt_at = ?, last_error = ?"
            + " WHERE message_id = ? AND state = 'sending'";
    static final String FAILED =
            "UPDATE mail_outbox SET state = 'failed', last_error = ? WHERE message_id = ? AND state = 'sending'";
    static final String CANCEL =
            "UPDATE mail_outbox SET state = 'failed', last_error = ? WHERE message_id = ? AND state = 'pending'";

    private static final String COLUMNS = "message_id, conversation_id, seq, kind, site, recipient, payload, state,"
            + " attempts, created_at, next_attempt_at, sent_at, last_error";
    static final String SELECT_DUE = "SELECT " + COLUMNS + " FROM mail_outbox"
            + " WHERE (state = 'pending' AND next_attempt_at <= ?) OR state = 'sending'"
            + " ORDER BY created_at, message_id LIMIT ?";
    static final String SELECT_CREATED_SINCE =
            "SELECT " + COLUMNS + " FROM mail_outbox WHERE created_at >= ? ORDER BY created_at, message_id";
    static final String SELECT_OF_CONVERSATION =
            "SELECT " + COLUMNS + " FROM mail_outbox WHERE conversation_id = ? ORDER BY created_at, message_id";

    private final JdbcReaders readers;

    JdbcOutbox(JdbcReaders readers) {
        this.readers = readers;
    }

    /** The parameters of {@link #INSERT} for a mail just enqueued: pending, due at its {@code notBefore}. */
    static Object[] insertParams(OutboundMail m) {
        Object created = JdbcRows.micros(m.createdAt());
        Object due = JdbcRows.micros(m.notBefore());
        return new Object[] {
            m.messageId(),
            m.conversationId(),
            m.seq(),
            m.kind(),
            m.site(),
            m.recipient(),
            m.payload(),
            JdbcRows.wire(MailState.PENDING),
            created,
            due
        };
    }

    /** {@code error} as kept: at most {@link ConversationStore#MAX_MAIL_ERROR} characters. */
    static String clipError(String error) {
        Objects.requireNonNull(error, "error");
        return error.length() <= ConversationStore.MAX_MAIL_ERROR
                ? error
                : error.substring(0, ConversationStore.MAX_MAIL_ERROR);
    }

    List<QueuedMail> due(Instant now, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        return readers.read("due mail", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_DUE)) {
                JdbcRows.bind(ps, JdbcRows.micros(now), limit);
                return list(ps);
            }
        });
    }

    List<QueuedMail> createdSince(Instant since) {
        return readers.read("mail created since " + since, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_CREATED_SINCE)) {
                JdbcRows.bind(ps, JdbcRows.micros(since));
                return list(ps);
            }
        });
    }

    List<QueuedMail> of(String conversationId) {
        return readers.read("mail of " + conversationId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_OF_CONVERSATION)) {
                ps.setString(1, conversationId);
                return list(ps);
            }
        });
    }

    private static List<QueuedMail> list(PreparedStatement ps) throws SQLException {
        List<QueuedMail> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Instant created = JdbcRows.instant(rs, 10);
                Instant next = JdbcRows.instant(rs, 11);
                int attempts = rs.getInt(9);
                OutboundMail mail = new OutboundMail(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getLong(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        created,
                        attempts == 0 && next.isAfter(created) ? next : created);
                out.add(new QueuedMail(
                        mail,
                        MailState.valueOf(rs.getString(8).toUpperCase(Locale.ROOT)),
                        attempts,
                        next,
                        Optional.ofNullable(JdbcRows.instant(rs, 12)),
                        Optional.ofNullable(rs.getString(13))));
            }
        }
        return List.copyOf(out);
    }
}
