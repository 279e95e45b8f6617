package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.Page;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorContext;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link JdbcConversationStore} must do, whatever the engine. Each engine's test
 * extends this, through {@link OutboxContractTest} (the mail outbox), {@link WebhookContractTest} (the webhook
 * outbox), {@link IntegrationsContractTest} (sites, endpoints, API keys, the REST listing), {@link PersonalDataContractTest} (what it keeps about people, retention
 * and erasure) and {@link StoreMergeContractTest} (the merges and migrations of the events
 * tables), with a fresh database per test ({@link SqliteStoreTest}, {@link PostgresStoreTest}).
 */
abstract class StoreContractTest {
    static final Instant T0 = Instant.parse("2025-01-02T03:04:05.123456Z");
    static final Author ADA = new Author(Role.VISITOR, "v_ada", "Ada");

    private final List<JdbcConversationStore> opened = new ArrayList<>();
    JdbcConversationStore store;

    /** Makes this test's empty database. */
    abstract void createDatabase() throws Exception;

    /** Removes this test's database. */
    abstract void dropDatabase() throws Exception;

    /**
     * Opens a store on this test's database; every call opens the same data. Its writer merges
     * recent events into {@code events} every {@code mergeThreshold} rows ({@link EventMerge}).
     */
    abstract JdbcConversationStore openStore(int mergeThreshold);

    /** A plain connection to this test's database, to look at what is stored. */
    abstract Connection rawConnection() throws SQLException;

    /** The engine's name, for printed figures. */
    abstract String engine();

    @BeforeEach
    final void setUp() throws Exception {
        createDatabase();
        store = reopen();
    }

    @AfterEach
    final void tearDown() throws Exception {
        opened.forEach(JdbcConversationStore::close);
        dropDatabase();
    }

    /** Opens the store again (closing is the caller's business); closed after the test. */
    final JdbcConversationStore reopen() {
        return reopen(EventMerge.DEFAULT_THRESHOLD);
    }

    /** Opens the store again with the given merge threshold; closed after the test. */
    final JdbcConversationStore reopen(int mergeThreshold) {
        return closedAfterTest(openStore(mergeThreshold));
    }

    /** Closes {@code s} after the test; returns it. */
    final JdbcConversationStore closedAfterTest(JdbcConversationStore s) {
        opened.add(s);
        return s;
    }

    @Test
    void append_readsBackInSeqOrder_andAfterSeqFilters() throws Exception {
        List<TranscriptEvent> written = new ArrayList<>();
        for (long seq = 1; seq <= 5; seq++) {
            written.add(message(seq, "m" + seq, "hello " + seq));
            done(store.append("c1", written.get(written.size() - 1)));
        }
        done(store.append("c2", message(1, "m1", "other")));

        assertThat(store.events("c1", 0)).containsExactlyElementsOf(written);
        assertThat(store.events("c1", 3)).extracting(TranscriptEvent::seq).containsExactly(4L, 5L);
        assertThat(store.events("c1", 5)).isEmpty();
        assertThat(store.events("c2", 0)).extracting(TranscriptEvent::text).containsExactly("other");
        assertThat(store.events("nowhere", 0)).isEmpty();
    }

    @Test
    void append_rejectsGapAndDuplicateSeq_withoutFailingTheRestOfTheBatch() throws Exception {
        List<CompletableFuture<Void>> f = inOneBatch(() -> List.of(
                store.append("c1", message(1, null, "one")),
                store.append("c1", message(3, null, "gap")),
                store.append("c2", message(1, null, "c2 one")),
                store.append("c1", message(2, null, "two")),
                store.append("c1", message(2, null, "duplicate")),
                store.saveVisitor(visitor("v1", "vt_1")),
                store.append("c2", message(2, null, "c2 two"))));

        assertRejected(f.get(1), "seq 3 out of order");
        assertRejected(f.get(4), "seq 2 out of order");
        for (int i : new int[] {0, 2, 3, 5, 6}) {
            done(f.get(i));
        }
        assertThat(store.events("c1", 0)).extracting(TranscriptEvent::text).containsExactly("one", "two");
        assertThat(store.events("c2", 0)).extracting(TranscriptEvent::text).containsExactly("c2 one", "c2 two");
        assertThat(store.visitor("v1")).isPresent();
    }

