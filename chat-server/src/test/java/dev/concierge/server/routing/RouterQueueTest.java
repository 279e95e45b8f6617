package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Role;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The queue through the router's entry points: wait estimates, alerts and business hours,
 * with a clock the test moves.
 */
final class RouterQueueTest extends RouterFixture {
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
}
