package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.bot.FaqBot;
import dev.concierge.bot.FaqEntry;
import dev.concierge.bot.KnowledgeBase;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.ChatServer;
import dev.concierge.server.auth.Site;
import dev.concierge.server.support.Ids;
import dev.concierge.store.ConversationMetrics;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationTranscript;
import dev.concierge.store.InMemoryConversationStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Conversations nobody comes back to end by themselves, driven by the router's clock (moved by
 * the test, never waited for): idle ones with the bot close, queued ones of visitors who left
 * become follow-ups or close; each is a stored event, and what nobody needs leaves memory.
 */
final class ExpiryTest extends RouterFixture {
    private static final RetentionConfig RETENTION = new RetentionConfig(
            Duration.ofMinutes(30), Duration.ofMinutes(15), Duration.ofDays(90), Duration.ofHours(1));

    private final InMemoryConversationStore store = new InMemoryConversationStore(clock);

    private Router start() {
        return start(RETENTION);
    }

    private Router start(RetentionConfig retention) {
        KnowledgeBase kb = new KnowledgeBase(
                "en",
                List.of(new FaqEntry(
                        "returns",
                        List.of("How do I return an item?", "Can I send something back?"),
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
                retention);
        return router;
    }

    private void sweep() {
        router.call(() -> {
            router.expiry.sweep();
            return null;
        });
        settle();
    }

    /** Asks the bot something and waits for the answer; returns the conversation id. */
    private String askBot(Recorder visitor) {
        router.request(visitor, Role.VISITOR, new ClientMessage.Send(id(), null, "How do I return an item?", null));
        settleUntil(() -> visitor.events().stream().anyMatch(e -> e.kind() == Kind.BOT));
        return visitor.last(ServerMessage.Ack.class).conversationId();
    }

    private boolean inMemory(String conversationId) {
        return router.call(() -> router.live.conversation(conversationId).isPresent());
    }

    private boolean visitorInMemory(String visitorId) {
        return router.call(() -> router.live.visitor(visitorId).isPresent());
    }

    private static TranscriptEvent last(List<TranscriptEvent> events) {
        return events.get(events.size() - 1);
    }

    @Test
    void builderRejectsBadRetentionValues_namingTheField() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ChatServer.builder().botIdleClose(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("botIdleClose");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ChatServer.builder().queuedVisitorGoneAfter(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("queuedVisitorGoneAfter");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ChatServer.builder().retentionDays(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retentionDays");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ChatServer.builder().purgeInterval(Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("purgeInterval");
        ChatServer.builder().retentionDays(0).botIdleClose(Duration.ofMinutes(5)); // 0 keeps forever
    }

    @Test
    void botConversationIdleForTheConfiguredTime_closesAsInactive_andLeavesMemory() {
        start();
        Recorder v = visitor(null);
        String visitorId = v.last(ServerMessage.Welcome.class).visitorId();
        String c = askBot(v);
        router.disconnected(v);
        settle();

        clock.advance(Duration.ofMinutes(29));
        sweep();
        assertThat(inMemory(c)).as("idle 29 of 30 minutes: still open").isTrue();
        assertThat(store.conversation(c).orElseThrow().state()).isEqualTo(ConversationState.BOT);

        clock.advance(Duration.ofMinutes(1));
        sweep();
        TranscriptEvent closed = last(store.events(c, 0));
        assertThat(closed.kind()).isEqualTo(Kind.CLOSED);
        assertThat(closed.reason()).isEqualTo("inactive");
        assertThat(closed.author().role()).isEqualTo(Role.SYSTEM);
        ConversationRecord record = store.conversation(c).orElseThrow();
        assertThat(record.state()).isEqualTo(ConversationState.CLOSED);
        // The insights see it closed, answered by the bot.
        ConversationMetrics m = ConversationMetrics.of(new ConversationTranscript(record, store.events(c, 0)));
        assertThat(m.state()).isEqualTo(ConversationState.CLOSED);
        assertThat(m.outcome()).isEqualTo(ConversationMetrics.Outcome.BOT_RESOLVED);
        assertThat(inMemory(c)).as("closed, nobody connected: gone from memory").isFalse();
        assertThat(visitorInMemory(visitorId)).isFalse();
    }

    @Test
    void idleBotConversationOfAConnectedVisitor_closes_butStaysForTheirRating() {
        start();
        Recorder v = visitor(null);
        String c = askBot(v);
        clock.advance(Duration.ofMinutes(30));
        sweep();
        assertThat(last(v.events()).kind()).isEqualTo(Kind.CLOSED);
        assertThat(last(v.events()).reason()).isEqualTo("inactive");
        assertThat(inMemory(c)).isTrue();
        router.request(v, Role.VISITOR, new ClientMessage.Rate("r1", c, 5, "thanks"));
        settle();
        assertThat(last(store.events(c, 0)).kind()).isEqualTo(Kind.RATED);
    }

    @Test
    void closedConversations_arePurgedAfterTheRetention_orKeptForeverWithZero() {
        start();
        Recorder v = visitor(null);
        String c = askBot(v);
        router.request(v, Role.VISITOR, new ClientMessage.Close("x1", c, null));
        settle();
        clock.advance(Duration.ofDays(90).minusMinutes(1));
        assertThat(router.purge().conversations()).isEmpty();
        clock.advance(Duration.ofMinutes(2));
        assertThat(router.purge().conversations())
                .extracting(ConversationRecord::id)
                .containsExactly(c);
        assertThat(store.conversation(c)).isEmpty();
        assertThat(store.events(c, 0)).isEmpty();
        assertThat(inMemory(c)).isFalse();

        router.close();
        start(new RetentionConfig(Duration.ofMinutes(30), Duration.ofMinutes(15), Duration.ZERO, Duration.ofHours(1)));
        Recorder w = visitor(null);
        String kept = askBot(w);
        router.request(w, Role.VISITOR, new ClientMessage.Close("x2", kept, null));
        settle();
        clock.advance(Duration.ofDays(3650));
        assertThat(router.purge().conversations()).isEmpty();
        assertThat(store.conversation(kept)).isPresent();
    }

    @Test
    void activity_resetsTheIdleTime() {
        start();
        Recorder v = visitor(null);
        String c = askBot(v);
        clock.advance(Duration.ofMinutes(20));
        router.request(v, Role.VISITOR, new ClientMessage.Send(id(), c, "Can I send something back?", null));
        settleUntil(() -> v.events().stream().filter(e -> e.kind() == Kind.BOT).count() == 2);
        clock.advance(Duration.ofMinutes(20));
        sweep();
        assertThat(store.conversation(c).orElseThrow().state()).isEqualTo(ConversationState.BOT);
    }

    @Test
    void queuedVisitorWhoLeft_withAnEmail_becomesAFollowUp_withoutOne_isClosed_andConnectedOnesWait() {
        start();
        Recorder withEmail = visitorWith("ada@example.com");
        Recorder anonymous = visitor(null);
        Recorder stays = visitor(null);
        String followUp = handoff(withEmail);
        String closed = handoff(anonymous);
        String waiting = handoff(stays);
        String anonymousId = anonymous.last(ServerMessage.Welcome.class).visitorId();
        router.disconnected(withEmail);
        router.disconnected(anonymous);
        settle();

        clock.advance(Duration.ofMinutes(14));
        sweep();
        assertThat(store.conversation(followUp).orElseThrow().state()).isEqualTo(ConversationState.QUEUED);
        assertThat(store.conversation(closed).orElseThrow().state()).isEqualTo(ConversationState.QUEUED);

        clock.advance(Duration.ofMinutes(1));
        sweep();
        assertThat(store.conversation(followUp).orElseThrow().state()).isEqualTo(ConversationState.FOLLOW_UP);
        TranscriptEvent left = last(store.events(followUp, 0));
        assertThat(left.kind()).isEqualTo(Kind.QUEUED);
        assertThat(left.reason()).isEqualTo("visitor_left");
        assertThat(left.text()).contains("ada@example.com");

        assertThat(store.conversation(closed).orElseThrow().state()).isEqualTo(ConversationState.CLOSED);
        assertThat(last(store.events(closed, 0)).reason()).isEqualTo("visitor_left");
        assertThat(inMemory(closed)).isFalse();
        assertThat(visitorInMemory(anonymousId)).isFalse();

        assertThat(store.conversation(waiting).orElseThrow().state()).isEqualTo(ConversationState.QUEUED);
        List<QueueEntry> queue =
                router.call(() -> router.dispatcher.queuePage(0).entries());
        assertThat(queue).extracting(QueueEntry::conversationId).containsExactly(waiting, followUp);
        assertThat(queue.get(1).followUp()).isTrue();

        // Hours later the connected visitor still waits.
        clock.advance(Duration.ofHours(3));
        sweep();
        assertThat(store.conversation(waiting).orElseThrow().state()).isEqualTo(ConversationState.QUEUED);
    }

    @Test
    void queuedVisitorWhoCameBack_isNotTreatedAsGone() {
        start();
        Recorder first = visitorWith(null);
        String c = handoff(first);
        String token = first.last(ServerMessage.Welcome.class).visitorToken();
        router.disconnected(first);
        settle();
        clock.advance(Duration.ofMinutes(10));
        Recorder again = new Recorder();
        router.visitorHello(again, new ClientMessage.Hello(id(), 1, "demo", token, null, null, null, null, null));
        settleUntil(() -> !again.all(ServerMessage.Welcome.class).isEmpty()); // after a store read
        assertThat(again.last(ServerMessage.Welcome.class).conversationId()).isEqualTo(c);
        clock.advance(Duration.ofMinutes(10));
        sweep();
        assertThat(store.conversation(c).orElseThrow().state()).isEqualTo(ConversationState.QUEUED);
        router.disconnected(again);
        settle();
        clock.advance(Duration.ofMinutes(15));
        sweep();
        assertThat(store.conversation(c).orElseThrow().state()).isEqualTo(ConversationState.CLOSED);
    }

    @Test
    void recoveredFollowUp_showsTheLeftMessage_inTheQueueAndThePackage() {
        start();
        Recorder v = visitor(null);
        router.request(
                v,
                Role.VISITOR,
                new ClientMessage.LeaveMessage("m1", null, "Ada", "ada@example.com", "Please call me back"));
        settle();
        String id = v.last(ServerMessage.Ack.class).conversationId();
        router.close();
        // The next morning: a restart, then an agent signs in and answers the follow-up.
        start();
        router.call(() -> {
            Recovery.recover(router, agentId -> java.util.Optional.empty());
            return null;
        });
        Recorder a = agent("a");
        QueueEntry entry = a.last(ServerMessage.Queue.class).entries().get(0);
        assertThat(entry.followUp()).isTrue();
        assertThat(entry.preview()).isEqualTo("Please call me back");
        router.request(a, Role.AGENT, new ClientMessage.Accept(id(), id));
        settle();
        assertThat(a.last(ServerMessage.Assigned.class).handoff().question()).isEqualTo("Please call me back");
    }

    @Test
    void recoveredConversations_expireFromTheRestart() {
        start();
        Recorder v = visitor(null);
        String bot = askBot(v);
        Recorder q = visitor(null);
        String queued = handoff(q);
        router.close();
        // A restart: nobody is connected; the clock counts from the recovery.
        clock.advance(Duration.ofMinutes(5));
        start();
        router.call(() -> {
            Recovery.recover(router, id -> java.util.Optional.empty());
            return null;
        });
        assertThat(inMemory(bot)).isTrue();
        assertThat(inMemory(queued)).isTrue();
        clock.advance(Duration.ofMinutes(25));
        sweep();
        assertThat(inMemory(bot)).as("idle 30 minutes in all").isFalse();
        assertThat(store.conversation(bot).orElseThrow().state()).isEqualTo(ConversationState.CLOSED);
        assertThat(inMemory(queued)).as("gone for 25 minutes since the restart").isFalse();
        assertThat(store.conversation(queued).orElseThrow().state()).isEqualTo(ConversationState.CLOSED);
    }
}
