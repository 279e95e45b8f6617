package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.ClientMessage;
import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.ConversationState;
import dev.concierge.protocol.Values.Kind;
import dev.concierge.protocol.Values.PresenceStatus;
import dev.concierge.protocol.Values.Role;
import dev.concierge.protocol.Values.TranscriptEvent;
import dev.concierge.server.support.ServerException;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.InMemoryConversationStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Routing and the queue, through the router's entry points: strategies, the cap, affinity,
 * presence, wait estimates, alerts and business hours, with a clock the test moves.
 */
final class RouterTest extends RouterFixture {
    @Test
    void leastBusy_fillsAgentsEvenlyUpToTheCap_thenQueues() {
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
        assertThat(visitors.get(6).last(ServerMessage.QueueStatus.class).position())
                .isEqualTo(1);
        assertThat(visitors.get(7).last(ServerMessage.QueueStatus.class).position())
                .isEqualTo(2);
        assertThat(a.last(ServerMessage.Queue.class).entries()).hasSize(2);
        // One chat closes: the first in the queue gets that agent, the second moves up.
        String first = owned(a).get(0);
        router.request(a, Role.AGENT, new ClientMessage.Close(id(), first, "resolved"));
        settle();
        assertThat(owned(a)).hasSize(3);
        assertThat(visitors.get(7).last(ServerMessage.QueueStatus.class).position())
                .isEqualTo(1);
    }

