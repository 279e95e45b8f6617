package dev.concierge.server.routing;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.wire.ClientMessage;

/**
 * What the transport hands to the chat core: sockets that said hello, their requests, their
 * going away. The transport has checked the protocol version (and recorded it on the
 * {@link Session}), the origin, and an agent's token before a hello gets here; the core handles
 * who the socket is. Every method returns at once: the work runs on the core's own thread, in
 * the order each calling thread handed it over.
 */
public interface ChatCore {
    /**
     * The message of a {@code hello_required} error, on either endpoint: from the transport's hello
     * gate, and from the core for a request of a session it does not know.
     */
    String HELLO_FIRST = "Say hello first.";

    /** A visitor socket said hello: the core finds or makes the visitor (token, resume, identity). */
    void visitorHello(Session session, ClientMessage.Hello hello);

    /** An agent socket said hello with a valid session token for {@code agent}. */
    void agentHello(Session session, AgentInfo agent, ClientMessage.Hello hello);

    /** A request from a socket that has said hello as {@code role}. */
    void request(Session session, Role role, ClientMessage message);

    /** A socket went away. */
    void disconnected(Session session);

    /** Whether the site with this key is configured (a visitor hello naming another is refused). */
    boolean hasSite(String key);
}
