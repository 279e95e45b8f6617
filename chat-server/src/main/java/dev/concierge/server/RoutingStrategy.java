package dev.concierge.server;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** Chooses the agent who gets a queued conversation. Called on the router thread only. */
interface RoutingStrategy {

    /** The agent to assign {@code conversation} to, among those available with room. */
    Optional<Agent> pick(Conversation conversation, Collection<Agent> agents, int maxChatsPerAgent);

    /** Least busy agent first; ties go to the one who waited longest since an assignment. */
    static RoutingStrategy leastBusy() {
        return (conversation, agents, cap) -> agents.stream()
                .filter(Agent::available)
                .filter(a -> a.assigned.size() < cap)
                .min(Comparator.<Agent>comparingInt(a -> a.assigned.size())
                        .thenComparing(a -> a.lastAssignedAt)
                        .thenComparing(a -> a.info.id()));
    }
}
