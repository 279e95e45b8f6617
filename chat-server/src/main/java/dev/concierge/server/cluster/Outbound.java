package dev.concierge.server.cluster;

import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.routing.SharedFrame;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decider's frames for sockets on other nodes: queued by the router thread, encoded to JSON
 * on this class's own thread ({@code concierge-cluster-out}; encoding stays off the router), and
 * published to each node's subject in batches of up to {@link #BATCH_BYTES}, in the order they
 * were queued. A frame for several sockets ({@link SharedFrame}) is encoded once.
 */
final class Outbound implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Outbound.class);
    /** A batch is published once it holds this much; a larger frame goes alone. */
    static final int BATCH_BYTES = 64 * 1024;

    private record Entry(String node, long sid, Object frame, int code, String reason) {}

    private static final Entry STOP = new Entry("", 0, null, 0, null);

    /** Publishes one node's batch. */
    interface Publisher {
        void publish(String subject, byte[] data);
    }

    private final BlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
    /** Set when the period this belongs to ended without the lease: nothing more is published. */
    private volatile boolean discarded;

    private final ProtocolCodec codec;
    private final Publisher publisher;
    private final Thread thread;

    Outbound(ProtocolCodec codec, Publisher publisher) {
        this.codec = codec;
        this.publisher = publisher;
        this.thread = new Thread(this::run, "concierge-cluster-out");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a frame ({@link ServerMessage}, {@link SharedFrame} or encoded bytes) for a socket. */
    void frame(String node, long sid, Object frame) {
        if (discarded) {
            return;
        }
        queue.add(new Entry(node, sid, frame, 0, null));
    }

    /** Queues a close of a socket, after the frames queued before it. */
    void close(String node, long sid, int code, String reason) {
        queue.add(new Entry(node, sid, null, code, reason));
    }

    private void run() {
        List<Entry> drained = new ArrayList<>();
        Map<String, Wire.Out> batches = new LinkedHashMap<>();
        while (true) {
            drained.clear();
            try {
                drained.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(drained, 4096);
            boolean stop = false;
            for (Entry e : drained) {
                if (e == STOP) {
                    stop = true;
                    break;
                }
                Wire.Out out = batches.computeIfAbsent(e.node(), n -> new Wire.Out());
                out.l(e.sid());
                if (e.frame() == null) {
                    out.kind(Wire.CLOSE).i(e.code()).s(e.reason() == null ? "" : e.reason());
                } else {
                    out.kind(Wire.FRAME).bytes(encode(e.frame()));
                }
                if (out.size() >= BATCH_BYTES) {
                    publish(e.node(), batches.remove(e.node()));
                }
            }
            batches.forEach(this::publish);
            batches.clear();
            if (stop) {
                return;
            }
        }
    }

    private byte[] encode(Object frame) {
        if (frame instanceof byte[] bytes) {
            return bytes;
        }
        if (frame instanceof SharedFrame shared) {
            return shared.bytes(codec);
        }
        return codec.encodeBytes(frame);
    }

    private void publish(String node, Wire.Out batch) {
        if (discarded) {
            return;
        }
        try {
            publisher.publish(Wire.toNode(node), batch.done());
        } catch (RuntimeException e) { // the broker is away: the node's sockets are closed by its own checks
            log.warn("cannot send frames to node {}: {}", node, e.getMessage());
        }
    }

    /**
     * Drops what is queued and everything queued later, and stops the thread: a decider that lost
     * its lease must not reach clients (its router may still run what it had queued).
     */
    void discard() {
        discarded = true;
        queue.clear();
        queue.add(STOP);
    }

    /** Publishes what is queued, then stops the thread. */
    @Override
    public void close() {
        queue.add(STOP);
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
