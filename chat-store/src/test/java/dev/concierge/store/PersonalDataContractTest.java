package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.Role;
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
import org.junit.jupiter.api.Test;

/**
 * What every {@link JdbcConversationStore} keeps about people and how it lets go of it, whatever
 * the engine: visitors' tokens, names and contexts, agents' sessions, the transcripts read out for
 * insights, retention and erasure (docs/storage.md). Runs on each engine through {@link
 * StoreMergeContractTest}; the core of the contract is in {@link StoreContractTest}.
 */
abstract class PersonalDataContractTest extends IntegrationsContractTest {
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

    private static TranscriptEvent event(long seq, TranscriptEvent draft) {
        return draft.stamped(seq, T0.plusSeconds(seq));
    }

    /** Three messages, an agent's note and (closed ones) a close and a rating with a comment. */
    private void chat(String id, String visitorId, ConversationState state) throws Exception {
        done(store.saveConversation(conversation(id, visitorId, state, T0)));
        done(store.appendAll(
                id,
                List.of(event(1, TranscriptEvent.message(null, ADA, "secret of " + id))),
                List.of(mail(id, 1, "confirm." + id))));
        done(store.append(id, event(2, TranscriptEvent.message(null, ADA, "my address is 1 Main St"))));
        done(store.append(
                id, event(3, TranscriptEvent.note(null, new Author(Role.AGENT, "a1", "Agent"), "note about " + id))));
        if (state == ConversationState.CLOSED) {
            done(store.append(id, event(4, TranscriptEvent.closed(null, ADA, null))));
            done(store.append(id, event(5, TranscriptEvent.rated(null, ADA, 4, "Ada here, thanks"))));
        }
    }

    private long rowsOf(String conversationId) throws SQLException {
        return count("SELECT COUNT(*) FROM recent_events WHERE conversation_id = '" + conversationId + "'")
                + count("SELECT COUNT(*) FROM " + conversationKeys() + " WHERE conversation_id = '" + conversationId
                        + "'")
                + count("SELECT COUNT(*) FROM conversations WHERE id = '" + conversationId + "'")
                + count("SELECT COUNT(*) FROM event_authors WHERE conversation_id = '" + conversationId + "'")
                + count("SELECT COUNT(*) FROM mail_outbox WHERE conversation_id = '" + conversationId + "'");
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
        done(store.append("old2", event(6, TranscriptEvent.message(null, ADA, "still in recent_events"))));
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
        assertThat(store.mailOf("recent")).hasSize(1);
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
        assertThat(store.mailOf("b1")).hasSize(1);
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
}
