package dev.concierge.server.routing;

import dev.concierge.protocol.wire.ServerMessage;

/** One connected socket of a visitor or an agent, as the router sees it. Thread-safe. */
public interface Session {
    /** A unique id of this socket, for logs. */
    String id();

    /** The cluster node the socket is connected to, named in its {@code welcome}; null on a single server. */
    default String node() {
        return null;
    }

    /** Sends a frame; never blocks. */
    void send(ServerMessage message);

    /** Sends a frame that goes to other sockets too (encoded once for all); never blocks. */
    default void send(SharedFrame frame) {
        send(frame.message);
    }

    /**
     * Sends a frame another node of the cluster has already encoded (UTF-8 JSON of one server
     * message); never blocks.
     */
    void sendEncoded(byte[] json);

    /** The protocol version the socket said hello with (1 until then). */
    int version();

    /** Records the protocol version of the socket's hello; called once, by the transport's hello check. */
    void version(int version);

    /** Closes the socket with a WebSocket close code. */
    void close(int code, String reason);
}
