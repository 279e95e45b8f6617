package dev.concierge.server.cluster;

import dev.concierge.server.auth.AgentAuth;
import dev.concierge.store.ConversationStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the other nodes, on {@link Wire#AUTH}, what happened to agents' sessions here: a sign-in
 * (so its token works on every node at once), a sign-out, a disabled or enabled account (so the
 * agent's sockets on every node are closed). Each message names this node, which ignores its own.
 */
final class SharedSessions implements AgentAuth.SessionEvents {
    static final byte OPENED = 1;
    static final byte SIGNED_OUT = 2;
    static final byte DISABLED = 3;

    private static final Logger log = LoggerFactory.getLogger(SharedSessions.class);

    private final String nodeId;
    private final Outbound.Publisher publisher;

    SharedSessions(String nodeId, Outbound.Publisher publisher) {
        this.nodeId = nodeId;
        this.publisher = publisher;
    }

    @Override
    public void opened(ConversationStore.AgentSession session) {
        send(new Wire.Out()
                .kind(OPENED)
                .s(nodeId)
                .s(session.tokenHash())
                .s(session.agentId())
                .l(session.lastUsed().toEpochMilli())
                .s(session.credential())
                .l(session.createdAt().toEpochMilli()));
    }

    @Override
    public void signedOut(String tokenHash) {
        send(new Wire.Out().kind(SIGNED_OUT).s(nodeId).s(tokenHash));
    }

    @Override
    public void disabled(String agentId, boolean isDisabled) {
        send(new Wire.Out().kind(DISABLED).s(nodeId).s(agentId).b(isDisabled ? 1 : 0));
    }

    private void send(Wire.Out out) {
        try {
            publisher.publish(Wire.AUTH, out.done());
        } catch (RuntimeException e) {
            // Away from NATS: this node's sockets are closed meanwhile; the others learn the
            // sign-in from the store after a restart, or the agent signs in again there.
            log.warn("cannot tell the other nodes of an agent's session: {}", e.getMessage());
        }
    }
}