    @Test
    void appendAll_storesConsecutiveEventsTogether_orNoneOfThem() throws Exception {
        done(store.append("c1", message(1, "m1", "Where is my order?")));
        done(store.appendAll(
                "c1", List.of(message(2, "m2", "And my refund?"), message(3, null, "Refunds take 5 days."))));
        assertThat(store.events("c1", 0))
                .extracting(TranscriptEvent::text)
                .containsExactly("Where is my order?", "And my refund?", "Refunds take 5 days.");

        // One of them out of order: the other is not stored either (one transaction).
        assertRejected(
                store.appendAll("c1", List.of(message(4, null, "fine"), message(6, null, "gap"))),
                "seq 6 out of order");
        assertThat(store.events("c1", 3)).isEmpty();
        done(store.appendAll("c1", List.of(message(4, null, "four"), message(5, null, "five"))));
        assertThat(store.events("c1", 3)).extracting(TranscriptEvent::seq).containsExactly(4L, 5L);
    }

    @Test
    void append_keepsViaOfAMessage_andEventsWithoutViaReadWithout() throws Exception {
        TranscriptEvent byMail = message(2, "mail:abc", "Thanks, it arrived.").withVia(TranscriptEvent.VIA_EMAIL);
        done(store.append("c1", message(1, "m1", "Where is my order?")));
        done(store.append("c1", byMail));
        assertThat(store.events("c1", 0)).extracting(TranscriptEvent::via).containsExactly(null, "email");
        assertThat(store.events("c1", 0)).extracting(TranscriptEvent::reason).containsExactly(null, null);
        store.close();
        // merged into events (a merge every row) and read again: the same
        JdbcConversationStore merged = reopen(1);
        done(merged.append("c1", message(3, null, "after")));
        merged.close();
        List<TranscriptEvent> again = reopen().events("c1", 0);
        assertThat(again).extracting(TranscriptEvent::via).containsExactly(null, "email", null);
        assertThat(again.get(1)).isEqualTo(byMail);
    }

    @Test
    void append_keepsClientIds_forRecoveryToAnswerResends() throws Exception {
        List<CompletableFuture<Void>> f = inOneBatch(() -> List.of(
                store.append("c1", message(1, "m1", "first")),
                store.append("c1", message(2, null, "server event")),
                store.append("c2", message(1, "m1", "same id, other conversation")),
                store.append("c1", message(3, "m2", "second"))));
        for (CompletableFuture<Void> one : f) {
            done(one);
        }
        assertThat(store.events("c1", 0)).extracting(TranscriptEvent::id).containsExactly("m1", null, "m2");
        assertThat(store.events("c2", 0)).extracting(TranscriptEvent::id).containsExactly("m1");
    }

