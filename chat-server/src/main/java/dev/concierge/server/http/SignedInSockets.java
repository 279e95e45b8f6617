package dev.concierge.server.http;

import java.util.Collection;

/**
 * The agents' open sockets by session token, as signing out and disabling an agent need them:
 * the transport keeps them, the HTTP calls close them.
 */
public interface SignedInSockets {
    /** Closes (1008, after an {@code unauthorized} error frame) every socket signed in with these tokens; returns how many. */
    int closeAll(Collection<String> tokens);
}
