package dev.concierge.server.routing;

import dev.concierge.protocol.AgentStatus;
import dev.concierge.protocol.wire.ServerMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Who can answer now: the agents online, business hours, and what both mean for visitors ("we
 * are online", "nobody is online", "outside our opening hours") and for agents (every agent's
 * presence, departments and load). Each is sent only when it changed. Router thread only.
 */
final class AgentAvailability {
    private final Router router;
    private final RoutingConfig config;
    private ServerMessage.Availability lastAvailability;
    private ServerMessage.Agents lastAgents;

    AgentAvailability(Router router, RoutingConfig config) {
        this.router = router;
        this.config = config;
    }

    /** How many connected agents are online (may receive new conversations). */
    int onlineAgents() {
        int n = 0;
        for (Agent a : router.live.agents()) {
            if (a.available()) {
                n++;
            }
        }
        return n;
    }

    /** Whether a person can answer now, as visitors are told. */
    ServerMessage.Availability availability() {
        boolean within = config.businessHours()
                .map(h -> h.isOpen(router.clock.instant()))
                .orElse(true);
        boolean agents = onlineAgents() > 0;
        String message = !within
                ? "We are outside our opening hours right now. Leave a message and we will get back to you by email."
                : !agents
                        ? "Nobody is online right now. Leave a message and we will get back to you by email."
                        : "We are online.";
        return new ServerMessage.Availability(agents, within, message);
    }

    /** Tells every connected visitor when availability changed. */
    void publishAvailability() {
        ServerMessage.Availability now = availability();
        if (now.equals(lastAvailability)) {
            return;
        }
        lastAvailability = now;
        SharedFrame frame = new SharedFrame(now);
        for (Session s : router.live.visitorSessions().keySet()) {
            s.send(frame);
        }
    }

    /**
     * Every agent with presence, departments and load, sent to agents when it changed; false when
     * it did not (nothing was sent).
     */
    boolean publishAgents() {
        ServerMessage.Agents frame = agentsFrame();
        if (frame.equals(lastAgents)) {
            return false;
        }
        lastAgents = frame;
        router.toAgents(frame);
        return true;
    }

    /** Every agent with presence, departments and load, by name. */
    ServerMessage.Agents agentsFrame() {
        List<AgentStatus> list = new ArrayList<>();
        for (Agent a : router.live.agents()) {
            list.add(new AgentStatus(
                    a.info.id(),
                    a.info.name(),
                    a.shownPresence(),
                    a.departments.stream().sorted().toList(),
                    a.assigned.size(),
                    config.maxChatsPerAgent()));
        }
        list.sort(Comparator.comparing(AgentStatus::name).thenComparing(AgentStatus::id));
        return new ServerMessage.Agents(list);
    }
}
