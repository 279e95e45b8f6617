package dev.concierge.server.routing;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the agent who gets a queued conversation, among the candidates the assignment found
 * (connected, online, under the cap, not excluded, of the required department, in a stable
 * order). Called on the router thread only; implementations may keep state (round-robin).
 */
public interface RoutingStrategy {
    /** Fewest conversations first, then the longest since an assignment, then by id. */
    Comparator<Agent> LEAST_BUSY = Comparator.<Agent>comparingInt(a -> a.assigned.size())
            .thenComparing(a -> a.lastAssignedAt)
            .thenComparing(a -> a.info.id());

    /** The agent to assign {@code conversation} to, or empty to leave it queued. */
    Optional<Agent> pick(Conversation conversation, List<Agent> candidates, List<Agent> allAgents);

    /** The strategy configured by name: {@code least-busy}, {@code round-robin} or {@code department}. */
    static RoutingStrategy named(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "least-busy":
                return leastBusy();
            case "round-robin":
                return roundRobin();
            case "department":
                return department();
            default:
                throw new IllegalArgumentException(
                        "unknown routing strategy \"" + name + "\" (use least-busy, round-robin or department)");
        }
    }

    /** Least busy agent first; ties go to the one who waited longest since an assignment. */
    private static RoutingStrategy leastBusy() {
        return (conversation, candidates, all) -> candidates.stream().min(LEAST_BUSY);
    }

    /** Agents in turn (by id), skipping those who cannot take it now. */
    private static RoutingStrategy roundRobin() {
        return new RoutingStrategy() {
            private String last;

            @Override
            public Optional<Agent> pick(Conversation conversation, List<Agent> candidates, List<Agent> all) {
                if (candidates.isEmpty()) {
                    return Optional.empty();
                }
                List<Agent> byId = candidates.stream()
                        .sorted(Comparator.comparing(a -> a.info.id()))
                        .toList();
                Agent next = byId.stream()
                        .filter(a -> last == null || a.info.id().compareTo(last) > 0)
                        .findFirst()
                        .orElse(byId.get(0));
                last = next.info.id();
                return Optional.of(next);
            }
        };
    }

    /**
     * Agents of the conversation's department, least busy first. While some agent of that
     * department is at work (connected and not offline), the conversation waits for them even
     * when they are full or away; when none is, anyone may take it rather than nobody.
     */
    private static RoutingStrategy department() {
        return (conversation, candidates, all) -> {
            String dept = conversation.department;
            if (dept == null) {
                return candidates.stream().min(LEAST_BUSY);
            }
            boolean teamAtWork = all.stream().anyMatch(a -> a.departments.contains(dept) && a.atWork());
            return candidates.stream()
                    .filter(a -> !teamAtWork || a.departments.contains(dept))
                    .min(LEAST_BUSY);
        };
    }
}
