package dev.concierge.server.cluster;

import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.store.DeciderLease;
import dev.concierge.store.StoreException;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease loop of a node and, while this node holds the lease, the cluster's one routing core
 * (docs/scaling.md). On its own thread ({@code concierge-lease}) it tries to take the lease, and
 * once it holds it renews it every beat — also while the router is being rebuilt, which runs on
 * a thread of its own ({@code concierge-takeover}): a {@link DecidingPeriod} begins once the router over
 * a store fenced by the new token has been recovered from PostgreSQL, and ends when the lease is
 * lost (another node's token, or no renewal within the lease's time by this node's clock). An
 * ended period's router may still run what it had queued, but its frames are dropped and its
 * store commits nothing.
 *
 * <p>Requests from every node arrive on {@link #onRequest} (the NATS dispatcher's thread) and are
 * ignored unless addressed to the current period's token while its lease is valid by the local
 * clock, so a node woken from a pause acts on nothing before it has noticed it lost the lease.
 */
final class Decider implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Decider.class);

    /**
     * Where requests and calls for this node as decider arrive ({@link Wire#toDecider},
     * {@link Wire#callsTo}): subscribed while it decides under a token.
     */
    interface Inbox {
        void open(long token);

        void close(long token);
    }

    private final ClusterSettings settings;
    private final DeciderLease lease;
    private final ClusterNode.Starter starter;
    private final ProtocolCodec codec;
    private final Outbound.Publisher publisher;
    private final LongSupplier nanoTime;
    /** Whether this node is connected to NATS: a node that cannot reach the others does not take the lease. */
    private final BooleanSupplier brokerUp;

    private final Inbox inbox;
    private final Thread thread;

    /** The token of the lease this node holds (deciding or still recovering), else 0. */
    private volatile long held;
    /** When the held lease runs out by this node's clock (nanoTime). */
    private volatile long deadline;
    /** The period this node decides in, else null. */
    private volatile DecidingPeriod active;

    private volatile boolean closed;

    Decider(
            ClusterSettings settings,
            DeciderLease lease,
            ClusterNode.Starter starter,
            ProtocolCodec codec,
            Outbound.Publisher publisher,
            LongSupplier nanoTime,
            BooleanSupplier brokerUp,
            Inbox inbox) {
        this.settings = settings;
        this.inbox = inbox;
        this.lease = lease;
        this.starter = starter;
        this.codec = codec;
        this.publisher = publisher;
        this.nanoTime = nanoTime;
        this.brokerUp = brokerUp;
        this.thread = new Thread(this::loop, "concierge-lease");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        while (!closed) {
            long sent = nanoTime.getAsLong();
            long token = held;
            try {
                if (token == 0) {
                    if (brokerUp.getAsBoolean()) {
                        OptionalLong taken = lease.acquire(settings.nodeId(), settings.leaseTtl());
                        if (taken.isPresent()) {
                            take(taken.getAsLong(), sent);
                        }
                    }
                } else if (lease.renew(token, settings.leaseTtl())) {
                    deadline = sent + settings.leaseTtl().toNanos();
                } else {
                    stepDown(token, "another node took the lease");
                }
            } catch (StoreException e) {
                log.warn("lease: {}", e.getMessage());
            } catch (RuntimeException e) {
                log.error("lease loop failed", e);
            }
            if (held != 0 && lapsed()) {
                stepDown(held, "the lease ran out before it could be renewed");
            }
            try {
                Thread.sleep(settings.beatEvery().toMillis());
            } catch (InterruptedException e) {
                // close() wakes the loop
            }
        }
    }

    private boolean lapsed() {
        return nanoTime.getAsLong() - deadline > 0;
    }

    /** Holds the lease under {@code token}; the router is rebuilt beside this thread, which keeps renewing. */
    private synchronized void take(long token, long sent) {
        held = token;
        deadline = sent + settings.leaseTtl().toNanos();
        Thread takeover = new Thread(() -> recover(token), "concierge-takeover");
        takeover.setDaemon(true);
        takeover.start();
    }

    private void recover(long token) {
        long started = System.nanoTime();
        ClusterNode.Deciding d;
        try {
            d = starter.start(token);
        } catch (RuntimeException e) {
            log.error("could not start deciding under token {}; releasing the lease", token, e);
            synchronized (this) {
                if (held == token) {
                    held = 0;
                }
            }
            releaseQuietly(token);
            return;
        }
        synchronized (this) {
            if (held != token || closed) { // lost while recovering
                d.close();
                return;
            }
            active = new DecidingPeriod(token, d, codec, publisher);
        }
        // Outside the lock: the NATS client takes its own locks, and calls brokerLost under them.
        inbox.open(token);
        log.info(
                "node {} decides now (token {}), recovered in {} ms",
                settings.nodeId(),
                token,
                (System.nanoTime() - started) / 1_000_000);
        beat();
    }

    /**
     * Stops deciding under {@code token}: what the router still sends is dropped, and its writes
     * fail if the lease is gone (they are fenced).
     */
    void stepDown(long token, String why) {
        DecidingPeriod p;
        synchronized (this) {
            if (held != token || token == 0) {
                return;
            }
            held = 0;
            p = active;
            active = null;
        }
        log.warn("node {} stops deciding (token {}): {}", settings.nodeId(), token, why);
        closeInbox(token);
        if (p != null) {
            p.outbound.discard();
            // Closing waits for the store, which may be what failed: not on the lease thread.
            Thread closing = new Thread(p.deciding::close, "concierge-stepdown");
            closing.setDaemon(true);
            closing.start();
        }
    }

    /** A message for the decider from some node (NATS dispatcher thread). */
    void onRequest(byte[] data) {
        DecidingPeriod p = active;
        if (p == null) {
            return;
        }
        if (lapsed()) {
            stepDown(p.token, "the lease ran out (noticed on a request)");
            return;
        }
        p.onRequest(data, nanoTime);
    }

    /**
     * Every beat (heartbeat thread): tells every node who decides and which nodes it hears, and
     * forgets the sockets of a node not heard of for {@link ClusterSettings#silenceLimit}.
     */
    void tick() {
        DecidingPeriod p = active;
        if (p == null) {
            return;
        }
        if (lapsed()) {
            stepDown(p.token, "the lease ran out (noticed on a beat)");
            return;
        }
        beat();
        p.forgetSilent(nanoTime.getAsLong(), settings.silenceLimit());
    }

    private void beat() {
        DecidingPeriod p = active;
        if (p == null) {
            return;
        }
        byte[] heartbeat = p.heartbeat(settings.nodeId(), nanoTime.getAsLong(), settings.leaseTtl());
        try {
            publisher.publish(Wire.BEAT, heartbeat);
        } catch (RuntimeException e) {
            log.debug("cannot publish the heartbeat: {}", e.getMessage());
        }
    }

    /**
     * The connection to NATS dropped: frames to the nodes may have been lost, so this node stops
     * deciding and releases the lease at once; a node that still reaches NATS takes it, and its
     * first heartbeat makes every node close the sockets bound to this one.
     */
    void brokerLost() {
        long token = held;
        if (token != 0) {
            stepDown(token, "lost NATS");
            releaseQuietly(token);
        }
    }

    /** Whether this node decides under {@code token}, its lease valid by its clock (a call's check). */
    boolean decidesUnder(long token) {
        DecidingPeriod p = active;
        return p != null && p.token == token && !lapsed();
    }

    /** What this node runs while it decides. */
    ClusterNode.Deciding current() {
        DecidingPeriod p = active;
        return p == null ? null : p.deciding;
    }

    private void closeInbox(long token) {
        try {
            inbox.close(token);
        } catch (RuntimeException e) {
            log.debug("unsubscribing from the decider's subject: {}", e.getMessage());
        }
    }

    private void releaseQuietly(long token) {
        try {
            lease.release(token);
        } catch (StoreException e) {
            log.warn("could not release the lease: {}", e.getMessage());
        }
    }

    /**
     * Stops deciding after the router's writes commit and its last frames are sent, then releases
     * the lease for another node to take at once.
     */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long token;
        DecidingPeriod p;
        synchronized (this) {
            token = held;
            p = active;
            held = 0;
            active = null;
        }
        if (p != null) {
            closeInbox(p.token);
            p.deciding.close();
            p.outbound.close();
        }
        if (token != 0) {
            releaseQuietly(token);
        }
        lease.close();
    }
}
