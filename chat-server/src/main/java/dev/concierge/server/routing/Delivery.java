package dev.concierge.server.routing;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ServerMessage;

/**
 * Who gets which frame of a conversation: its events go to the visitor's sockets (internal notes
 * never do) and, after the assignment, to the owning agent's; each frame is encoded once for all
 * of them. Router thread only.
 */
final class Delivery {
    private final Live live;

    Delivery(Live live) {
        this.live = live;
    }

    /** Whether {@link #broadcast} sends {@code event} to the socket {@code session} now. */
    boolean reached(Conversation c, TranscriptEvent event, Session session) {
        if (forVisitor(event) && c.visitor.sessions.contains(session)) {
            return true;
        }
        Agent agent =
                forAgent(c, event) && c.agentId != null ? live.agent(c.agentId).orElse(null) : null;
        return agent != null && agent.sessions.contains(session);
    }

    /** Internal notes never reach the visitor. */
    private static boolean forVisitor(TranscriptEvent event) {
        return event.kind() != Kind.NOTE;
    }

    /** Events up to the assignment reach the agent inside the handoff package, later ones live. */
    private static boolean forAgent(Conversation c, TranscriptEvent event) {
        return event.seq() > c.assignedSeq;
    }

    /** Sends a stored event to the visitor and the owning agent, as it concerns each. */
    void broadcast(Conversation c, TranscriptEvent event) {
        SharedFrame frame = new SharedFrame(ServerMessage.Event.of(c.id, event)); // encoded once
        if (forVisitor(event)) {
            toVisitor(c, frame);
        }
        if (forAgent(c, event)) {
            toAgent(c, frame);
        }
    }

    void toVisitor(Conversation c, SharedFrame frame) {
        for (Session s : c.visitor.sessions) {
            s.send(frame);
        }
    }

    void toAgent(Conversation c, SharedFrame frame) {
        Agent agent = c.agentId == null ? null : live.agent(c.agentId).orElse(null);
        if (agent != null) {
            for (Session s : agent.sessions) {
                s.send(frame);
            }
        }
    }

    /** Sends a frame to every connected agent. */
    void toAgents(ServerMessage message) {
        SharedFrame frame = new SharedFrame(message);
        for (Agent agent : live.agents()) {
            for (Session s : agent.sessions) {
                s.send(frame);
            }
        }
    }
}
