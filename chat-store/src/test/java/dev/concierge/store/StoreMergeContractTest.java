package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.TranscriptEvent;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * What every {@link JdbcConversationStore} must do with its two events tables, whatever the
 * engine: new events appended to {@code recent_events} and merged into {@code events}
 * ({@link EventMerge}), and the migrations that shaped them. The rest of the contract is in
 * {@link StoreContractTest} and {@link PersonalDataContractTest}.
 */
abstract class StoreMergeContractTest extends PersonalDataContractTest {
    /**
     * A second database of this engine, apart from the test's own and empty at first (dropped
     * with it), to build as an older release left it; every call opens the same one.
     */
    abstract JdbcDatabase secondDatabase() throws Exception;

    /**
     * Holds every merge up until closed: a lock on what a merge writes, taken by a connection of
     * the test's own (SQLite: the merged events' file; PostgreSQL: the {@code events} table).
     */
    abstract AutoCloseable holdMerges() throws Exception;

    /** {@link #count} for a condition Awaitility polls. */
    private long counted(String sql) {
        try {
            return count(sql);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @SuppressWarnings("try") // the held lock is the point of the block; the body never names it
    void whileAMergeIsHeldUp_appendsStillCommit_andEveryEventIsReadOnce() throws Exception {
        store.close();
        JdbcConversationStore s = reopen(10);
        try (AutoCloseable held = holdMerges()) {
            for (long seq = 1; seq <= 20; seq++) { // twice the threshold: a merge is due, and waits for the lock
                done(s.append("c1", message(seq, "m" + seq, "text " + seq)));
            }
            // The merge of those rows is under way, held up by the lock, before more come.
            Awaitility.await("a merge under way")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> s.writer().merges().begun() > 0);
            assertThat(s.writer().merges().merges()).isZero();
            List<CompletableFuture<Void>> appends = new ArrayList<>();
            for (long seq = 21; seq <= 40; seq++) {
                appends.add(s.append("c1", message(seq, "m" + seq, "text " + seq)));
            }
            // A writer that ran the merges itself would be waiting for the lock (10 s and more).
            CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
            assertThat(s.events("c1", 0))
                    .extracting(TranscriptEvent::seq)
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(1, 40).boxed().toList());
            assertThat(count("SELECT COUNT(*) FROM events")).isZero();
        }
        // The held-up merge goes on once the lock is gone.
        Awaitility.await("the held-up merge done")
                .atMost(Duration.ofSeconds(10))
                .until(() -> counted("SELECT COUNT(*) FROM events") >= 40
                        && counted("SELECT COUNT(*) FROM recent_events") == 0);
        assertThat(count("SELECT COUNT(*) FROM events")).isEqualTo(40);
        assertThat(count("SELECT COUNT(*) FROM recent_events")).isZero();
        assertThat(s.writer().merges().mergedRows()).isEqualTo(40);
        assertThat(s.events("c1", 0))
                .extracting(TranscriptEvent::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 40).boxed().toList());
        done(s.append("c1", message(41, "m41", "after")));
        assertThat(count("SELECT COUNT(*) FROM stored_events")).isEqualTo(41);
    }

    @Test
    void recentEvents_areMergedInBatches_whileReadersSeeEveryEventOnce() throws Exception {
        store.close();
        JdbcConversationStore s = reopen(50);
        String watched = StoreLoad.conversationId(0, 0);
        java.util.concurrent.atomic.AtomicBoolean loading = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            while (loading.get()) { // every read, mid-merge or not: seqs 1..n, no gap, no repeat
                List<Long> seqs =
                        s.events(watched, 0).stream().map(TranscriptEvent::seq).toList();
                assertThat(seqs)
                        .containsExactlyElementsOf(
                                LongStream.rangeClosed(1, seqs.size()).boxed().toList());
                reads.incrementAndGet();
            }
        });
        List<CompletableFuture<Void>> all = StoreLoad.appendConcurrently(s, 4, 3, 40); // 480 events
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        assertThat(count("SELECT COUNT(*) FROM stored_events")).isEqualTo(480);
        assertThat(s.events(watched, 0))
                .extracting(TranscriptEvent::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 40).boxed().toList());
        // Merges run after the acks: by threshold, then idle after a second.
        Awaitility.await("every event merged")
                .atMost(Duration.ofSeconds(10))
                .until(() -> counted("SELECT COUNT(*) FROM recent_events") == 0);
        loading.set(false); // the reader ran through every merge
        reader.get(30, TimeUnit.SECONDS);
        assertThat(reads.get()).isPositive();
        assertThat(count("SELECT COUNT(*) FROM recent_events")).isZero();
        assertThat(count("SELECT COUNT(*) FROM events")).isEqualTo(480);
    }

    /**
     * Stores seqs 1 to 3 of {@code c1} ("before 1" ...) and merges them with a clean stop, then
     * writes {@code values} (rows of conversation_id, seq, ts, kind, text) straight into
     * {@code recent_events}, with the store closed.
     */
    private void mergeThreeThenLeaveRecent(String values) throws Exception {
        store.close();
        JdbcConversationStore first = reopen(1_000_000);
        for (long seq = 1; seq <= 3; seq++) {
            done(first.append("c1", message(seq, "m" + seq, "before " + seq)));
        }
        first.close(); // a clean stop merges
        assertThat(count("SELECT COUNT(*) FROM recent_events")).isZero();
        assertThat(count("SELECT COUNT(*) FROM events")).isEqualTo(3);
        try (Connection c = rawConnection();
                Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO recent_events (conversation_id, seq, ts, kind, text) VALUES " + values);
        }
    }

    @Test
    void recentEvents_leftByAnEarlierRun_areMergedOnOpen_andSeqContinues() throws Exception {
        mergeThreeThenLeaveRecent(
                "('c1', 4, 1, 'message', 'left 4'), ('c1', 5, 2, 'message', 'left 5')"); // as a crash would

        JdbcConversationStore again = reopen(1_000_000);
        assertThat(count("SELECT COUNT(*) FROM recent_events")).isZero();
        assertThat(again.events("c1", 0))
                .extracting(TranscriptEvent::text)
                .containsExactly("before 1", "before 2", "before 3", "left 4", "left 5");
        assertRejected(again.append("c1", message(5, null, "duplicate")), "seq 5 out of order");
        done(again.append("c1", message(6, "m6", "after")));
        assertThat(again.events("c1", 4)).extracting(TranscriptEvent::seq).containsExactly(5L, 6L);
    }

    @Test
    void merge_ofARowWhoseKeyIsAlreadyMerged_rollsBack_andDeletesNothing() throws Exception {
        mergeThreeThenLeaveRecent(
                "('c1', 2, 1, 'message', 'again 2'), ('c1', 4, 2, 'message', 'new 4')"); // a damaged file

        reopen(1_000_000); // merges on open; SQLite's merge ignores key conflicts, so it must notice
        assertThat(count("SELECT COUNT(*) FROM recent_events")).isEqualTo(2); // neither row dropped
        assertThat(count("SELECT COUNT(*) FROM events")).isEqualTo(3);
        assertThat(count("SELECT COUNT(*) FROM events WHERE seq = 4")).isZero(); // the move rolled back whole
    }

    @Test
    void migrationV6_keysEveryEventByItsConversationsNumber_andKeepsThemAll() throws Exception {
        JdbcDatabase old = secondDatabase();
        old.migrate("5"); // the schema as the release before V6 left it, with events merged and not
        try (Connection c = old.connect();
                Statement st = c.createStatement()) {
            st.executeUpdate(
                    "INSERT INTO events (conversation_id, seq, ts, kind, text) VALUES"
                            + " ('c1', 1, 1, 'message', 'one'), ('c1', 2, 2, 'message', 'two'), ('c2', 1, 3, 'message', 'other')");
            st.executeUpdate("INSERT INTO recent_events (conversation_id, seq, ts, kind, text)"
                    + " VALUES ('c1', 3, 4, 'message', 'three'), ('c3', 1, 5, 'message', 'only recent')");
        }
        JdbcConversationStore migrated =
                closedAfterTest(JdbcConversationStore.open(old, java.time.Clock.systemUTC(), 1_000_000));
        assertThat(migrated.events("c1", 0)).extracting(TranscriptEvent::text).containsExactly("one", "two", "three");
        assertThat(migrated.events("c1", 1)).extracting(TranscriptEvent::seq).containsExactly(2L, 3L);
        assertThat(migrated.events("c2", 0)).extracting(TranscriptEvent::text).containsExactly("other");
        assertThat(migrated.events("c3", 0)).extracting(TranscriptEvent::text).containsExactly("only recent");
        done(migrated.append("c1", message(4, "m4", "four")));
        assertRejected(migrated.append("c2", message(1, null, "again")), "seq 1 out of order");
        done(migrated.append("c4", message(1, "m1", "new conversation")));
        migrated.close(); // merges: c4 gets the next number

        try (JdbcDatabase db = secondDatabase();
                Connection c = db.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT k.conversation_id, k.num, COUNT(e.seq) FROM conversation_keys k"
                        + " JOIN events e ON e.event_key BETWEEN k.num * 4294967296 AND k.num * 4294967296 + 4294967295"
                        + " GROUP BY k.conversation_id, k.num ORDER BY k.num")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1) + "#" + rs.getLong(2) + ":" + rs.getLong(3));
            }
            assertThat(rows).containsExactly("c1#1:4", "c2#2:1", "c3#3:1", "c4#4:1");
        }
        JdbcConversationStore again =
                closedAfterTest(JdbcConversationStore.open(secondDatabase(), java.time.Clock.systemUTC()));
        assertThat(again.events("c1", 0))
                .extracting(TranscriptEvent::text)
                .containsExactly("one", "two", "three", "four");
        assertThat(again.events("c4", 0)).extracting(TranscriptEvent::text).containsExactly("new conversation");
    }

    @Test
    void migrationV9_keepsTheNamesInEventsWrittenBefore_andNamesNewOnesOncePerConversation() throws Exception {
        JdbcDatabase old = secondDatabase();
        old.migrate("8"); // the schema as the release before V9 left it: each event carries its author's name
        try (Connection c = old.connect();
                Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO recent_events (conversation_id, seq, ts, kind, author_json, text) VALUES"
                    + " ('c1', 1, 1, 'message', '{\"role\":\"visitor\",\"id\":\"v1\",\"name\":\"Old Name\"}', 'one'),"
                    + " ('c1', 2, 2, 'message', '{\"role\":\"agent\",\"id\":\"a1\",\"name\":\"Dana\"}', 'two')");
        }
        JdbcConversationStore migrated =
                closedAfterTest(JdbcConversationStore.open(old, java.time.Clock.systemUTC(), 1_000_000));
        dev.concierge.protocol.Author renamed =
                new dev.concierge.protocol.Author(dev.concierge.protocol.Role.VISITOR, "v1", "New Name");
        done(migrated.append(
                "c1", TranscriptEvent.message("m3", renamed, "three").stamped(3, T0)));
        assertThat(migrated.events("c1", 0))
                .extracting(e -> e.author().name() + ": " + e.text())
                .containsExactly("Old Name: one", "Dana: two", "New Name: three");
        migrated.close();
        JdbcConversationStore again =
                closedAfterTest(JdbcConversationStore.open(secondDatabase(), java.time.Clock.systemUTC()));
        assertThat(again.events("c1", 0))
                .extracting(e -> e.author().name())
                .containsExactly("Old Name", "Dana", "New Name");
    }
}
