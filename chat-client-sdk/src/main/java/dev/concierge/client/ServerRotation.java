package dev.concierge.client;

import java.net.URI;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Which server each connection attempt goes to: the settings' server URIs (a cluster's nodes)
 * round robin, starting from a random one, so that clients sharing one list spread over the
 * nodes and a client that loses its node tries the next one. When an attempt's preparation (an
 * agent's login) reached another server than the one it was sent to, the rotation follows that
 * server instead. Not thread-safe; the connection calls it under its lock.
 */
final class ServerRotation {
    private final List<URI> servers;
    /** The index in {@link #servers} of the next attempt's server. */
    private int next;
    /** The server of the latest attempt. */
    private URI current;

    ServerRotation(List<URI> servers, RandomGenerator random) {
        this.servers = servers;
        // Clients that share one list spread over the nodes; a single server costs no draw.
        this.next = servers.size() > 1 ? random.nextInt(servers.size()) : 0;
        this.current = servers.get(next);
    }

    /** Moves on to the server of a new attempt and returns it. */
    URI advance() {
        current = servers.get(next);
        next = (next + 1) % servers.size();
        return current;
    }

    /** The latest attempt reached {@code server} instead: it becomes current, the rotation goes on after it. */
    void reached(URI server) {
        current = server;
        next = (servers.indexOf(server) + 1) % servers.size();
    }

    /** The server of the latest attempt (before the first, the one it will go to). */
    URI current() {
        return current;
    }

    /** How many servers the rotation goes over. */
    int size() {
        return servers.size();
    }
}
