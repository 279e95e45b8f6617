package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** An agent as other agents see them (transfer dialog, supervisors). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentStatus(
        String id, String name, PresenceStatus presence, List<String> departments, int activeChats, int maxChats) {
    public AgentStatus {
        departments = departments == null ? List.of() : List.copyOf(departments);
    }
}
