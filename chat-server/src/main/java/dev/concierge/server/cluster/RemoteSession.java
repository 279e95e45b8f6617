package dev.concierge.server.cluster;

import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.routing.Session;
import dev.concierge.server.routing.SharedFrame;

/**
 * A socket on another node (or on the decider's own node, reached the same way), as the
 * decider's router sees it: frames go to that node through {@link Outbound}.
 */
final class RemoteSession implements Session {
    final String node;
    /** The node's incarnation the socket was opened under. */
    final long epoch;

    final long sid;
    private final Outbound out;
    private volatile int version = 1;

    RemoteSession(String node, long epoch, long sid, Outbound out) {
        this.node = node;
        this.epoch = epoch;
        this.sid = sid;
        this.out = out;
    }

    @Override
    public String id() {
        return node + "/" + sid;
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public void send(ServerMessage message) {
        out.frame(node, sid, message);
    }

    @Override
    public void send(SharedFrame frame) {
        out.frame(node, sid, frame);
    }

    @Override
    public void sendEncoded(byte[] json) {
        out.frame(node, sid, json);
    }

    @Override
    public int version() {
        return version;
    }

    @Override
    public void version(int version) {
        this.version = version;
    }

    @Override
    public void close(int code, String reason) {
        out.close(node, sid, code, reason);
    }

    @Override
    public String toString() {
        return "session " + id();
    }
}