    @Test
    void roundRobin_takesAgentsInTurn_whateverTheirLoad() {
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
    void departmentRouting_waitsForTheTeam_andFallsBackWhenNobodyOfItWorks() {
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
    void returningVisitor_goesBackToTheirAgent_whenOnlineWithRoom() {
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
    void awayAgents_getNothingNew_andVisitorsAreToldWhenNobodyIsAvailable() {
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
        assertThat(a.last(ServerMessage.Agents.class).agents()).singleElement().satisfies(s -> assertThat(s.presence())
                .isEqualTo(PresenceStatus.AWAY));
        // Back online: the waiting visitor is assigned at once.
        router.request(a, Role.AGENT, new ClientMessage.Presence(id(), PresenceStatus.ONLINE));
        settle();
        assertThat(owned(a)).containsExactly(id);
    }

    @Test
    void eta_followsRecentHandlingTimeAndOnlineAgents() {
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
    void etaIsTheMedianHandlingTime_oneQuickChatCannotCollapseIt() {
        router(config("least-busy", 1));
        Recorder a = agent("a");
        Recorder b = agent("b");
        // One chat closed after 2 seconds: alone it does not set the estimate (the 3-minute
        // default fills in for the chats not yet measured), so the visitor behind two full
        // agents is told 90 s (half of 3 minutes), not 1 s.
        String quick = handoff(visitor(null));
        clock.advance(Duration.ofSeconds(2));
        Recorder owner = owned(a).contains(quick) ? a : b;
        router.request(owner, Role.AGENT, new ClientMessage.Close(id(), quick, "resolved"));
        settle();
        handoff(visitor(null));
        handoff(visitor(null)); // a and b are full now
        Recorder waiting = visitor(null);
        handoff(waiting);
        assertThat(waiting.last(ServerMessage.QueueStatus.class).position()).isEqualTo(1);
        assertThat(waiting.last(ServerMessage.QueueStatus.class).etaSeconds()).isEqualTo(90);
    }

    @Test
    void eta_ignoresOutliers_andNeverAssumesChatsShorterThanAMinute() {
        router(config("least-busy", 1));
        Recorder a = agent("a");
        // Three chats of 10 minutes and one of 2 seconds: the median stays 10 minutes (a mean would say 7.5).
        for (Duration d : List.of(
                Duration.ofMinutes(10), Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofMinutes(10))) {
            String id = handoff(visitor(null));
            clock.advance(d);
            router.request(a, Role.AGENT, new ClientMessage.Close(id(), id, "resolved"));
            settle();
        }
        handoff(visitor(null));
        Recorder waiting = visitor(null);
        handoff(waiting);
        assertThat(waiting.last(ServerMessage.QueueStatus.class).etaSeconds()).isEqualTo(600);
        // Chats that all end within seconds: the estimate stops at one minute.
        for (int i = 0; i < 6; i++) {
            String id = owned(a).get(owned(a).size() - 1);
            clock.advance(Duration.ofSeconds(3));
            router.request(a, Role.AGENT, new ClientMessage.Close(id(), id, "resolved"));
            settle();
            if (i < 5) {
                handoff(visitor(null));
            }
        }
        Recorder later = visitor(null);
        handoff(later);
        assertThat(later.last(ServerMessage.QueueStatus.class).etaSeconds()).isEqualTo(60);
    }

    @Test
    void eta_followsTheHandlingTimeOfTheConversationsDepartment() {
        router(config("least-busy", 1));
        Recorder a = agent("a", "billing", "orders");
        // Billing chats take 20 minutes, orders chats 4.
        for (int i = 0; i < 3; i++) {
            for (String department : List.of("billing", "orders")) {
                String id = handoff(visitor(department));
                clock.advance(Duration.ofMinutes(department.equals("billing") ? 20 : 4));
                router.request(a, Role.AGENT, new ClientMessage.Close(id(), id, "resolved"));
                settle();
            }
        }
        handoff(visitor(null)); // a is full
        Recorder billing = visitor("billing");
        Recorder orders = visitor("orders");
        Recorder other = visitor(null);
        handoff(billing);
        handoff(orders);
        handoff(other);
        assertThat(billing.last(ServerMessage.QueueStatus.class).etaSeconds()).isEqualTo(1 * 1200);
        assertThat(orders.last(ServerMessage.QueueStatus.class).etaSeconds()).isEqualTo(2 * 240);
        // Without a department: the median of all (4 and 20 minutes, three each: 12 minutes).
        assertThat(other.last(ServerMessage.QueueStatus.class).etaSeconds()).isEqualTo(3 * 720);
    }

    @Test
    void onlyTheTeamsDepartmentsKeepHandlingTimesApart_othersCountInTheOverallMedian() {
        router(config("least-busy", 1));
        Recorder a = agent("a");
        // A department name a page made up (hello.department is free text) gets no window of its
        // own, so visitors cannot grow the router's state by inventing names.
        for (int i = 0; i < 7; i++) {
            String id = handoff(visitor(i < 3 ? "made-up-0" : null));
            clock.advance(i < 3 ? Duration.ofMinutes(30) : Duration.ofMinutes(2));
            router.request(a, Role.AGENT, new ClientMessage.Close(id(), id, "resolved"));
            settle();
        }
        handoff(visitor(null));
        Recorder waiting = visitor("made-up-0");
        handoff(waiting);
        assertThat(waiting.last(ServerMessage.QueueStatus.class).etaSeconds())
                .as("median of 2,2,2,2,30,30,30 minutes")
                .isEqualTo(120);
    }

    @Test
    void longWait_raisesOneAlert_andMarksTheEntryOverdue() {
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
        assertThat(a.last(ServerMessage.Queue.class).entries()).singleElement().satisfies(e -> assertThat(e.overdue())
                .isTrue());
    }

    @Test
    void outsideBusinessHours_visitorsAreToldSo() {
        RoutingConfig closedNow = new RoutingConfig(
                "least-busy",
                5,
                Duration.ofMinutes(2),
                Optional.of(BusinessHours.parse("mon-fri 12:00-18:00 UTC")),
                List.of(),
                List.of());
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
    void theTagOfTheFaqEntryTheBotAnsweredWith_becomesTheDepartment() {
        router(config("department", 5));
        Recorder orders = agent("olga", "orders");
        Recorder returns = agent("rita", "returns");
        Recorder v = visitor(null);
        // The visitor picks the returns entry (a "did you mean" button): the bot answers from it.
        router.request(v, Role.VISITOR, new ClientMessage.Send(id(), null, "How do I return an item?", "returns"));
        settleUntil(() -> v.events().stream().anyMatch(e -> e.kind() == Kind.BOT)); // the bot answers on its own thread
        assertThat(v.events())
                .anySatisfy(
                        e -> assertThat(e.bot() != null && e.bot().answered()).isTrue());
        String id = handoff(v);
        assertThat(conversation(id).department).isEqualTo("returns");
        assertThat(conversation(id).agentId).isEqualTo("rita");
        assertThat(owned(orders)).isEmpty();
        assertThat(owned(returns)).containsExactly(id);
    }

    @Test
    void aBotAnswerCarriesTheQuestionOfItsEntry_whichTheAgentSeesInThePackage() {
        router(config("least-busy", 5));
        Recorder v = visitor(null);
        router.request(v, Role.VISITOR, new ClientMessage.Send(id(), null, "Can I send something back?", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> e.kind() == Kind.BOT));
        TranscriptEvent answer = v.events().stream()
                .filter(e -> e.kind() == Kind.BOT)
                .findFirst()
                .orElseThrow();
        assertThat(answer.bot().entryId()).isEqualTo("returns");
        assertThat(answer.bot().entryQuestion()).isEqualTo("How do I return an item?");
        Recorder a = agent("a");
        handoff(v);
        assertThat(a.last(ServerMessage.Assigned.class).handoff().transcript())
                .filteredOn(e -> e.kind() == Kind.BOT)
                .singleElement()
                .satisfies(e -> assertThat(e.bot().entryQuestion()).isEqualTo("How do I return an item?"));
    }

    @Test
    void aQuestionToTheBotIsStoredWithItsAnswer_inOneWrite_andAcknowledgedBeforeTheAnswerArrives() {
        List<String> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
        router(config("least-busy", 5), recordingAppends(new InMemoryConversationStore(), writes));
        Recorder v = visitor(null);
        String question = id();
        router.request(v, Role.VISITOR, new ClientMessage.Send(question, null, "Can I send something back?", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> e.kind() == Kind.BOT));

        // One write for both (one commit, one fsync on SQLite), the question first; never the question alone.
        assertThat(writes).containsExactly("appendAll [Can I send something back?, Use the returns form.]");
        List<ServerMessage> frames;
        synchronized (v.frames) {
            frames = List.copyOf(v.frames);
        }
        int ack = indexOf(frames, f -> f instanceof ServerMessage.Ack a && question.equals(a.ref()));
        int answer = indexOf(frames, f -> f instanceof ServerMessage.Event e && e.kind() == Kind.BOT);
        assertThat(ack).isNotNegative().isLessThan(answer);
        assertThat(v.events()).extracting(TranscriptEvent::seq).containsExactly(1L, 2L);

        // With a human on the conversation there is no bot answer to wait for: stored at once, alone.
        Recorder a = agent("a");
        router.request(v, Role.VISITOR, new ClientMessage.Handoff(id(), null));
        settleUntil(() -> !a.all(ServerMessage.Assigned.class).isEmpty());
        String id = a.last(ServerMessage.Assigned.class).conversationId();
        writes.clear();
        router.request(v, Role.VISITOR, new ClientMessage.Send(id(), id, "Thanks, and my invoice?", null));
        settleUntil(() -> a.events().stream().anyMatch(e -> "Thanks, and my invoice?".equals(e.text())));
        assertThat(writes).containsExactly("append Thanks, and my invoice?");
        assertThat(a.events()).extracting(TranscriptEvent::text).contains("Thanks, and my invoice?");
    }

    @Test
    void protocol2_aMessageIsAcknowledgedByItsOwnEvent_aResendAndProtocol1ByAnAck() {
        router(config("least-busy", 5));
        Recorder v = visitor(2, null);
        Recorder a = agent(2, "a");
        assertThat(v.last(ServerMessage.Welcome.class).version()).isEqualTo(2);
        assertThat(a.last(ServerMessage.Welcome.class).version()).isEqualTo(2);
        String id = handoff(v);
        settleUntil(() -> !a.all(ServerMessage.Assigned.class).isEmpty());

        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", id, "Where is my parcel?", null));
        router.request(a, Role.AGENT, new ClientMessage.Send("m2", id, "Let me check.", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> "m2".equals(e.id())));

        // Each sender's own copy of the event, carrying its request id, is the acknowledgement.
        TranscriptEvent question =
                v.events().stream().filter(e -> "m1".equals(e.id())).findFirst().orElseThrow();
        TranscriptEvent reply =
                a.events().stream().filter(e -> "m2".equals(e.id())).findFirst().orElseThrow();
        assertThat(a.events()).extracting(TranscriptEvent::id).contains("m1");
        assertThat(v.all(ServerMessage.Ack.class))
                .extracting(ServerMessage.Ack::ref)
                .doesNotContain("m1");
        assertThat(a.all(ServerMessage.Ack.class))
                .extracting(ServerMessage.Ack::ref)
                .doesNotContain("m2");

        // A resend of a stored id stores nothing and gets an ack with the same seq.
        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", id, "Where is my parcel?", null));
        router.request(a, Role.AGENT, new ClientMessage.Send("m2", id, "Let me check.", null));
        settle();
        assertThat(v.last(ServerMessage.Ack.class).ref()).isEqualTo("m1");
        assertThat(v.last(ServerMessage.Ack.class).seq()).isEqualTo(question.seq());
        assertThat(a.last(ServerMessage.Ack.class).ref()).isEqualTo("m2");
        assertThat(a.last(ServerMessage.Ack.class).seq()).isEqualTo(reply.seq());
        assertThat(conversation(id).transcript.all())
                .extracting(TranscriptEvent::text)
                .containsOnlyOnce("Where is my parcel?", "Let me check.");

        // Protocol 1 on the same conversation: the sender gets an ack frame, then the event.
        Recorder old = visitor(1, null);
        String other = handoff(old);
        settleUntil(() -> owned(a).contains(other));
        router.request(old, Role.VISITOR, new ClientMessage.Send("m3", other, "Hello?", null));
        settleUntil(() -> old.all(ServerMessage.Ack.class).stream().anyMatch(k -> "m3".equals(k.ref())));
        assertThat(old.events()).extracting(TranscriptEvent::id).contains("m3");
    }

    @Test
    void protocol2_aMessageWhoseConversationChangedHandsBeforeItsCommitIsAcknowledgedWithAnAck() {
        List<String> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
        router(config("least-busy", 5), recordingAppends(new InMemoryConversationStore(), writes));
        Recorder v = visitor(2, null);
        Recorder dana = agent(2, "dana");
        router.request(v, Role.VISITOR, new ClientMessage.Handoff("h1", null));
        settleUntil(() -> !owned(dana).isEmpty());
        String id = owned(dana).get(0);
        Recorder sam = agent(2, "sam");

        // The transfer runs before the message's commit completes (the store completes later, on
        // its own thread): the event reaches Sam inside his package, never Dana's socket.
        router.request(dana, Role.AGENT, new ClientMessage.Send("m1", id, "Passing you to Sam.", null));
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t1", id, "sam", null, null));
        settleUntil(() -> dana.all(ServerMessage.Ack.class).stream().anyMatch(k -> "m1".equals(k.ref())));

        assertThat(dana.events()).extracting(TranscriptEvent::id).doesNotContain("m1");
        assertThat(dana.all(ServerMessage.Ack.class))
                .filteredOn(k -> "m1".equals(k.ref()))
                .singleElement()
                .satisfies(k -> assertThat(k.seq()).isPositive());
        settleUntil(() -> !sam.all(ServerMessage.Assigned.class).isEmpty());
        assertThat(sam.last(ServerMessage.Assigned.class).handoff().transcript())
                .extracting(TranscriptEvent::id)
                .contains("m1");
    }

    @Test
    void aMessageTheStoreFailsToTake_canBeRetriedWithItsId_andTheConversationGoesOn() {
        ConversationStore memory = new InMemoryConversationStore();
        // The first write of "flaky" fails (nothing stored), as a write rolled back by a full disk would.
        ConversationStore flaky = failingOnce(memory, e -> "flaky".equals(e.text()));
        router(config("least-busy", 5), flaky);
        Recorder v = visitor(2, null);
        Recorder a = agent(2, "a");
        router.request(v, Role.VISITOR, new ClientMessage.Handoff("h1", null));
        settleUntil(() -> !owned(a).isEmpty());
        String id = owned(a).get(0);
        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", id, "first", null));
        settleUntil(() -> a.events().stream().anyMatch(e -> "m1".equals(e.id())));

        // "flaky" fails; the agent's reply, sent before that failure was known, was queued behind
        // it with the next seq and fails too. Each sender is told to retry with the same id.
        router.request(v, Role.VISITOR, new ClientMessage.Send("m2", id, "flaky", null));
        router.request(a, Role.AGENT, new ClientMessage.Send("m3", id, "reply", null));
        settleUntil(() -> !a.all(ServerMessage.Error.class).isEmpty()
                && !v.all(ServerMessage.Error.class).isEmpty());
        assertThat(v.last(ServerMessage.Error.class).ref()).isEqualTo("m2");
        assertThat(v.last(ServerMessage.Error.class).message()).contains("retry with the same id");
        assertThat(a.last(ServerMessage.Error.class).ref()).isEqualTo("m3");
        assertThat(conversation(id).transcript.all())
                .extracting(TranscriptEvent::text)
                .doesNotContain("flaky", "reply");

        // The retries are stored, in order, right after "first"; so is what follows.
        router.request(v, Role.VISITOR, new ClientMessage.Send("m2", id, "flaky", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> "m2".equals(e.id())));
        router.request(a, Role.AGENT, new ClientMessage.Send("m3", id, "reply", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> "m3".equals(e.id())));
        router.request(v, Role.VISITOR, new ClientMessage.Send("m4", id, "thanks", null));
        settleUntil(() -> a.events().stream().anyMatch(e -> "m4".equals(e.id())));

        List<TranscriptEvent> stored = memory.events(id, 0);
        assertThat(stored)
                .extracting(TranscriptEvent::seq)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, stored.size())
                        .boxed()
                        .toList());
        assertThat(stored)
                .extracting(TranscriptEvent::text)
                .containsSubsequence("first", "flaky", "reply", "thanks")
                .containsOnlyOnce("flaky", "reply");
        assertThat(conversation(id).transcript.all()).isEqualTo(stored);
        assertThat(a.events()).extracting(TranscriptEvent::id).containsOnlyOnce("m2", "m4");
        assertThat(v.events()).extracting(TranscriptEvent::id).containsOnlyOnce("m2", "m3");
    }

    @Test
    void anAssignmentTheStoreFailsToTake_stillReachesTheAgentWithThePackage_andLaterMessagesGoLive() {
        ConversationStore memory = new InMemoryConversationStore();
        router(config("least-busy", 5), failingOnce(memory, e -> e.kind() == Kind.ASSIGNED));
        Recorder v = visitor(2, null);
        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", null, "Where is my parcel?", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> e.kind() == Kind.BOT));
        Recorder a = agent(2, "a");
        router.request(v, Role.VISITOR, new ClientMessage.Handoff("h1", null));
        settleUntil(() -> !a.all(ServerMessage.Assigned.class).isEmpty());

        // The package came without the assigned event, with everything stored before it.
        String id = owned(a).get(0);
        List<TranscriptEvent> stored = memory.events(id, 0);
        assertThat(stored).extracting(TranscriptEvent::kind).doesNotContain(Kind.ASSIGNED);
        assertThat(a.last(ServerMessage.Assigned.class).handoff().transcript()).isEqualTo(stored);

        // The next event takes the failed one's seq, and reaches the agent live.
        router.request(v, Role.VISITOR, new ClientMessage.Send("m2", id, "Hello?", null));
        settleUntil(() -> a.events().stream().anyMatch(e -> "m2".equals(e.id())));
        assertThat(a.events())
                .filteredOn(e -> "m2".equals(e.id()))
                .singleElement()
                .satisfies(e -> assertThat(e.seq()).isEqualTo(stored.size() + 1));
        assertThat(memory.events(id, 0)).hasSize(stored.size() + 1);
    }

    /**
     * {@code store} with the delays of {@link #recordingAppends}, whose first {@code append} of an
     * event {@code which} accepts fails (nothing stored), as a write rolled back by a full disk
     * would.
     */
    static ConversationStore failingOnce(ConversationStore store, java.util.function.Predicate<TranscriptEvent> which) {
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        ConversationStore delayed = recordingAppends(store, new java.util.concurrent.CopyOnWriteArrayList<>());
        return (ConversationStore) java.lang.reflect.Proxy.newProxyInstance(
                RouterTest.class.getClassLoader(), new Class<?>[] {ConversationStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("append")
                            && which.test((TranscriptEvent) args[1])
                            && failed.compareAndSet(false, true)) {
                        return CompletableFuture.<Void>failedFuture(new ServerException("disk full"))
                                .handleAsync(
                                        (v, e) -> {
                                            throw new java.util.concurrent.CompletionException(e);
                                        },
                                        CompletableFuture.delayedExecutor(
                                                2, java.util.concurrent.TimeUnit.MILLISECONDS, SYNC));
                    }
                    try {
                        return method.invoke(delayed, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /**
     * The store, with every append and appendAll recorded (the texts, in call order) on the way,
     * and their futures completed on another thread a little later, as the SQLite store's are (by
     * its sync thread, after the fsync), so that completion order is tested as it happens there.
     */
    @SuppressWarnings("unchecked")
    static ConversationStore recordingAppends(ConversationStore store, List<String> writes) {
        return (ConversationStore) java.lang.reflect.Proxy.newProxyInstance(
                RouterTest.class.getClassLoader(), new Class<?>[] {ConversationStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("append")) {
                        writes.add("append " + ((TranscriptEvent) args[1]).text());
                    } else if (method.getName().equals("appendAll")) {
                        writes.add("appendAll "
                                + ((List<TranscriptEvent>) args[1])
                                        .stream().map(TranscriptEvent::text).toList());
                    }
                    Object result;
                    try {
                        result = method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    return method.getName().startsWith("append")
                            ? ((CompletableFuture<Void>) result)
                                    .thenApplyAsync(
                                            v -> v,
                                            CompletableFuture.delayedExecutor(
                                                    2, java.util.concurrent.TimeUnit.MILLISECONDS, SYNC))
                            : result;
                });
    }

    /** One thread, like the store's sync thread: completions leave it in the order they were made. */
    private static final java.util.concurrent.Executor SYNC =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "test-store-sync");
                t.setDaemon(true);
                return t;
            });

    private static int indexOf(List<ServerMessage> frames, java.util.function.Predicate<ServerMessage> p) {
        for (int i = 0; i < frames.size(); i++) {
            if (p.test(frames.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
