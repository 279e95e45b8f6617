package dev.concierge.server.routing;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.Role;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/** An agent's live state; confined to the router thread. */
public final class Agent {
    /** Who the agent is: id and display name. */
    public final AgentInfo info;
    /** The agent's connected consoles; none means offline. */
    public final Set<Session> sessions = new LinkedHashSet<>();

    PresenceStatus presence = PresenceStatus.ONLINE;
    /** Ids of the conversations this agent owns, in assignment order. */
    public final Set<String> assigned = new LinkedHashSet<>();

    Instant lastAssignedAt = Instant.EPOCH;
    /** The teams this agent belongs to. */
    public Set<String> departments = Set.of();

    private final Author author;

    Agent(AgentInfo info) {
        this.info = info;
        this.author = new Author(Role.AGENT, info.id(), info.name());
    }

    /** Connected and online: may receive new conversations. */
    public boolean available() {
        return !sessions.isEmpty() && presence == PresenceStatus.ONLINE;
    }

    /** Connected and not offline (online or away). */
    boolean atWork() {
        return !sessions.isEmpty() && presence != PresenceStatus.OFFLINE;
    }

    /** Presence as others see it: offline when no console is connected. */
    public PresenceStatus shownPresence() {
        return sessions.isEmpty() ? PresenceStatus.OFFLINE : presence;
    }

    /** The author stamped on this agent's events (one object: every stored message keeps it). */
    Author author() {
        return author;
    }
}
