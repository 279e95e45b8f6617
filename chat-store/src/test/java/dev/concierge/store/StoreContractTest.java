package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.Values.AgentInfo;
import dev.concierge.protocol.Values.Author;
import dev.concierge.protocol.Values.BotTurn;
import dev.concierge.protocol.Values.ConversationState;
import dev.concierge.protocol.Values.HandoffReason;
import dev.concierge.protocol.Values.Kind;
import dev.concierge.protocol.Values.Page;
import dev.concierge.protocol.Values.Role;
import dev.concierge.protocol.Values.Suggestion;
import dev.concierge.protocol.Values.TranscriptEvent;
import dev.concierge.protocol.Values.VisitorContext;
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
 * extends this, through {@link StoreMergeContractTest} (the merges and migrations of the events
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
        ConversationRecord assigned = new ConversationRecord(
                "c1",
                "v1",
                ConversationState.ASSIGNED,
                "a_bob",
                T0,
                "Where is my order?",
                null,
                T0.plusSeconds(5),
                T0.plusSeconds(9),
                HandoffReason.BOT_UNSURE);
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
        ConversationRecord followUp = new ConversationRecord(
                "c1",
                "v1",
                ConversationState.FOLLOW_UP,
                null,
                T0,
                "Call me back",
                null,
                T0,
                null,
                HandoffReason.OFFLINE_MESSAGE,
                "billing");
        done(store.saveConversation(followUp));
        assertThat(store.conversation("c1")).contains(followUp);
        assertThat(store.openConversations()).extracting(ConversationRecord::id).containsExactly("c1");
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
    void visitorByToken_findsByHash_andTheTokenIsNotStoredInClear() throws Exception {
        VisitorRecord ada = visitor("v1", "vt_secret-token");
        done(store.saveVisitor(ada));

        assertThat(store.visitorByToken("vt_secret-token")).contains(ada);
        assertThat(store.visitorByToken("vt_other")).isEmpty();
        try (Connection c = rawConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM visitors")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("token_hash"))
                    .isEqualTo(JdbcRows.tokenHash("vt_secret-token"))
                    .hasSize(64);
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                assertThat(rs.getString(i)).as("column " + i).doesNotContain("secret");
            }
        }
        VisitorRecord byId = store.visitor("v1").orElseThrow();
        assertThat(byId.token()).isEqualTo("sha256:" + JdbcRows.tokenHash("vt_secret-token"));
        done(store.saveVisitor(new VisitorRecord("v1", byId.token(), context("Ada L."), T0)));
        assertThat(store.visitorByToken("vt_secret-token")
                        .orElseThrow()
                        .context()
                        .name())
                .isEqualTo("Ada L.");
    }

    @Test
    void nestedValues_roundTripThroughJson() throws Exception {
        BotTurn turn = new BotTurn(
                false,
                "faq-12",
                0.42,
                List.of(new Suggestion("faq-3", "How do I return an item?"), new Suggestion("faq-7", "Shipping?")),
                true);
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
    void agentSessions_surviveAReopen_withTheirCredentialAndStart_andTheIdleOnesAreDeleted() throws Exception {
        Instant now = Instant.parse("2026-12-05T10:00:00.123456Z");
        Instant signedIn = now.minusSeconds(86_400);
        done(store.saveAgentSession(session("h1", "a1", now.minusSeconds(10), "cred-1", signedIn)));
        done(store.saveAgentSession(session("h2", "a2", now.minusSeconds(7200), "cred-2", signedIn)));
        done(store.saveAgentSession(session("h3", "a2", now.minusSeconds(5), "cred-2", now.minusSeconds(60))));
        // used again: only the last use changes, never the credential or the sign-in time
        done(store.saveAgentSession(session("h1", "a1", now, "other", now)));
        done(store.saveAgentSession(session("h4", "a4", now, "cred-4", now)));
        done(store.deleteAgentSession("h4"));
        store.close();

        JdbcConversationStore again = reopen();
        assertThat(again.agentSessionsUsedSince(now.minusSeconds(3600)))
                .containsExactly(
                        session("h3", "a2", now.minusSeconds(5), "cred-2", now.minusSeconds(60)),
                        session("h1", "a1", now, "cred-1", signedIn));
        done(again.deleteAgentSessionsOf("a2"));
        assertThat(again.agentSessionsUsedSince(Instant.EPOCH))
                .as("h2 was deleted as idle, h3 with its agent")
                .extracting(ConversationStore.AgentSession::tokenHash)
                .containsExactly("h1");
    }

    private static ConversationStore.AgentSession session(
            String hash, String agent, Instant lastUsed, String credential, Instant createdAt) {
        return new ConversationStore.AgentSession(hash, agent, lastUsed, credential, createdAt);
    }

    @Test
    void disabledAgents_surviveAReopen_untilEnabled() throws Exception {
        Instant at = Instant.parse("2026-12-05T10:00:00Z");
        done(store.saveAgentDisabled("a2", true, at));
        done(store.saveAgentDisabled("a1", true, at));
        done(store.saveAgentDisabled("a2", true, at.plusSeconds(60))); // disabled again: still once
        store.close();

        JdbcConversationStore again = reopen();
        assertThat(again.disabledAgents()).containsExactly("a1", "a2");
        done(again.saveAgentDisabled("a1", false, at.plusSeconds(120)));
        assertThat(again.disabledAgents()).containsExactly("a2");
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

    @Test
    void transcriptsStartedBetween_returnsConversationsOfThePeriodWithTheirEvents() throws Exception {
        done(store.saveConversation(conversation("early", "v1", ConversationState.CLOSED, T0.minusSeconds(60))));
        done(store.saveConversation(conversation("in1", "v1", ConversationState.CLOSED, T0)));
        done(store.saveConversation(conversation("in2", "v2", ConversationState.BOT, T0.plusSeconds(30))));
        done(store.saveConversation(conversation("late", "v2", ConversationState.BOT, T0.plusSeconds(3600))));
        done(store.append("early", message(1, null, "before")));
        done(store.append("in1", message(1, "m1", "one")));
        done(store.append(
                "in1",
                TranscriptEvent.bot("answer", new BotTurn(true, "returns", 0.91, List.of(), false))
                        .stamped(2, T0.plusSeconds(5))));
        done(store.append(
                "in1", TranscriptEvent.rated("r1", ADA, 4, "quick, thanks").stamped(3, T0.plusSeconds(9))));
        done(store.append("late", message(1, null, "after")));

        List<ConversationTranscript> found = store.transcriptsStartedBetween(T0, T0.plusSeconds(3600), 100);
        assertThat(found).extracting(t -> t.conversation().id()).containsExactly("in1", "in2");
        assertThat(found.get(0).events()).extracting(TranscriptEvent::seq).containsExactly(1L, 2L, 3L);
        assertThat(found.get(0).events().get(1).bot().entryId()).isEqualTo("returns");
        assertThat(found.get(0).events().get(2).comment()).isEqualTo("quick, thanks");
        assertThat(found.get(1).events()).isEmpty();
        assertThat(store.transcriptsStartedBetween(T0.minusSeconds(60), T0.plusSeconds(7200), 2))
                .extracting(t -> t.conversation().id())
                .containsExactly("early", "in1");
    }

    // ---- retention and erasure (docs/storage.md) ----

    /** The merged events' table: in the attached {@code events.db} on SQLite. */
    private String mergedEvents() {
        return engine().equals("SQLite") ? "merged.events" : "events";
    }

    private String conversationKeys() {
        return engine().equals("SQLite") ? "merged.conversation_keys" : "conversation_keys";
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = rawConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate(sql);
        }
    }

    private static TranscriptEvent event(long seq, Kind kind, String text, Integer score, String comment) {
        Author author = kind == Kind.NOTE ? new Author(Role.AGENT, "a1", "Agent") : ADA;
        return new TranscriptEvent(
                seq, T0.plusSeconds(seq), null, kind, author, text, null, null, null, score, comment);
    }

    /** Three messages, an agent's note and (closed ones) a close and a rating with a comment. */
    private void chat(String id, String visitorId, ConversationState state) throws Exception {
        done(store.saveConversation(conversation(id, visitorId, state, T0)));
        done(store.append(id, event(1, Kind.MESSAGE, "secret of " + id, null, null)));
        done(store.append(id, event(2, Kind.MESSAGE, "my address is 1 Main St", null, null)));
        done(store.append(id, event(3, Kind.NOTE, "note about " + id, null, null)));
        if (state == ConversationState.CLOSED) {
            done(store.append(id, event(4, Kind.CLOSED, null, null, null)));
            done(store.append(id, event(5, Kind.RATED, null, 4, "Ada here, thanks")));
        }
    }

    private long rowsOf(String conversationId) throws SQLException {
        return count("SELECT COUNT(*) FROM recent_events WHERE conversation_id = '" + conversationId + "'")
                + count("SELECT COUNT(*) FROM " + conversationKeys() + " WHERE conversation_id = '" + conversationId
                        + "'")
                + count("SELECT COUNT(*) FROM conversations WHERE id = '" + conversationId + "'")
                + count("SELECT COUNT(*) FROM event_authors WHERE conversation_id = '" + conversationId + "'");
    }

    @Test
    void purgeClosedBefore_deletesOldClosedConversationsWithAllTheirEvents_andVisitorsLeftWithout_keepingFigures()
            throws Exception {
        done(store.saveVisitor(visitor("v_old", "vt_old")));
        done(store.saveVisitor(visitor("v_both", "vt_both")));
        done(store.saveVisitor(visitor("v_lonely", "vt_lonely"))); // never chatted
        done(store.linkUser("demo", "u-old", "v_old"));
        chat("old", "v_old", ConversationState.CLOSED);
        chat("old2", "v_both", ConversationState.CLOSED);
        chat("open", "v_both", ConversationState.BOT);
        chat("recent", "v_both", ConversationState.CLOSED);
        store.close(); // a clean stop merges every event into the merged events
        store = reopen();
        done(store.append("old2", event(6, Kind.MESSAGE, "still in recent_events", null, null)));
        long mergedBefore = count("SELECT COUNT(*) FROM " + mergedEvents());
        assertThat(mergedBefore).isEqualTo(5 + 5 + 3 + 5);
        execute("UPDATE conversations SET updated_at = 0 WHERE id IN ('old', 'old2', 'open')"); // 1970
        Instant cutoff = Instant.now().minusSeconds(3600);

        ConversationStore.Removed removed = store.purgeClosedBefore(cutoff);

        assertThat(removed.conversations()).extracting(ConversationRecord::id).containsExactly("old", "old2");
        assertThat(removed.visitorIds()).containsExactlyInAnyOrder("v_old", "v_lonely");
        for (String gone : List.of("old", "old2")) {
            assertThat(store.conversation(gone)).isEmpty();
            assertThat(store.events(gone, 0)).isEmpty();
            assertThat(rowsOf(gone)).as("rows of " + gone).isZero();
        }
        assertThat(count("SELECT COUNT(*) FROM " + mergedEvents()))
                .as("merged events left")
                .isEqualTo(3 + 5);
        assertThat(store.visitor("v_old")).isEmpty();
        assertThat(store.visitor("v_lonely")).isEmpty();
        assertThat(store.visitorOfUser("demo", "u-old")).isEmpty();
        assertThat(store.search("secret of old", 10)).isEmpty();
        // What is not old or not closed stays whole.
        assertThat(store.visitor("v_both")).isPresent();
        assertThat(store.events("open", 0)).hasSize(3);
        assertThat(store.events("recent", 0)).hasSize(5);
        assertThat(store.conversationsOf("v_both"))
                .extracting(ConversationRecord::id)
                .containsExactly("open", "recent");
        // The insights keep anonymous figures of the two.
        List<ConversationMetrics> figures = store.figuresStartedBetween(T0.minusSeconds(1), T0.plusSeconds(1), 10);
        assertThat(figures).hasSize(2).allSatisfy(f -> {
            assertThat(f.conversationId()).startsWith("f_").isNotIn("old", "old2");
            assertThat(f.comment()).isNull();
            assertThat(f.score()).isEqualTo(4);
            assertThat(f.state()).isEqualTo(ConversationState.CLOSED);
            assertThat(f.startedAt()).isEqualTo(T0);
        });
        assertThat(figures).extracting(ConversationMetrics::visitorMessages).containsExactlyInAnyOrder(2, 3);
        try (Connection c = rawConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT * FROM conversation_figures")) {
            while (rs.next()) {
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    assertThat(String.valueOf(rs.getString(i)))
                            .doesNotContain("old")
                            .doesNotContain("v_")
                            .doesNotContain("Ada");
                }
            }
        }
        // Nothing left to purge: a second run deletes nothing more.
        assertThat(store.purgeClosedBefore(cutoff).conversations()).isEmpty();
        assertThat(store.events("recent", 0)).hasSize(5);
    }

    @Test
    void eraseVisitor_deletesTheirRowLinksAndEveryConversation_openOrNot_andNoOneElses() throws Exception {
        done(store.saveVisitor(visitor("v_ada", "vt_ada")));
        done(store.saveVisitor(visitor("v_bob", "vt_bob")));
        done(store.linkUser("demo", "u-ada", "v_ada"));
        chat("a1", "v_ada", ConversationState.CLOSED);
        chat("b1", "v_bob", ConversationState.CLOSED);
        store.close();
        store = reopen();
        chat("a2", "v_ada", ConversationState.QUEUED); // in recent_events, not merged yet

        ConversationStore.Removed removed = store.eraseVisitor("v_ada");

        assertThat(removed.conversations()).extracting(ConversationRecord::id).containsExactly("a1", "a2");
        assertThat(removed.visitorIds()).containsExactly("v_ada");
        assertThat(store.visitor("v_ada")).isEmpty();
        assertThat(store.visitorByToken("vt_ada")).isEmpty();
        assertThat(store.visitorOfUser("demo", "u-ada")).isEmpty();
        assertThat(store.conversationsOf("v_ada")).isEmpty();
        for (String gone : List.of("a1", "a2")) {
            assertThat(store.events(gone, 0)).isEmpty();
            assertThat(rowsOf(gone)).as("rows of " + gone).isZero();
        }
        assertThat(count("SELECT COUNT(*) FROM " + mergedEvents())).isEqualTo(5);
        assertThat(store.events("b1", 0)).hasSize(5);
        assertThat(store.visitor("v_bob")).isPresent();
        assertThat(store.figuresStartedBetween(T0, T0.plusSeconds(1), 10)).hasSize(2);
        assertThat(store.eraseVisitor("v_nobody").conversations()).isEmpty();
    }

    @Test
    void visitorsByEmail_matchesTheWholeAddress_ignoringCase_withNoWildcards() throws Exception {
        done(store.saveVisitor(new VisitorRecord(
                "v1", "vt_1", new VisitorContext("Ada", "ada@example.com", null, null, null, null, Map.of()), T0)));
        done(store.saveVisitor(new VisitorRecord(
                "v2", "vt_2", new VisitorContext("Ada", "ADA@Example.com", null, null, null, null, Map.of()), T0)));
        done(store.saveVisitor(new VisitorRecord(
                "v3",
                "vt_3",
                new VisitorContext(
                        "Linda", "linda@example.com", null, null, null, null, Map.of("note", "ada@example.com")),
                T0)));
        assertThat(store.visitorsByEmail("Ada@example.COM")).containsExactly("v1", "v2");
        assertThat(store.visitorsByEmail("da@example.com")).isEmpty();
        assertThat(store.visitorsByEmail("%@example.com")).isEmpty();
        assertThat(store.visitorsByEmail("_da@example.com")).isEmpty();
    }

    @Test
    void aVisitorsName_isStoredOncePerConversation_notWithEachEvent_andReadBackWithEveryEvent() throws Exception {
        String name = "Ada " + "Z".repeat(196); // the longest name a context may carry
        Author ada = new Author(Role.VISITOR, "v_ada", name);
        done(store.saveConversation(conversation("c1", "v_ada", ConversationState.BOT, T0)));
        List<TranscriptEvent> written = new ArrayList<>();
        for (long seq = 1; seq <= 20; seq++) {
            written.add(TranscriptEvent.message("m" + seq, ada, "text " + seq).stamped(seq, T0.plusSeconds(seq)));
        }
        done(store.appendAll("c1", written.subList(0, 10)));
        for (TranscriptEvent e : written.subList(10, 20)) {
            done(store.append("c1", e));
        }
        done(store.append("c2", TranscriptEvent.message(null, ada, "elsewhere").stamped(1, T0)));

        assertThat(count("SELECT COUNT(*) FROM stored_events")).isEqualTo(21);
        assertThat(count("SELECT COUNT(*) FROM stored_events WHERE author_json LIKE '%ZZZZ%'"))
                .isZero();
        assertThat(count("SELECT COUNT(*) FROM event_authors")).isEqualTo(2); // one per conversation
        assertThat(store.events("c1", 0)).containsExactlyElementsOf(written);
        assertThat(store.events("c1", 15)).containsExactlyElementsOf(written.subList(15, 20));
        assertThat(store.transcriptsStartedBetween(T0, T0.plusSeconds(1), 10)
                        .get(0)
                        .events())
                .containsExactlyElementsOf(written);

        // A new name (the visitor wrote it in a form) is the conversation's from then on, and survives a restart.
        Author renamed = new Author(Role.VISITOR, "v_ada", "Ada Lovelace");
        done(store.append(
                "c1", TranscriptEvent.message("m21", renamed, "now named").stamped(21, T0.plusSeconds(21))));
        store.close();
        JdbcConversationStore again = reopen();
        assertThat(again.events("c1", 0))
                .extracting(e -> e.author().name())
                .containsOnly("Ada Lovelace")
                .hasSize(21);
        assertThat(again.events("c2", 0)).extracting(e -> e.author().name()).containsExactly(name);
        assertThat(count("SELECT COUNT(*) FROM event_authors")).isEqualTo(2);
    }

    @Test
    void aContextStoredBeforeTheLimits_isReadClippedToThem() throws Exception {
        done(store.saveVisitor(visitor("v1", "vt_1")));
        StringBuilder attributes = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            attributes
                    .append(",\"k")
                    .append(i < 10 ? "0" : "")
                    .append(i)
                    .append("\":\"")
                    .append("v".repeat(500))
                    .append('"');
        }
        String old = "{\"name\":\"" + "N".repeat(60_000) + "\",\"email\":\"not an address\",\"language\":\"en\","
                + "\"page\":{\"url\":\"https://shop.example/\",\"title\":\"Line\\nbreak\"},"
                + "\"attributes\":{\"bad key\":\"x\"" + attributes + "}}";
        try (Connection c = rawConnection();
                java.sql.PreparedStatement ps =
                        c.prepareStatement("UPDATE visitors SET context_json = ? WHERE id = 'v1'")) {
            ps.setString(1, old);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        VisitorContext read = store.visitor("v1").orElseThrow().context();
        assertThat(read.name()).isEqualTo("N".repeat(VisitorContext.MAX_NAME));
        assertThat(read.email()).isNull();
        assertThat(read.language()).isEqualTo("en");
        assertThat(read.page().title()).isEqualTo("Linebreak");
        // As many as fit into 16 KiB with the rest: (16,384 - 232) / 503 characters each.
        assertThat(read.attributes()).hasSize(32).containsKey("k00").doesNotContainKey("bad key");
        assertThat(store.visitorByToken("vt_1").orElseThrow().context()).isEqualTo(read);
    }

    static void done(CompletableFuture<Void> f) throws Exception {
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
        try (Connection c = rawConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static TranscriptEvent message(long seq, String clientId, String text) {
        return TranscriptEvent.message(clientId, ADA, text).stamped(seq, T0.plusSeconds(seq));
    }

    static ConversationRecord conversation(String id, String visitorId, ConversationState state, Instant startedAt) {
        return new ConversationRecord(
                id, visitorId, state, null, startedAt, "first line of " + id, null, null, null, null);
    }

    static VisitorRecord visitor(String id, String token) {
        return new VisitorRecord(id, token, context("Ada"), T0);
    }

    static VisitorContext context(String name) {
        return new VisitorContext(
                name, null, "en", null, null, new Page("https://shop.example/", "Shop", null), Map.of("plan", "pro"));
    }
}
