package dev.concierge.server.routing;

import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;

/**
 * One server frame going to several sockets (the visitor's tabs and the agent): encoded to JSON
 * once, by whichever event loop gets to it first, and the same bytes written to every socket.
 * Encoding stays off the router thread.
 */
public final class SharedFrame {
    final ServerMessage message;
    private volatile byte[] bytes;

    SharedFrame(ServerMessage message) {
        this.message = message;
    }

    /** The JSON bytes; computing them twice in a race is harmless (same result). */
    public byte[] bytes(ProtocolCodec codec) {
        byte[] b = bytes;
        if (b == null) {
            b = codec.encodeBytes(message);
            bytes = b;
        }
        return b;
    }
}
