package dev.concierge.server.cluster;

import dev.concierge.server.auth.LoginThrottle;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the per-address limits cluster-wide, on {@link Wire#LIMITS} (docs/scaling.md):
 *
 * <ul>
 *   <li>sign-in attempts: each attempt this node's {@link LoginThrottle} admits, and each one it
 *   gives back (a success, or an attempt not made), is charged to every other node's throttle;</li>
 *   <li>connections per address: each connection this node counts or stops counting is a change
 *   ({@code +1}/{@code -1}), and every {@link #SNAPSHOT_EVERY} the node sends what it holds (the
 *   {@link #SNAPSHOT_MOST} addresses holding most), which replaces all the others knew of it; a
 *   node not heard of for {@link #FORGET_AFTER} counts for nothing ({@link CountsElsewhere});</li>
 *   <li>visitors' uploads: each upload this node admits is counted against the visitor's upload
 *   limit on every other node.</li>
 * </ul>
 *
 * Messages go through the node's {@link Forwarder}, so the event loops that count never wait for
 * NATS; one that cannot go is dropped (the next snapshot corrects the counts). Each message names
 * this node, which ignores its own.
 */
final class SharedLimits implements ClusterNode.Connections, ClusterNode.UploadCharges, LoginThrottle.Charges {
    static final byte ATTEMPT = 1;
    static final byte ATTEMPT_RETURNED = 2;
    static final byte CONNECTION = 3;
    static final byte SNAPSHOT = 4;
    static final byte UPLOAD = 5;

    /** How often a node sends its counts in full. */
    static final Duration SNAPSHOT_EVERY = Duration.ofSeconds(1);
    /** How long a node's counts last without a word from it: three snapshots. */
    static final Duration FORGET_AFTER = Duration.ofSeconds(3);
    /** The most addresses in a snapshot (48 KiB of IPv4, 96 KiB of IPv6): those holding most connections. */
    static final int SNAPSHOT_MOST = 4096;

    private static final Logger log = LoggerFactory.getLogger(SharedLimits.class);
    private static final Runnable DROP = () -> {};

    private final String nodeId;
    private final Edge.Sender sender;
    private final LoginThrottle.Charges throttle;
    private final LongSupplier nanoTime;
    private final CountsElsewhere elsewhere;
    private volatile Supplier<Map<InetAddress, Integer>> here = Map::of;
    private volatile Consumer<String> uploadsElsewhere = uploader -> {};
    private long lastSnapshot;
    private boolean snapshotted;

    /**
     * @param sender publishes this node's messages
     * @param throttle this node's throttle, charged with the other nodes' attempts
     */
    SharedLimits(String nodeId, Edge.Sender sender, LoginThrottle.Charges throttle, LongSupplier nanoTime) {
        this.nodeId = nodeId;
        this.sender = sender;
        this.throttle = throttle;
        this.nanoTime = nanoTime;
        this.elsewhere = new CountsElsewhere(FORGET_AFTER, 2 * SNAPSHOT_MOST, nanoTime);
    }

    @Override
    public void taken(String username, String address, boolean perUser) {
        send(new Wire.Out().kind(ATTEMPT).s(nodeId).s(username).s(address).b(perUser ? 1 : 0));
    }

    @Override
    public void returned(String username, String address, boolean perUser, boolean signedIn) {
        send(new Wire.Out()
                .kind(ATTEMPT_RETURNED)
                .s(nodeId)
                .s(username)
                .s(address)
                .b(perUser ? 1 : 0)
                .b(signedIn ? 1 : 0));
    }

    @Override
    public int openElsewhere(InetAddress address) {
        return elsewhere.open(address);
    }

    @Override
    public void opened(InetAddress address) {
        send(new Wire.Out()
                .kind(CONNECTION)
                .s(nodeId)
                .bytes(address.getAddress())
                .b(1));
    }

    @Override
    public void closed(InetAddress address) {
        send(new Wire.Out()
                .kind(CONNECTION)
                .s(nodeId)
                .bytes(address.getAddress())
                .b(-1));
    }

    @Override
    public void countHere(Supplier<Map<InetAddress, Integer>> openHere) {
        this.here = Objects.requireNonNull(openHere, "openHere");
    }

    @Override
    public void admitted(String uploader) {
        send(new Wire.Out().kind(UPLOAD).s(nodeId).s(uploader));
    }

    @Override
    public void countElsewhere(Consumer<String> admittedElsewhere) {
        this.uploadsElsewhere = Objects.requireNonNull(admittedElsewhere, "admittedElsewhere");
    }

    /** Sends a snapshot when one is due; called on every heartbeat. */
    synchronized void tick() {
        long now = nanoTime.getAsLong();
        if (snapshotted && now - lastSnapshot < SNAPSHOT_EVERY.toNanos()) {
            return;
        }
        snapshotted = true;
        lastSnapshot = now;
        List<Map.Entry<InetAddress, Integer>> most = most(here.get());
        Wire.Out out = new Wire.Out().kind(SNAPSHOT).s(nodeId).i(most.size());
        for (Map.Entry<InetAddress, Integer> e : most) {
            out.bytes(e.getKey().getAddress()).i(e.getValue());
        }
        send(out);
    }

    /** The addresses holding most connections, at most {@link #SNAPSHOT_MOST}. */
    private static List<Map.Entry<InetAddress, Integer>> most(Map<InetAddress, Integer> open) {
        PriorityQueue<Map.Entry<InetAddress, Integer>> kept =
                new PriorityQueue<>(Comparator.comparingInt(Map.Entry::getValue));
        for (Map.Entry<InetAddress, Integer> e : open.entrySet()) {
            kept.add(Map.entry(e.getKey(), e.getValue())); // a copy: the map changes meanwhile
            if (kept.size() > SNAPSHOT_MOST) {
                kept.poll();
            }
        }
        return new ArrayList<>(kept);
    }

    /** A message from {@link Wire#LIMITS}. */
    void onMessage(byte[] data) {
        try {
            Wire.In in = new Wire.In(data);
            byte kind = in.b();
            String from = in.s();
            if (from.equals(nodeId)) {
                return;
            }
            switch (kind) {
                case ATTEMPT -> throttle.taken(in.s(), in.s(), in.b() == 1);
                case ATTEMPT_RETURNED -> throttle.returned(in.s(), in.s(), in.b() == 1, in.b() == 1);
                case CONNECTION -> {
                    InetAddress address = InetAddress.getByAddress(in.bytes());
                    elsewhere.changed(from, address, in.b() > 0 ? 1 : -1);
                }
                case SNAPSHOT -> {
                    int n = in.i();
                    if (n < 0 || n > 2 * SNAPSHOT_MOST) {
                        throw new IOException("bad count " + n);
                    }
                    Map<InetAddress, Integer> open = new HashMap<>();
                    for (int i = 0; i < n; i++) {
                        open.put(InetAddress.getByAddress(in.bytes()), in.i());
                    }
                    elsewhere.snapshot(from, open);
                }
                case UPLOAD -> uploadsElsewhere.accept(in.s());
                default -> throw new IOException("unknown kind " + kind);
            }
        } catch (IOException e) {
            log.warn("dropped a malformed limits message from another node: {}", e.toString());
        }
    }

    /** The other nodes counted now, for tests. */
    int nodesHeard() {
        return elsewhere.nodes();
    }

    private void send(Wire.Out out) {
        sender.publish(Wire.LIMITS, out.done(), DROP);
    }
}
