package dev.concierge.store;

import static dev.concierge.store.StoreContractTest.done;
import static dev.concierge.store.StoreContractTest.message;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.TranscriptEvent;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite store's merges into their own file ({@link Merger}, {@link MergedEvents}): a
 * merge that committed before its rows left {@code recent_events} is seen once, and a data
 * directory of the release before is split on open. That commits go on while a merge is held up
 * is tested on both engines ({@link StoreMergeContractTest}).
 */
final class SqliteMergerTest {
    @TempDir
    Path dataDir;

    private JdbcConversationStore open(int mergeThreshold) {
        return JdbcConversationStore.open(JdbcDatabase.sqlite(dataDir), Clock.systemUTC(), mergeThreshold);
    }

    /** A connection to the data directory's files without the store (which may be open). */
    private Connection raw(boolean attach) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(JdbcDatabase.SQLITE_FILE));
        if (attach) {
            MergedEvents.attach(c, dataDir.resolve(MergedEvents.FILE));
        }
        return c;
    }

    private long count(String sql) throws SQLException {
        try (Connection c = raw(true);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<Long> seqs(JdbcConversationStore store, String conversation) {
        return store.events(conversation, 0).stream().map(TranscriptEvent::seq).toList();
    }

    @Test
    void aMergeCommittedBeforeItsRowsLeftRecentEvents_isReadOnce_andCleanedUpOnOpen() throws Exception {
        open(1_000_000).close(); // creates both files
        try (Connection c = raw(true);
                Statement s = c.createStatement()) {
            // As a crash leaves it: the merge of rowids 1 and 2 committed, their delete did not.
            s.executeUpdate("INSERT INTO recent_events (rowid, conversation_id, seq, ts, kind, text) VALUES"
                    + " (1, 'c1', 1, 1, 'message', 'one'), (2, 'c1', 2, 2, 'message', 'two'),"
                    + " (3, 'c1', 3, 3, 'message', 'three')");
            s.executeUpdate("INSERT INTO merged.conversation_keys (conversation_id, num) VALUES ('c1', 1)");
            s.executeUpdate("INSERT INTO merged.events (event_key, seq, ts, kind, text) VALUES"
                    + " (4294967297, 1, 1, 'message', 'one'), (4294967298, 2, 2, 'message', 'two')");
            s.executeUpdate("UPDATE merged.merge_mark SET upto = 2");
            try (ResultSet rs =
                    s.executeQuery("SELECT text FROM stored_events WHERE conversation_id = 'c1' ORDER BY seq")) {
                List<String> texts = new ArrayList<>();
                while (rs.next()) {
                    texts.add(rs.getString(1));
                }
                assertThat(texts).containsExactly("one", "two", "three"); // each once
            }
        }
        try (JdbcConversationStore store = open(1_000_000)) {
            assertThat(count("SELECT COUNT(*) FROM recent_events")).isZero(); // deleted, and rowid 3 merged
            assertThat(count("SELECT COUNT(*) FROM merged.events")).isEqualTo(3);
            assertThat(store.events("c1", 0)).extracting(TranscriptEvent::text).containsExactly("one", "two", "three");
            done(store.append("c1", message(4, "m4", "four")));
            assertThat(seqs(store, "c1")).containsExactly(1L, 2L, 3L, 4L);
        }
    }

    @Test
    void aDataDirectoryOfTheReleaseBefore_isSplitOnOpen_andKeepsEveryEvent() throws Exception {
        try (JdbcDatabase old = JdbcDatabase.sqlite(dataDir)) {
            old.migrate("6"); // the schema of the release before: every table in concierge.db
        }
        try (Connection c = raw(false);
                Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO conversation_keys (conversation_id, num) VALUES ('c1', 1), ('c2', 2)");
            s.executeUpdate("INSERT INTO events (event_key, seq, ts, kind, text) VALUES"
                    + " (4294967297, 1, 1, 'message', 'one'), (4294967298, 2, 2, 'message', 'two'),"
                    + " (8589934593, 1, 3, 'message', 'other')");
            s.executeUpdate("INSERT INTO recent_events (conversation_id, seq, ts, kind, text) VALUES"
                    + " ('c1', 3, 4, 'message', 'three'), ('c3', 1, 5, 'message', 'only recent')");
        }
        try (JdbcConversationStore store = open(1_000_000)) {
            assertThat(store.events("c1", 0)).extracting(TranscriptEvent::text).containsExactly("one", "two", "three");
            assertThat(store.events("c2", 0)).extracting(TranscriptEvent::text).containsExactly("other");
            assertThat(store.events("c3", 0)).extracting(TranscriptEvent::text).containsExactly("only recent");
            done(store.append("c2", message(2, "m2", "more")));
        }
        try (Connection c = raw(false);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM sqlite_master WHERE name IN"
                        + " ('events', 'conversation_keys', 'stored_events')")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero(); // they live in events.db now
        }
        assertThat(count("SELECT COUNT(*) FROM merged.events")).isEqualTo(6);
        try (JdbcConversationStore again = open(1_000_000)) {
            assertThat(again.events("c2", 0)).extracting(TranscriptEvent::text).containsExactly("other", "more");
            assertThat(again.events("c3", 0)).extracting(TranscriptEvent::text).containsExactly("only recent");
        }
    }
}
