package dev.concierge.server.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The messages nodes send each other over NATS, and their subjects. Only nodes of one cluster
 * read them: the NATS server must not be shared with untrusted clients (docs/scaling.md).
 *
 * <ul>
 *   <li>{@link #toDecider}: from every node to the decider under that token: a socket's hello, its requests, its
 *   going away, and the node's heartbeat. Each carries the decider's token the node addresses,
 *   so a decider that lost its lease ignores them.</li>
 *   <li>{@link #BEAT}: the decider's heartbeat: its token, its node, and the nodes it heard from
 *   within a lease's time (a node missing there cannot reach it, even if it hears the beat).</li>
 *   <li>{@link #AUTH}: an agent's session opened on a node, for the others.</li>
 *   <li>{@link #LIMITS}: sign-in attempts and connections per address, for every node's limits.</li>
 *   <li>{@link #toNode}: from the decider to one node: frames for its sockets, already encoded,
 *   and closes, batched.</li>
 *   <li>{@link #callsTo}: a node's call to the decider under that token (request/reply):
 *   erasing a visitor, the live dashboard.</li>
 * </ul>
 */
final class Wire {
    /** The prefix of {@link #toDecider}. */
    static final String TO_DECIDER = "concierge.decider";

    static final String BEAT = "concierge.beat";
    /** Agents' sessions opened on one node, for every node (so a token works on all at once). */
    static final String AUTH = "concierge.auth";

    static final byte HELLO = 1;
    static final byte REQUEST = 2;
    static final byte GONE = 3;
    static final byte ALIVE = 4;

    static final byte FRAME = 1;
    static final byte CLOSE = 2;
    /**
     * A new version of a shared file (the FAQ, the agents file) in PostgreSQL, for every node:
     * the sending node, the file's name and the version; the content is read from the store.
     */
    static final String EDITS = "concierge.edits";

    /** Sign-in attempts and connections per address, for every node's limits ({@link SharedLimits}). */
    static final String LIMITS = "concierge.limits";

    /** The prefix of {@link #callsTo}. */
    static final String CALLS = "concierge.call";

    private Wire() {}

    /**
     * The subject of the decider holding the lease under {@code token}: only it subscribes, so
     * no other node receives the requests, and a decider that lost its lease receives none of
     * its successor's.
     */
    static String toDecider(long token) {
        return TO_DECIDER + "." + token;
    }

    /**
     * The subject of the calls ({@link DeciderCalls}) to the decider holding the lease under
     * {@code token}: NATS request/reply, subscribed only while that node decides.
     */
    static String callsTo(long token) {
        return CALLS + "." + token;
    }

    static String toNode(String nodeId) {
        return "concierge.node." + nodeId;
    }

    /** A message being written. */
    static final class Out {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        private final DataOutputStream out = new DataOutputStream(bytes);

        Out kind(byte kind) {
            return b(kind);
        }

        Out b(int value) {
            try {
                out.writeByte(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Out i(int value) {
            try {
                out.writeInt(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Out l(long value) {
            try {
                out.writeLong(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Out s(String value) {
            try {
                out.writeUTF(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Out bytes(byte[] value) {
            i(value.length);
            try {
                out.write(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        int size() {
            return bytes.size();
        }

        byte[] done() {
            return bytes.toByteArray();
        }
    }

    /** A message being read; a malformed one throws {@link IOException}. */
    static final class In {
        private final DataInputStream in;

        In(byte[] data) {
            this.in = new DataInputStream(new ByteArrayInputStream(data));
        }

        byte b() throws IOException {
            return in.readByte();
        }

        int i() throws IOException {
            return in.readInt();
        }

        long l() throws IOException {
            return in.readLong();
        }

        String s() throws IOException {
            return in.readUTF();
        }

        byte[] bytes() throws IOException {
            int n = in.readInt();
            if (n < 0 || n > in.available()) {
                throw new IOException("bad length " + n);
            }
            return in.readNBytes(n);
        }

        boolean more() throws IOException {
            return in.available() > 0;
        }
    }
}
