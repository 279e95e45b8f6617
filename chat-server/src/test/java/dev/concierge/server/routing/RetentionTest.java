package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.bot.FaqBot;
import dev.concierge.bot.FaqEntry;
import dev.concierge.bot.KnowledgeBase;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.auth.Site;
import dev.concierge.server.insights.InsightsRange;
import dev.concierge.server.insights.InsightsReport;
import dev.concierge.server.support.Ids;
import dev.concierge.server.testing.Await;
import dev.concierge.store.ConversationMetrics;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.JdbcConversationStore;
import dev.concierge.store.JdbcDatabase;
import dev.concierge.store.MergedEvents;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The purge on the router's clock, over the embedded SQLite store: closed conversations older
 * than the retention period leave both database files and memory; their visitors go with them
 * unless connected; the insights keep anonymous figures.
 */
final class RetentionTest extends RouterFixture {
    @TempDir
    Path dataDir;

    private JdbcConversationStore store;

    private void start() {
        store = JdbcConversationStore.sqlite(dataDir, clock);
        KnowledgeBase kb = new KnowledgeBase(
                "en",
                List.of(new FaqEntry(
                        "returns",
                        List.of("How do I return an item?"),
                        List.of(),
                        List.of(),
                        "Use the returns form.",
                        List.of("returns"),
                        null,
                        List.of())));
        router = new Router(
                store,
                new BotService(FaqBot.create(kb), 1),
                clock,
                Ids.secure(),
                config("least-busy", 5),
                id -> Set.of(),
                Map.of("demo", Site.demo()),
                new RetentionConfig(
                        Duration.ofMinutes(30), Duration.ofMinutes(15), Duration.ofDays(90), Duration.ofHours(1)));
    }

    @AfterEach
    void closeStore() {
        if (router != null) {
            router.close();
            router = null;
        }
        if (store != null) {
            store.close();
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(JdbcDatabase.SQLITE_FILE))) {
            MergedEvents.attach(c, dataDir.resolve(MergedEvents.FILE));
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Every row anywhere that names the conversation or its visitor. */
    private long rowsOf(String conversationId, String visitorId) throws SQLException {
        return count("SELECT COUNT(*) FROM conversations WHERE id = '" + conversationId + "' OR visitor_id = '"
                        + visitorId + "'")
                + count("SELECT COUNT(*) FROM recent_events WHERE conversation_id = '" + conversationId + "'")
                + count("SELECT COUNT(*) FROM merged.conversation_keys WHERE conversation_id = '" + conversationId
                        + "'")
                + count("SELECT COUNT(*) FROM visitors WHERE id = '" + visitorId + "'")
                + count("SELECT COUNT(*) FROM verified_users WHERE visitor_id = '" + visitorId + "'");
    }

    private String chat(Recorder visitor) {
        router.request(visitor, Role.VISITOR, new ClientMessage.Send(id(), null, "How do I return an item?", null));
        settleUntil(() -> visitor.events().stream().anyMatch(e -> e.kind() == Kind.BOT));
        return visitor.last(ServerMessage.Ack.class).conversationId();
    }

    @Test
    void closedConversationsOlderThanTheRetention_leaveTheStoreAndMemory_figuresStay() throws Exception {
        start();
        Recorder gone = visitor(null);
        String goneVisitor = gone.last(ServerMessage.Welcome.class).visitorId();
        String expired = chat(gone);
        router.disconnected(gone);
        Recorder stays = visitor(null);
        String staysVisitor = stays.last(ServerMessage.Welcome.class).visitorId();
        String closedByVisitor = chat(stays);
        router.request(stays, Role.VISITOR, new ClientMessage.Close("x1", closedByVisitor, null));
        settle();
        clock.advance(Duration.ofMinutes(30));
        router.call(() -> {
            router.expiry.sweep();
            return null;
        });
        // It leaves memory once its closed event is stored (the store's writer completes it).
        settleUntil(() -> !router.call(() -> router.live.conversation(expired).isPresent()));
        assertThat(router.call(() -> router.live.conversation(expired).isPresent()))
                .isFalse();
        assertThat(router.call(() -> router.live.conversation(closedByVisitor).isPresent()))
                .as("its visitor is connected: kept for the rating")
                .isTrue();
        Await.until("events merged into " + MergedEvents.FILE, () -> {
            try {
                long merged = count("SELECT COUNT(*) FROM merged.events");
                return merged > 0 && merged == count("SELECT COUNT(*) FROM stored_events");
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        });

        clock.advance(Duration.ofDays(89));
        assertThat(router.purge().conversations()).isEmpty();
        assertThat(store.events(expired, 0)).extracting(e -> e.kind()).contains(Kind.MESSAGE, Kind.BOT, Kind.CLOSED);
        assertThat(store.visitor(goneVisitor)).isPresent();

        clock.advance(Duration.ofDays(2));
        ConversationStore.Removed removed = router.purge();

        assertThat(removed.conversations())
                .extracting(ConversationRecord::id)
                .containsExactlyInAnyOrder(expired, closedByVisitor);
        assertThat(rowsOf(expired, goneVisitor)).isZero();
        assertThat(count("SELECT COUNT(*) FROM conversations")).isZero();
        assertThat(count("SELECT COUNT(*) FROM merged.events")).isZero();
        assertThat(count("SELECT COUNT(*) FROM recent_events")).isZero();
        assertThat(router.call(() -> router.live.conversations().isEmpty())).isTrue();
        assertThat(router.call(() -> router.live.visitor(goneVisitor).isPresent()))
                .isFalse();
        // The connected visitor stays, stored again as they are, with nothing of the purged chat.
        Visitor live = router.call(() -> router.live.visitor(staysVisitor).orElse(null));
        assertThat(router.call(() -> live.conversationIds.isEmpty() && live.stored.isEmpty()))
                .isTrue();
        Await.until("the connected visitor stored again", () -> store.visitor(staysVisitor)
                .isPresent());
        // The insights count both, anonymously.
        List<ConversationMetrics> figures =
                store.figuresStartedBetween(clock.instant().minus(Duration.ofDays(92)), clock.instant(), 10);
        assertThat(figures).hasSize(2).allSatisfy(f -> {
            assertThat(f.outcome()).isEqualTo(ConversationMetrics.Outcome.BOT_RESOLVED);
            assertThat(f.conversationId()).isNotIn(expired, closedByVisitor);
        });
        InsightsReport report = InsightsReport.of(
                new InsightsRange(
                        clock.instant().minus(Duration.ofDays(92)), clock.instant(), InsightsRange.Bucket.DAY),
                store.transcriptsStartedBetween(clock.instant().minus(Duration.ofDays(92)), clock.instant(), 100),
                figures);
        assertThat(report.totals().conversations()).isEqualTo(2);
        assertThat(report.totals().deflectionRate()).isEqualTo(1.0);
    }
}
