package dev.concierge.store;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The reads of one visitor or conversation for {@link JdbcConversationStore}: a visitor by id,
 * by token or by verified user, a conversation, a visitor's or the open conversations, and a
 * transcript with its authors' names filled in, each on the store's readers.
 *
 * <p>Kept apart from the store, which owns opening, the writes through its writer and closing,
 * so that the SQL that reads rows back into records sits in one place beside {@link JdbcRows}.
 */
final class JdbcQueries {
    private final JdbcReaders readers;
    private final JdbcRows rows;

    JdbcQueries(JdbcReaders readers, JdbcRows rows) {
        this.readers = readers;
        this.rows = rows;
    }

    Optional<String> visitorOfUser(String site, String userId) {
        return readers.read("visitor of a verified user", c -> {
            try (PreparedStatement ps = c.prepareStatement(JdbcRows.SELECT_USER)) {
                ps.setString(1, site);
                ps.setString(2, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    List<TranscriptEvent> events(String conversationId, long afterSeq) {
        Objects.requireNonNull(conversationId, "conversationId");
        return readers.read("events of " + conversationId, c -> {
            try (PreparedStatement ps = c.prepareStatement(JdbcRows.SELECT_EVENTS)) {
                JdbcRows.bind(ps, conversationId, afterSeq);
                List<TranscriptEvent> events = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        events.add(rows.event(rs));
                    }
                }
                events = JdbcAttachmentLinks.withAttachments(c, conversationId, afterSeq, events);
                if (!JdbcRows.needsNames(events)) {
                    return List.copyOf(events);
                }
                JdbcRows.Authors authors = new JdbcRows.Authors();
                try (PreparedStatement names = c.prepareStatement(JdbcRows.SELECT_AUTHORS)) {
                    names.setString(1, conversationId);
                    try (ResultSet rs = names.executeQuery()) {
                        while (rs.next()) {
                            authors.add(rs);
                        }
                    }
                }
                return events.stream().map(authors::fill).toList();
            }
        });
    }

    Optional<ConversationRecord> conversation(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return conversations("conversation " + conversationId, JdbcRows.SELECT_CONVERSATION, conversationId).stream()
                .findFirst();
    }

    List<ConversationRecord> conversationsOf(String visitorId) {
        Objects.requireNonNull(visitorId, "visitorId");
        return conversations("conversations of " + visitorId, JdbcRows.SELECT_CONVERSATIONS_OF, visitorId);
    }

    List<ConversationRecord> openConversations() {
        return conversations(
                "open conversations", JdbcRows.SELECT_OPEN_CONVERSATIONS, JdbcRows.wire(ConversationState.CLOSED));
    }

    Optional<VisitorRecord> visitor(String visitorId) {
        Objects.requireNonNull(visitorId, "visitorId");
        return visitorWhere("visitor " + visitorId, JdbcRows.SELECT_VISITOR, visitorId, null);
    }

    Optional<VisitorRecord> visitorByToken(String token) {
        Objects.requireNonNull(token, "token");
        return visitorWhere("visitor by token", JdbcRows.SELECT_VISITOR_BY_TOKEN, JdbcRows.tokenHash(token), token);
    }

    private List<ConversationRecord> conversations(String what, String sql, String param) {
        return readers.read(what, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, param);
                List<ConversationRecord> list = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        list.add(rows.conversation(rs));
                    }
                }
                return List.copyOf(list);
            }
        });
    }

    private Optional<VisitorRecord> visitorWhere(String what, String sql, String param, String token) {
        return readers.read(what, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, param);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rows.visitor(rs, token)) : Optional.<VisitorRecord>empty();
                }
            }
        });
    }
}
