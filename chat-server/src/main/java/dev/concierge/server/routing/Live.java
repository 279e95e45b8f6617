package dev.concierge.server.routing;

import dev.concierge.protocol.AgentInfo;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the router holds in memory: live and recently closed conversations, visitors by id and
 * token, agents, and which socket is whose. The router owns it; router thread only.
 */
public final class Live {
    /** Closed conversations kept in memory for their rating; older ones are read from the store. */
    static final int CLOSED_IN_MEMORY = 10_000;

    private final Map<String, Conversation> conversations = new HashMap<>();
    private final Map<String, Agent> agents = new LinkedHashMap<>();
    private final Map<Session, Visitor> visitorSessions = new HashMap<>();
    private final ArrayDeque<String> closedOrder = new ArrayDeque<>();
    private final Map<String, Visitor> visitorsById = new HashMap<>();
    private final Map<String, Visitor> visitorsByToken = new HashMap<>();
    private final Map<Session, Agent> agentSessions = new HashMap<>();

    Optional<Conversation> conversation(String id) {
        return Optional.ofNullable(conversations.get(id));
    }

    /** Every conversation memory holds; a view, not to be changed while iterated. */
    Collection<Conversation> conversations() {
        return Collections.unmodifiableCollection(conversations.values());
    }

    void addConversation(Conversation c) {
        conversations.put(c.id, c);
    }

    /** Drops the conversation from memory if memory holds it; the caller releases it. */
    boolean forgetConversation(Conversation c) {
        return conversations.remove(c.id, c);
    }

    /** Drops (and releases) every conversation of the visitor from memory. */
    void forgetConversationsOf(String visitorId) {
        conversations.values().removeIf(c -> {
            if (!c.visitor.id.equals(visitorId)) {
                return false;
            }
            c.release();
            return true;
        });
    }

    /**
     * A conversation was closed: it stays in memory for its rating, the most recent
     * {@link #CLOSED_IN_MEMORY} of them; older ones are read from the store when asked for.
     */
    void retire(Conversation c) {
        closedOrder.addLast(c.id);
        while (closedOrder.size() > CLOSED_IN_MEMORY) {
            Conversation old = conversations.remove(closedOrder.removeFirst());
            if (old != null) {
                old.visitor.stored.put(old.id, old.record());
                old.release();
            }
        }
    }

    /** A retired conversation is open again (a reply by email): it stays in memory. */
    void reopened(Conversation c) {
        closedOrder.remove(c.id);
    }

    /** Whether memory holds this visitor or a conversation of theirs. */
    boolean holdsVisitor(String visitorId) {
        return visitorsById.containsKey(visitorId)
                || conversations.values().stream().anyMatch(c -> c.visitor.id.equals(visitorId));
    }

    Optional<Agent> agent(String id) {
        return Optional.ofNullable(agents.get(id));
    }

    /** Every agent known since start, online or not; a view. */
    Collection<Agent> agents() {
        return Collections.unmodifiableCollection(agents.values());
    }

    /** The agent of this id, made (offline, nothing assigned) if memory holds none. */
    Agent agentOrNew(AgentInfo info) {
        return agents.computeIfAbsent(info.id(), id -> new Agent(info));
    }

    Optional<Agent> agentOf(Session session) {
        return Optional.ofNullable(agentSessions.get(session));
    }

    void addAgentSession(Session session, Agent agent) {
        agentSessions.put(session, agent);
    }

    /** The socket closed: the agent it was, if any, no longer has it. */
    Optional<Agent> agentSessionClosed(Session session) {
        Agent agent = agentSessions.remove(session);
        if (agent != null) {
            agent.sessions.remove(session);
        }
        return Optional.ofNullable(agent);
    }

    Optional<Visitor> visitor(String id) {
        return Optional.ofNullable(visitorsById.get(id));
    }

    Optional<Visitor> visitorByToken(String token) {
        return Optional.ofNullable(visitorsByToken.get(token));
    }

    /** Memory holds the visitor by id ({@link #addToken} adds a token they are found by). */
    void addVisitor(Visitor v) {
        visitorsById.put(v.id, v);
    }

    /** The visitor is found by this token too (a new one, or the one a stored visitor came back with). */
    void addToken(Visitor v, String token) {
        visitorsByToken.put(token, v);
    }

    /** Memory forgets the visitor (the store keeps them). */
    void forgetVisitor(Visitor v) {
        visitorsById.remove(v.id, v);
        if (v.token != null) {
            visitorsByToken.remove(v.token, v);
        }
    }

    Optional<Visitor> visitorOf(Session session) {
        return Optional.ofNullable(visitorSessions.get(session));
    }

    /** Every visitor socket that said hello, with its visitor; a view. */
    Map<Session, Visitor> visitorSessions() {
        return Collections.unmodifiableMap(visitorSessions);
    }

    void addVisitorSession(Session session, Visitor visitor) {
        visitorSessions.put(session, visitor);
    }

    /** Forgets a visitor socket; the visitor it said hello as, if any. */
    Visitor forgetVisitorSession(Session session) {
        return visitorSessions.remove(session);
    }

    /** How many conversations memory holds. */
    int conversationCount() {
        return conversations.size();
    }

    /** Gives every conversation's buffers back (the router stopped). */
    void release() {
        conversations.values().forEach(Conversation::release);
    }
}
