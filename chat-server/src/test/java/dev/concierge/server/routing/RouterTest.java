package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Assignment through the router's entry points: the strategies, the cap, affinity, presence
 * and the department a bot answer sets.
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
}
