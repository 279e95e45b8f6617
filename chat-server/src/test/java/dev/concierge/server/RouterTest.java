package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.bot.FaqBot;
import dev.concierge.bot.FaqEntry;
import dev.concierge.bot.KnowledgeBase;
import dev.concierge.protocol.ClientMessage;
import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.AgentInfo;
import dev.concierge.protocol.Values.ConversationState;
import dev.concierge.protocol.Values.HandoffReason;
import dev.concierge.protocol.Values.Kind;
import dev.concierge.protocol.Values.PresenceStatus;
import dev.concierge.protocol.Values.QueueEntry;
import dev.concierge.protocol.Values.ReceiptStatus;
import dev.concierge.protocol.Values.Role;
import dev.concierge.protocol.Values.TranscriptEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router's routing, queue, presence, alerts, follow-ups and transfers, driven through its
 * entry points with recording sessions and a clock the test moves. No sockets: the end-to-end
 * tests cover those.
 */
class RouterTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z"); // a Monday

    /** A clock the test sets. */
    static final class TestClock extends Clock {
        volatile Instant now = T0;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    /** A socket that records what it is sent. */
    static final class Recorder implements Session {
        private static final AtomicInteger N = new AtomicInteger();
        final String id = "s" + N.incrementAndGet();
        final List<ServerMessage> frames = Collections.synchronizedList(new ArrayList<>());

        @Override
        public String id() {
            return id;
        }

        @Override
        public void send(ServerMessage message) {
            frames.add(message);
        }

        @Override
        public void close(int code, String reason) {
        }

        <T extends ServerMessage> List<T> all(Class<T> type) {
            synchronized (frames) {
                return frames.stream().filter(type::isInstance).map(type::cast).toList();
            }
        }

        <T extends ServerMessage> T last(Class<T> type) {
            List<T> list = all(type);
            assertThat(list).as("a %s frame", type.getSimpleName()).isNotEmpty();
            return list.get(list.size() - 1);
        }

        List<TranscriptEvent> events() {
            return all(ServerMessage.Event.class).stream().map(ServerMessage.Event::toTranscriptEvent).toList();
        }
    }

    private final TestClock clock = new TestClock();
    private final Map<String, Set<String>> departments = new HashMap<>();
    private Router router;
    private final AtomicInteger ids = new AtomicInteger();

    private Router router(RoutingConfig config) {
        KnowledgeBase kb = new KnowledgeBase("en", List.of(new FaqEntry("returns", List.of("How do I return an item?",
                "Can I send something back?"), List.of(), List.of(), "Use the returns form.", List.of("returns"), null,
                List.of())));
        router = new Router(new InMemoryConversationStore(), new BotService(FaqBot.create(kb), 1), clock, Ids.secure(),
                config, id -> departments.getOrDefault(id, Set.of()));
        return router;
    }

    @AfterEach
    void close() {
        if (router != null) {
            router.close();
        }
    }

    private static RoutingConfig config(String strategy, int cap) {
        return new RoutingConfig(strategy, cap, Duration.ofMinutes(2), Optional.empty(),
                List.of("billing", "orders"), List.of());
    }

    /** Waits until the router has run everything queued so far (twice: completions re-enter). */
    private void settle() {
        for (int i = 0; i < 3; i++) {
            router.call(() -> null);
        }
    }

    private String id() {
        return "r" + ids.incrementAndGet();
    }

    private Recorder agent(String id, String... depts) {
        departments.put(id, Set.of(depts));
        Recorder s = new Recorder();
        router.agentHello(s, new AgentInfo(id, id.toUpperCase()), new ClientMessage.Hello(id(), 1, null, null, "st", null, null));
        settle();
        return s;
    }

    private Recorder visitor(String department) {
        Recorder s = new Recorder();
        router.visitorHello(s, new ClientMessage.Hello(id(), 1, "demo", null, null, null, null, department, null));
        settle();
        return s;
    }

    private String handoff(Recorder visitor) {
        router.request(visitor, Role.VISITOR, new ClientMessage.Handoff(id(), null));
        settle();
        return visitor.last(ServerMessage.Ack.class).conversationId();
    }

    private Conversation conversation(String id) {
        return router.call(() -> router.conversations.get(id));
    }

    private List<String> owned(Recorder agent) {
        return agent.all(ServerMessage.Assigned.class).stream().map(ServerMessage.Assigned::conversationId).toList();
    }

    @Test
    void leastBusyFillsAgentsEvenlyUpToTheCapThenQueues() {
        router(config("least-busy", 2));
        Recorder a = agent("a");
        Recorder b = agent("b");
        Recorder c = agent("c");
        List<Recorder> visitors = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Recorder v = visitor(null);
            handoff(v);
            visitors.add(v);
        }
        assertThat(List.of(owned(a).size(), owned(b).size(), owned(c).size())).containsExactly(2, 2, 2);
        // The last two wait, in order, and know where they are.
        assertThat(visitors.get(6).last(ServerMessage.QueueStatus.class).position()).isEqualTo(1);
        assertThat(visitors.get(7).last(ServerMessage.QueueStatus.class).position()).isEqualTo(2);
        assertThat(a.last(ServerMessage.Queue.class).entries()).hasSize(2);
        // One chat closes: the first in the queue gets that agent, the second moves up.
        String first = owned(a).get(0);
        router.request(a, Role.AGENT, new ClientMessage.Close(id(), first, "resolved"));
        settle();
        assertThat(owned(a)).hasSize(3);
        assertThat(visitors.get(7).last(ServerMessage.QueueStatus.class).position()).isEqualTo(1);
    }

    @Test
    void roundRobinTakesAgentsInTurnWhateverTheirLoad() {
        router(config("round-robin", 5));
        Recorder a = agent("a");
        Recorder b = agent("b");
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String conversationId = handoff(visitor(null));
            order.add(conversation(conversationId).agentId);
        }
        assertThat(order).containsExactly("a", "b", "a", "b");
        // Closing a's chats does not make a the pick twice in a row.
        for (String id : owned(a)) {
            router.request(a, Role.AGENT, new ClientMessage.Close(id(), id, "resolved"));
        }
        settle();
        assertThat(conversation(handoff(visitor(null))).agentId).isEqualTo("a");
        assertThat(conversation(handoff(visitor(null))).agentId).isEqualTo("b");
    }

    @Test
    void departmentRoutingWaitsForTheTeamAndFallsBackWhenNobodyOfItWorks() {
        router(config("department", 1));
        Recorder orders = agent("olga", "orders");
        Recorder billing = agent("bill", "billing");
        String first = handoff(visitor("billing"));
        assertThat(conversation(first).agentId).isEqualTo("bill");
        // Bill is full: the next billing visitor waits for him although Olga is free.
        Recorder waiting = visitor("billing");
        String second = handoff(waiting);
        assertThat(conversation(second).state).isEqualTo(ConversationState.QUEUED);
        assertThat(owned(orders)).isEmpty();
        assertThat(waiting.last(ServerMessage.QueueStatus.class).position()).isEqualTo(1);
        // An orders visitor behind them is not blocked by the billing queue.
        String third = handoff(visitor("orders"));
        assertThat(conversation(third).agentId).isEqualTo("olga");
        // Bill signs off entirely: nobody of billing works, so anyone with room may take it.
        router.request(orders, Role.AGENT, new ClientMessage.Close(id(), third, "resolved"));
        router.request(billing, Role.AGENT, new ClientMessage.Presence(id(), PresenceStatus.OFFLINE));
        settle();
        assertThat(conversation(second).agentId).isEqualTo("olga");
    }

    @Test
    void returningVisitorGoesBackToTheirAgentWhenOnlineWithRoom() {
        router(config("least-busy", 3));
        Recorder a = agent("a");
        Recorder v = visitor(null);
        String first = handoff(v);
        assertThat(conversation(first).agentId).isEqualTo("a");
        handoff(visitor(null));
        handoff(visitor(null));
        router.request(a, Role.AGENT, new ClientMessage.Close(id(), first, "resolved"));
        settle();
        Recorder b = agent("b"); // idle: least-busy alone would pick b
        String again = handoff(v);
        assertThat(conversation(again).agentId).isEqualTo("a");
        assertThat(owned(b)).isEmpty();
        // When that agent is away, the visitor is not kept waiting for them.
        router.request(a, Role.AGENT, new ClientMessage.Presence(id(), PresenceStatus.AWAY));
        router.request(v, Role.VISITOR, new ClientMessage.Close(id(), again, null));
        settle();
        String third = handoff(v);
        assertThat(conversation(third).agentId).isEqualTo("b");
    }

    @Test
    void awayAgentsGetNothingNewAndVisitorsAreToldWhenNobodyIsAvailable() {
        router(config("least-busy", 5));
        Recorder v = visitor(null);
        assertThat(v.last(ServerMessage.Availability.class).agentsAvailable()).isFalse();
        Recorder a = agent("a");
        assertThat(v.last(ServerMessage.Availability.class).agentsAvailable()).isTrue();
        router.request(a, Role.AGENT, new ClientMessage.Presence(id(), PresenceStatus.AWAY));
        settle();
        assertThat(v.last(ServerMessage.Availability.class).agentsAvailable()).isFalse();
        String id = handoff(v);
        assertThat(conversation(id).state).isEqualTo(ConversationState.QUEUED);
        assertThat(v.events()).anySatisfy(e -> assertThat(e.text()).contains("Nobody is online"));
        assertThat(v.last(ServerMessage.QueueStatus.class).etaSeconds()).isNull();
        assertThat(a.last(ServerMessage.Agents.class).agents()).singleElement()
                .satisfies(s -> assertThat(s.presence()).isEqualTo(PresenceStatus.AWAY));
        // Back online: the waiting visitor is assigned at once.
        router.request(a, Role.AGENT, new ClientMessage.Presence(id(), PresenceStatus.ONLINE));
        settle();
        assertThat(owned(a)).containsExactly(id);
    }

    @Test
    void etaFollowsRecentHandlingTimeAndOnlineAgents() {
        router(config("least-busy", 1));
        Recorder a = agent("a");
        // Two chats handled in 10 minutes each make the average 600 s.
        for (int i = 0; i < 2; i++) {
            String id = handoff(visitor(null));
            clock.advance(Duration.ofMinutes(10));
            router.request(a, Role.AGENT, new ClientMessage.Close(id(), id, "resolved"));
            settle();
        }
        handoff(visitor(null)); // takes a's only slot
        Recorder first = visitor(null);
        Recorder second = visitor(null);
        handoff(first);
        handoff(second);
        assertThat(first.last(ServerMessage.QueueStatus.class).etaSeconds()).isEqualTo(600);
        assertThat(second.last(ServerMessage.QueueStatus.class).etaSeconds()).isEqualTo(1200);
        // A second agent online (who takes one at once) halves the wait of the rest.
        agent("b");
        assertThat(second.last(ServerMessage.QueueStatus.class).position()).isEqualTo(1);
        assertThat(second.last(ServerMessage.QueueStatus.class).etaSeconds()).isEqualTo(300);
    }

    @Test
    void longWaitRaisesOneAlertAndMarksTheEntryOverdue() {
        router(config("least-busy", 1));
        Recorder a = agent("a");
        handoff(visitor(null)); // a is full
        String waiting = handoff(visitor(null));
        clock.advance(Duration.ofSeconds(119));
        router.call(() -> {
            router.dispatcher.checkAlerts();
            return null;
        });
        settle();
        assertThat(a.all(ServerMessage.Alert.class)).isEmpty();
        clock.advance(Duration.ofSeconds(2));
        for (int i = 0; i < 3; i++) {
            router.call(() -> {
                router.dispatcher.checkAlerts();
                return null;
            });
        }
        settle();
        assertThat(a.all(ServerMessage.Alert.class)).singleElement().satisfies(alert -> {
            assertThat(alert.code()).isEqualTo("queue_wait");
            assertThat(alert.conversationId()).isEqualTo(waiting);
            assertThat(alert.waitedSeconds()).isEqualTo(121);
        });
        assertThat(a.last(ServerMessage.Queue.class).entries()).singleElement()
                .satisfies(e -> assertThat(e.overdue()).isTrue());
    }

    @Test
    void transfersGoToTheFrontOfTheQueueAheadOfEarlierArrivals() {
        router(config("department", 1));
        Recorder dana = agent("dana", "orders");
        Recorder bill = agent("bill", "billing");
        String billsChat = handoff(visitor("billing"));
        String danasChat = handoff(visitor("orders"));
        String early = handoff(visitor("billing")); // waits for bill
        router.request(dana, Role.AGENT, new ClientMessage.Transfer(id(), danasChat, null, "billing", "double charge"));
        settle();
        List<QueueEntry> queue = bill.last(ServerMessage.Queue.class).entries();
        assertThat(queue).extracting(QueueEntry::conversationId).containsExactly(danasChat, early);
        assertThat(queue.get(0).priority()).isEqualTo(1);
        assertThat(dana.last(ServerMessage.Released.class).department()).isEqualTo("billing");
        // Dana is free now but may not get it back; bill gets it first when he has room.
        router.request(bill, Role.AGENT, new ClientMessage.Close(id(), billsChat, "resolved"));
        settle();
        assertThat(conversation(danasChat).agentId).isEqualTo("bill");
        ServerMessage.Assigned pkg = bill.all(ServerMessage.Assigned.class).stream()
                .filter(x -> x.conversationId().equals(danasChat)).findFirst().orElseThrow();
        assertThat(pkg.handoff().transferNote()).isEqualTo("double charge");
        assertThat(pkg.handoff().transferredFrom().id()).isEqualTo("dana");
        assertThat(pkg.handoff().reason()).isEqualTo(HandoffReason.TRANSFER);
        assertThat(pkg.handoff().transcript()).extracting(TranscriptEvent::kind).contains(Kind.NOTE, Kind.TRANSFERRED);
    }

    @Test
    void transferToAnAgentCarriesTheNoteWhichTheVisitorNeverSees() {
        router(config("least-busy", 5));
        Recorder dana = agent("dana");
        Recorder v = visitor(null);
        router.request(v, Role.VISITOR, new ClientMessage.Send(id(), null, "My parcel arrived damaged", null));
        settle();
        String id = handoff(v);
        Recorder sam = agent("sam");
        router.request(dana, Role.AGENT, new ClientMessage.Send(id(), id, "Sorry to hear that!", null));
        router.request(dana, Role.AGENT, new ClientMessage.Note(id(), id, "VIP, offer free shipping"));
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t1", id, "sam", null, "needs a refund"));
        settle();
        ServerMessage.Assigned pkg = sam.last(ServerMessage.Assigned.class);
        assertThat(pkg.handoff().transcript()).extracting(TranscriptEvent::text).contains("My parcel arrived damaged",
                "Sorry to hear that!", "VIP, offer free shipping", "needs a refund");
        assertThat(pkg.handoff().transferNote()).isEqualTo("needs a refund");
        assertThat(dana.last(ServerMessage.Released.class).to().id()).isEqualTo("sam");
        assertThat(dana.last(ServerMessage.Ack.class).ref()).isEqualTo("t1");
        assertThat(v.events()).extracting(TranscriptEvent::kind).contains(Kind.TRANSFERRED).doesNotContain(Kind.NOTE);
        assertThat(v.events()).extracting(TranscriptEvent::text).doesNotContain("VIP, offer free shipping", "needs a refund");
        // Sam owns it now; Dana may not write any more.
        router.request(sam, Role.AGENT, new ClientMessage.Send(id(), id, "Hi, Sam here.", null));
        router.request(dana, Role.AGENT, new ClientMessage.Send("late", id, "still me", null));
        settle();
        assertThat(v.events()).extracting(TranscriptEvent::text).contains("Hi, Sam here.").doesNotContain("still me");
        assertThat(dana.last(ServerMessage.Error.class).code()).isEqualTo("not_found");
        // A visitor's history never shows notes either.
        router.request(v, Role.VISITOR, new ClientMessage.History(id(), id, 0));
        settle();
        assertThat(v.last(ServerMessage.Transcript.class).events()).extracting(TranscriptEvent::kind).doesNotContain(Kind.NOTE);
    }

    @Test
    void transferToSomeoneOfflineIsRefusedAndChangesNothing() {
        router(config("least-busy", 5));
        Recorder dana = agent("dana");
        Recorder sam = agent("sam");
        router.request(sam, Role.AGENT, new ClientMessage.Presence(id(), PresenceStatus.AWAY));
        settle();
        String id = handoff(visitor(null));
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t1", id, "sam", null, null));
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t2", id, null, "nowhere", null));
        settle();
        assertThat(dana.all(ServerMessage.Error.class)).extracting(ServerMessage.Error::code)
                .containsExactly("unavailable", "unavailable");
        assertThat(conversation(id).agentId).isEqualTo("dana");
    }

    @Test
    void messageLeftWhileNobodyIsOnlineBecomesAFollowUpTakenByHand() {
        router(config("least-busy", 5));
        Recorder v = visitor(null);
        router.request(v, Role.VISITOR, new ClientMessage.LeaveMessage("m1", null, "Ada", "ada@example.com",
                "Please call me back about order 1234"));
        settle();
        String id = v.last(ServerMessage.Ack.class).conversationId();
        assertThat(conversation(id).state).isEqualTo(ConversationState.FOLLOW_UP);
        assertThat(v.events()).extracting(TranscriptEvent::kind).contains(Kind.OFFLINE_MESSAGE);
        Recorder a = agent("a");
        // Agents see it in the queue, flagged, but it is not pushed onto anyone.
        QueueEntry entry = a.last(ServerMessage.Queue.class).entries().get(0);
        assertThat(entry.followUp()).isTrue();
        assertThat(entry.visitor().email()).isEqualTo("ada@example.com");
        assertThat(owned(a)).isEmpty();
        router.request(a, Role.AGENT, new ClientMessage.Accept(id(), id));
        settle();
        ServerMessage.Assigned pkg = a.last(ServerMessage.Assigned.class);
        assertThat(pkg.handoff().reason()).isEqualTo(HandoffReason.OFFLINE_MESSAGE);
        assertThat(pkg.handoff().question()).isEqualTo("Please call me back about order 1234");
        assertThat(pkg.handoff().visitor().name()).isEqualTo("Ada");
        assertThat(a.last(ServerMessage.Queue.class).entries()).isEmpty();
    }

    @Test
    void outsideBusinessHoursVisitorsAreToldSo() {
        RoutingConfig closedNow = new RoutingConfig("least-busy", 5, Duration.ofMinutes(2),
                Optional.of(BusinessHours.parse("mon-fri 12:00-18:00 UTC")), List.of(), List.of());
        router(closedNow);
        agent("a");
        Recorder v = visitor(null);
        ServerMessage.Availability now = v.last(ServerMessage.Availability.class);
        assertThat(now.agentsAvailable()).isTrue();
        assertThat(now.withinHours()).isFalse();
        clock.advance(Duration.ofHours(3)); // 13:00 on a Monday
        router.call(() -> {
            router.dispatcher.publishAvailability();
            return null;
        });
        settle();
        assertThat(v.last(ServerMessage.Availability.class).withinHours()).isTrue();
    }

    @Test
    void receiptsAreRelayedToTheOtherSideAndNeverMoveBackwards() {
        router(config("least-busy", 5));
        Recorder a = agent("a");
        Recorder v = visitor(null);
        String id = handoff(v);
        router.request(a, Role.AGENT, new ClientMessage.Send(id(), id, "Hello!", null));
        settle();
        long seq = v.events().get(v.events().size() - 1).seq();
        router.request(v, Role.VISITOR, new ClientMessage.Receipt(null, id, seq, ReceiptStatus.READ));
        router.request(v, Role.VISITOR, new ClientMessage.Receipt(null, id, seq - 1, ReceiptStatus.READ));
        settle();
        assertThat(a.all(ServerMessage.Receipt.class)).singleElement().satisfies(r -> {
            assertThat(r.seq()).isEqualTo(seq);
            assertThat(r.role()).isEqualTo(Role.VISITOR);
        });
        // Another visitor's receipt for this conversation is ignored.
        Recorder stranger = visitor(null);
        router.request(stranger, Role.VISITOR, new ClientMessage.Receipt(null, id, seq + 5, ReceiptStatus.READ));
        settle();
        assertThat(a.all(ServerMessage.Receipt.class)).hasSize(1);
    }

    @Test
    void contextUpdatesReachTheOwningAgent() {
        router(config("least-busy", 5));
        Recorder a = agent("a");
        Recorder v = visitor(null);
        String id = handoff(v);
        router.request(v, Role.VISITOR, new ClientMessage.UpdateContext(id(), new dev.concierge.protocol.Values.VisitorContext(
                null, null, null, null, null, new dev.concierge.protocol.Values.Page("https://shop.example.com/checkout",
                "Checkout", null), Map.of("cart", "3 items"))));
        settle();
        ServerMessage.VisitorUpdate update = a.last(ServerMessage.VisitorUpdate.class);
        assertThat(update.conversationId()).isEqualTo(id);
        assertThat(update.context().page().url()).endsWith("/checkout");
        assertThat(update.visitor().attributes()).containsEntry("cart", "3 items");
    }

    @Test
    void settingsAndAgentsListReachAgentsOnHello() {
        router(new RoutingConfig("least-busy", 4, Duration.ofSeconds(90), Optional.empty(), List.of("billing"),
                List.of(new dev.concierge.protocol.Values.CannedReply("refund", "Refunds take 3 days."))));
        Recorder a = agent("a", "billing");
        ServerMessage.Settings settings = a.last(ServerMessage.Settings.class);
        assertThat(settings.cannedReplies()).extracting(dev.concierge.protocol.Values.CannedReply::shortcut)
                .containsExactly("refund");
        assertThat(settings.queueAlertSeconds()).isEqualTo(90);
        assertThat(settings.maxChats()).isEqualTo(4);
        Recorder b = agent("b");
        assertThat(a.last(ServerMessage.Agents.class).agents().stream()
                .collect(Collectors.toMap(s -> s.id(), s -> s.departments()))).containsEntry("a", List.of("billing"))
                .containsEntry("b", List.of());
        assertThat(b.last(ServerMessage.Agents.class).agents()).hasSize(2);
    }
}
