package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** An agent as other agents see them (transfer dialog, supervisors). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentStatus(
        String id, String name, PresenceStatus presence, List<String> departments, int activeChats, int maxChats) {
    /**
     * Copies {@code departments}.
     *
     * @param id the agent's id
     * @param name the agent's display name
     * @param presence online, away or offline
     * @param departments the departments the agent works in (none when null)
     * @param activeChats how many conversations the agent has now
     * @param maxChats how many conversations the agent takes at most
     */
    public AgentStatus {
        departments = departments == null ? List.of() : List.copyOf(departments);
    }
}
