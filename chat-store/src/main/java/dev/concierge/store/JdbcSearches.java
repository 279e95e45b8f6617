package dev.concierge.store;

import dev.concierge.protocol.TranscriptEvent;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The reads across conversations for {@link JdbcConversationStore}: the agents' search and the
 * transcripts the insights are computed from, on the store's readers.
 */
final class JdbcSearches {
    private final JdbcReaders readers;
    private final JdbcRows rows;

    JdbcSearches(JdbcReaders readers, JdbcRows rows) {
        this.readers = readers;
        this.rows = rows;
    }

    List<ConversationRecord> search(String query, int limit) {
        Objects.requireNonNull(query, "query");
        String pattern = "%"
                + query.toLowerCase(Locale.ROOT)
                        .replace("\\", "\\\\")
                        .replace("%", "\\%")
                        .replace("_", "\\_") + "%";
        return readers.read("search", c -> {
            try (PreparedStatement ps = c.prepareStatement(JdbcRows.SEARCH_CONVERSATIONS)) {
                ps.setString(1, pattern);
                ps.setInt(2, limit);
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

    List<ConversationTranscript> transcriptsStartedBetween(Instant from, Instant to, int limit) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Object fromMicros = JdbcRows.micros(from);
        Object toMicros = JdbcRows.micros(to);
        return readers.read("transcripts started between " + from + " and " + to, c -> {
            Map<String, List<TranscriptEvent>> events = new HashMap<>();
            List<ConversationRecord> records = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(JdbcRows.SELECT_CONVERSATIONS_STARTED)) {
                JdbcRows.bind(ps, fromMicros, toMicros, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ConversationRecord r = rows.conversation(rs);
                        records.add(r);
                        events.put(r.id(), new ArrayList<>());
                    }
                }
            }
            // One query for all events rather than one per conversation; events of conversations
            // past the limit (or started meanwhile) are skipped.
            try (PreparedStatement ps = c.prepareStatement(JdbcRows.SELECT_EVENTS_STARTED)) {
                JdbcRows.bind(ps, fromMicros, toMicros);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        List<TranscriptEvent> list = events.get(rs.getString(12));
                        if (list != null) {
                            list.add(rows.event(rs));
                        }
                    }
                }
            }
            Map<String, JdbcRows.Authors> authors = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(JdbcRows.SELECT_AUTHORS_STARTED)) {
                JdbcRows.bind(ps, fromMicros, toMicros);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        authors.computeIfAbsent(rs.getString(4), id -> new JdbcRows.Authors())
                                .add(rs);
                    }
                }
            }
            return records.stream()
                    .map(r -> {
                        JdbcRows.Authors names = authors.getOrDefault(r.id(), new JdbcRows.Authors());
                        return new ConversationTranscript(
                                r, events.get(r.id()).stream().map(names::fill).toList());
                    })
                    .toList();
        });
    }
}