    @Test
    void saves_areUpserts() throws Exception {
        done(store.saveConversation(conversation("c1", "v1", ConversationState.BOT, T0)));
        ConversationRecord assigned = ConversationRecord.builder("c1", "v1", ConversationState.ASSIGNED, T0)
                .agentId("a_bob")
                .firstLine("Where is my order?")
                .queuedAt(T0.plusSeconds(5))
                .assignedAt(T0.plusSeconds(9))
                .handoffReason(HandoffReason.BOT_UNSURE)
                .build();
        done(store.saveConversation(assigned));
        done(store.saveVisitor(visitor("v1", "vt_1")));
        VisitorRecord renamed = new VisitorRecord("v1", "vt_1", context("Ada Lovelace"), T0);
        done(store.saveVisitor(renamed));

        assertThat(store.conversation("c1")).contains(assigned);
        assertThat(store.conversation("c9")).isEmpty();
        assertThat(store.visitorByToken("vt_1")).contains(renamed);
        assertThat(count("SELECT COUNT(*) FROM conversations")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM visitors")).isEqualTo(1);
    }

    @Test
    void department_andFollowUpState_roundTrip() throws Exception {
        ConversationRecord followUp = ConversationRecord.builder("c1", "v1", ConversationState.FOLLOW_UP, T0)
                .firstLine("Call me back")
                .queuedAt(T0)
                .handoffReason(HandoffReason.OFFLINE_MESSAGE)
                .department("billing")
                .build();
        done(store.saveConversation(followUp));
        assertThat(store.conversation("c1")).contains(followUp);
        assertThat(store.openConversations()).extracting(ConversationRecord::id).containsExactly("c1");
    }

    @Test
    void givenEmails_roundTrip_inOrder_andReplaceTheStoredOnes() throws Exception {
        ConversationRecord first = ConversationRecord.builder("c1", "v1", ConversationState.QUEUED, T0)
                .queuedAt(T0)
                .givenEmails(java.util.List.of("ada@example.test"))
                .build();
        done(store.saveConversation(first));
        assertThat(store.conversation("c1").orElseThrow().givenEmails()).containsExactly("ada@example.test");
        ConversationRecord second = ConversationRecord.builder("c1", "v1", ConversationState.QUEUED, T0)
                .queuedAt(T0)
                .givenEmails(java.util.List.of("ada@example.test", "Ada.Work@example.test"))
                .build();
        done(store.saveConversation(second));
        assertThat(store.conversation("c1")).contains(second);
        assertThat(store.openConversations().get(0).givenEmails())
                .containsExactly("ada@example.test", "Ada.Work@example.test");
    }

    @Test
    void search_findsConversationsByAnyEventText_caseInsensitive_newestFirst() throws Exception {
        done(store.saveConversation(conversation("c1", "v1", ConversationState.CLOSED, T0)));
        done(store.saveConversation(conversation("c2", "v2", ConversationState.CLOSED, T0.plusSeconds(60))));
        done(store.saveConversation(conversation("c3", "v3", ConversationState.CLOSED, T0.plusSeconds(120))));
        done(store.append("c1", message(1, "m1", "My PARCEL arrived damaged")));
        done(store.append("c2", message(1, "m1", "Where is my parcel?")));
        done(store.append("c3", message(1, "m1", "100% cotton? under_score")));
        assertThat(store.search("parcel", 10))
                .extracting(ConversationRecord::id)
                .containsExactly("c2", "c1");
        assertThat(store.search("parcel", 1)).extracting(ConversationRecord::id).containsExactly("c2");
        // LIKE wildcards in the query are plain text.
        assertThat(store.search("100%", 10)).extracting(ConversationRecord::id).containsExactly("c3");
        assertThat(store.search("%", 10)).extracting(ConversationRecord::id).containsExactly("c3");
        assertThat(store.search("e_i", 10)).isEmpty(); // "Where is" would match a wildcard
        assertThat(store.search("under_score", 10))
                .extracting(ConversationRecord::id)
                .containsExactly("c3");
        assertThat(store.search("nothing like it", 10)).isEmpty();
    }

    @Test
    void openConversations_areTheNotClosedOnes_oldestFirst() throws Exception {
        done(store.saveConversation(conversation("c3", "v1", ConversationState.ASSIGNED, T0.plusSeconds(30))));
        done(store.saveConversation(conversation("c1", "v1", ConversationState.CLOSED, T0)));
        done(store.saveConversation(conversation("c2", "v2", ConversationState.QUEUED, T0.plusSeconds(20))));
        done(store.saveConversation(conversation("c0", "v2", ConversationState.BOT, T0.plusSeconds(10))));

        assertThat(store.openConversations()).extracting(ConversationRecord::id).containsExactly("c0", "c2", "c3");
    }

    @Test
    void conversationsOf_areTheVisitorsOwn_oldestFirst() throws Exception {
        done(store.saveConversation(conversation("c3", "v1", ConversationState.BOT, T0.plusSeconds(300))));
        done(store.saveConversation(conversation("c1", "v1", ConversationState.CLOSED, T0.plusSeconds(100))));
        done(store.saveConversation(conversation("cx", "v2", ConversationState.CLOSED, T0)));
        done(store.saveConversation(conversation("c2", "v1", ConversationState.CLOSED, T0.plusSeconds(200))));

        assertThat(store.conversationsOf("v1"))
                .extracting(ConversationRecord::id)
                .containsExactly("c1", "c2", "c3");
        assertThat(store.conversationsOf("nobody")).isEmpty();
    }

    @Test
    void nestedValues_roundTripThroughJson() throws Exception {
        BotTurn turn = new BotTurn(
                false,
                "faq-12",
                0.42,
                List.of(new Suggestion("faq-3", "How do I return an item?"), new Suggestion("faq-7", "Shipping?")),
                true);
        turn = turn.withReplyTo(1); // the seq of the message it answers
        AgentInfo bob = new AgentInfo("a_bob", "Bob");
        List<TranscriptEvent> events = List.of(
                message(1, "m1", "Can I return shoes? ünïcødé ✓"),
                TranscriptEvent.bot("Maybe one of these?", turn).stamped(2, T0.plusSeconds(2)),
                TranscriptEvent.handoff(null, null, HandoffReason.BOT_UNSURE).stamped(3, T0.plusSeconds(3)),
                TranscriptEvent.assigned(null, bob).stamped(4, T0.plusSeconds(4)),
                TranscriptEvent.rated("m9", ADA, 4, "quick and kind").stamped(5, T0.plusSeconds(5)));
        for (TranscriptEvent e : events) {
            done(store.append("c1", e));
        }
        VisitorRecord v = new VisitorRecord(
                "v1",
                "vt_1",
                new VisitorContext(
                        "Ada",
                        "ada@example.com",
                        "en",
                        "Europe/London",
                        "Firefox",
                        new Page("https://shop.example/returns", "Returns", "https://search"),
                        Map.of("plan", "pro", "orders", "3")),
                T0);
        done(store.saveVisitor(v));

        assertThat(store.events("c1", 0)).containsExactlyElementsOf(events);
        assertThat(store.visitorByToken("vt_1")).contains(v);
    }

    @Test
    void timestamps_keepMicroseconds() throws Exception {
        Instant precise = Instant.parse("2025-06-30T23:59:59.987654321Z");
        done(store.append("c1", TranscriptEvent.message(null, ADA, "x").stamped(1, precise)));
        assertThat(store.events("c1", 0).get(0).ts()).isEqualTo(Instant.parse("2025-06-30T23:59:59.987654Z"));
    }

    @Test
    void reopening_keepsEverything_andSeqContinues() throws Exception {
        VisitorRecord v = visitor("v1", "vt_1");
        ConversationRecord c = conversation("c1", "v1", ConversationState.QUEUED, T0);
        done(store.saveVisitor(v));
        done(store.saveConversation(c));
        for (long seq = 1; seq <= 3; seq++) {
            done(store.append("c1", message(seq, "m" + seq, "text " + seq)));
        }
        store.close();

        JdbcConversationStore again = reopen();
        assertThat(again.visitorByToken("vt_1")).contains(v);
        assertThat(again.conversation("c1")).contains(c);
        assertThat(again.openConversations()).containsExactly(c);
        assertThat(again.events("c1", 0)).extracting(TranscriptEvent::seq).containsExactly(1L, 2L, 3L);
        assertRejected(again.append("c1", message(3, null, "again")), "expected 4");
        done(again.append("c1", message(4, null, "four")));
        assertThat(again.events("c1", 3)).extracting(TranscriptEvent::text).containsExactly("four");
    }

    @Test
    void close_commitsEverythingSubmitted_thenRefusesWrites() throws Exception {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (long seq = 1; seq <= 1000; seq++) {
            futures.add(store.append("c1", message(seq, null, "m" + seq)));
        }
        store.close();
        assertThat(futures).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertRejected(store.append("c1", message(1001, null, "late")), "store is closed");
        assertThatThrownBy(() -> store.events("c1", 0))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("closed");

        assertThat(reopen().events("c1", 0))
                .extracting(TranscriptEvent::seq)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, 1000).boxed().toList());
    }

    @Test
    void groupCommit_tenThousandConcurrentAppends_allCommittedAndReadableAfterReopen() throws Exception {
        int threads = 8;
        int conversationsPerThread = 5;
        int perConversation = 250; // 8 x 5 x 250 = 10,000
        List<CompletableFuture<Void>> all =
                StoreLoad.appendConcurrently(store, threads, conversationsPerThread, perConversation);
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        assertThat(all).hasSize(10_000).noneMatch(CompletableFuture::isCompletedExceptionally);
        store.close();

        JdbcConversationStore again = reopen();
        for (int t = 0; t < threads; t++) {
            for (int k = 0; k < conversationsPerThread; k++) {
                assertThat(again.events(StoreLoad.conversationId(t, k), 0))
                        .extracting(TranscriptEvent::seq)
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, perConversation)
                                .boxed()
                                .toList());
            }
        }
        assertThat(count("SELECT COUNT(*) FROM stored_events")).isEqualTo(10_000);
    }

    @Test
    void throughput_twentyThousandAppends_isPrinted() throws Exception {
        StoreLoad.Result r = StoreLoad.measure(store, 4, 50, 100); // 4 x 50 x 100 = 20,000
        System.out.printf(
                "[store throughput] %s: %,d appends acknowledged in %,d ms = %,.0f messages/s%n",
                engine(), r.appends(), r.millis(), r.perSecond());
        assertThat(store.events(StoreLoad.conversationId(3, 49), 0)).hasSize(100);
    }

    // ----------------------------------------------------------------------------- helpers

    /** Holds the writer while {@code writes} are submitted, so they all land in one batch. */
    final List<CompletableFuture<Void>> inOneBatch(java.util.function.Supplier<List<CompletableFuture<Void>>> writes)
            throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> hold = store.writer().submit("hold the writer", tx -> {
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(held.await(10, TimeUnit.SECONDS)).as("writer took the hold").isTrue();
        List<CompletableFuture<Void>> futures = writes.get();
        release.countDown();
        done(hold);
        return futures;
    }

    static void done(CompletableFuture<?> f) throws Exception {
        f.get(30, TimeUnit.SECONDS);
    }

    static void assertRejected(CompletableFuture<Void> f, String messagePart) {
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(messagePart);
    }

    final long count(String sql) throws SQLException {
        try (Connection c = rawConnection()) {
            return count(c, sql);
        }
    }

    /** The number the one-row, one-column {@code sql} selects over {@code c}; a row count, say. */
    static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static TranscriptEvent message(long seq, String clientId, String text) {
        return TranscriptEvent.message(clientId, ADA, text).stamped(seq, T0.plusSeconds(seq));
    }

    static ConversationRecord conversation(String id, String visitorId, ConversationState state, Instant startedAt) {
        return ConversationRecord.builder(id, visitorId, state, startedAt)
                .firstLine("first line of " + id)
                .build();
    }

    static VisitorRecord visitor(String id, String token) {
        return new VisitorRecord(id, token, context("Ada"), T0);
    }

    static VisitorContext context(String name) {
        return new VisitorContext(
                name, null, "en", null, null, new Page("https://shop.example/", "Shop", null), Map.of("plan", "pro"));
    }
}
