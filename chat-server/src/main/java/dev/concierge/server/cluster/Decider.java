package dev.concierge.server.cluster;

import dev.concierge.protocol.ClientMessage;
import dev.concierge.protocol.ProtocolCodec;
import dev.concierge.protocol.ProtocolException;
import dev.concierge.protocol.Values.AgentInfo;
import dev.concierge.protocol.Values.Role;
import dev.concierge.server.routing.ChatCore;
import dev.concierge.store.DeciderLease;
import dev.concierge.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease loop of a node and, while this node holds the lease, the cluster's one routing core
 * (docs/scaling.md). On its own thread ({@code concierge-lease}) it tries to take the lease, and
 * once it holds it renews it every beat. Taking it starts a {@link Deciding}: a router over a
 * store fenced by the new token, rebuilt from PostgreSQL by the same recovery as a restart.
 * Losing it (another node's token, or no renewal within the lease's time by this node's clock)
 * stops that router; its store would commit nothing anyway.
 *
 * <p>Requests from every node arrive on {@link #onRequest} (the NATS dispatcher's thread) and are
 * ignored unless addressed to this decider's token while its lease is valid by the local clock,
 * so a node woken from a pause acts on nothing before it has noticed it lost the lease.
 */
final class Decider implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Decider.class);

    private final ClusterSettings settings;
    private final DeciderLease lease;
    private final ClusterNode.Starter starter;
    private final ProtocolCodec codec;
    private final Outbound outbound;
    private final Outbound.Publisher publisher;
    private final LongSupplier nanoTime;
    /** Whether this node is connected to NATS: a node that cannot reach the others does not take the lease. */
    private final BooleanSupplier brokerUp;

    private final Thread thread;

    private final Map<String, RemoteSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, Long> nodesSeen = new ConcurrentHashMap<>();
    /** Each node's latest incarnation (see {@link Edge}); sockets opened under an older one are gone. */
    private final Map<String, Long> nodeEpochs = new ConcurrentHashMap<>();

    /** The token while this node decides, else 0. */
    private volatile long token;
    /** When the lease runs out by this node's clock (nanoTime). */
    private volatile long deadline;

    private volatile ClusterNode.Deciding deciding;
    private volatile boolean closed;

    Decider(
            ClusterSettings settings,
            DeciderLease lease,
            ClusterNode.Starter starter,
            ProtocolCodec codec,
            Outbound.Publisher publisher,
            LongSupplier nanoTime,
            BooleanSupplier brokerUp) {
        this.settings = settings;
        this.brokerUp = brokerUp;
        this.lease = lease;
        this.starter = starter;
        this.codec = codec;
        this.publisher = publisher;
        this.nanoTime = nanoTime;
        this.outbound = new Outbound(codec, publisher);
        this.thread = new Thread(this::loop, "concierge-lease");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        while (!closed) {
            long sent = nanoTime.getAsLong();
            try {
                if (token == 0 && brokerUp.getAsBoolean()) {
                    OptionalLong taken = lease.acquire(settings.nodeId(), settings.leaseTtl());
                    if (taken.isPresent()) {
                        take(taken.getAsLong(), sent);
                    }
                } else if (lease.renew(token, settings.leaseTtl())) {
                    deadline = sent + settings.leaseTtl().toNanos();
                } else {
                    stepDown("another node took the lease");
                }
            } catch (StoreException e) {
                log.warn("lease: {}", e.getMessage());
            } catch (RuntimeException e) {
                log.error("lease loop failed", e);
            }
            if (token != 0 && nanoTime.getAsLong() - deadline > 0) {
                stepDown("the lease ran out before it could be renewed");
            }
            try {
                Thread.sleep(settings.beatEvery().toMillis());
            } catch (InterruptedException e) {
                // close() wakes the loop
            }
        }
    }

    private synchronized void take(long newToken, long sent) {
        deadline = sent + settings.leaseTtl().toNanos();
        long started = System.nanoTime();
        ClusterNode.Deciding d;
        try {
            d = starter.start(newToken);
        } catch (RuntimeException e) {
            log.error("could not start deciding under token {}; releasing the lease", newToken, e);
            releaseQuietly(newToken);
            return;
        }
        deciding = d;
        sessions.clear();
        nodesSeen.clear();
        nodeEpochs.clear();
        token = newToken;
        log.info(
                "node {} decides now (token {}), recovered in {} ms",
                settings.nodeId(),
                newToken,
                (System.nanoTime() - started) / 1_000_000);
        beat();
    }

    /** Stops deciding; the router's pending writes fail if the lease is gone (they are fenced). */
    synchronized void stepDown(String why) {
        long was = token;
        if (was == 0) {
            return;
        }
        token = 0;
        log.warn("node {} stops deciding (token {}): {}", settings.nodeId(), was, why);
        ClusterNode.Deciding d = deciding;
        deciding = null;
        sessions.clear();
        if (d != null) {
            d.close();
        }
    }

    /** A message for the decider from some node (NATS dispatcher thread). */
    void onRequest(byte[] data) {
        long current = token;
        if (current == 0) {
            return;
        }
        if (nanoTime.getAsLong() - deadline > 0) {
            stepDown("the lease ran out (noticed on a request)");
            return;
        }
        ClusterNode.Deciding d = deciding;
        try {
            Wire.In in = new Wire.In(data);
            byte kind = in.b();
            long addressed = in.l();
            String node = in.s();
            if (addressed != current || d == null) {
                return; // for an earlier decider: the node closes those sockets itself
            }
            nodesSeen.put(node, nanoTime.getAsLong());
            ChatCore core = d.router();
            switch (kind) {
                case Wire.HELLO -> {
                    long epoch = in.l();
                    newEpoch(node, epoch, core);
                    long sid = in.l();
                    int version = in.i();
                    Role role = in.b() == 1 ? Role.AGENT : Role.VISITOR;
                    byte[] agentJson = in.bytes();
                    ClientMessage.Hello hello =
                            (ClientMessage.Hello) codec.decodeClient(new String(in.bytes(), StandardCharsets.UTF_8));
                    RemoteSession session = new RemoteSession(node, epoch, sid, outbound);
                    session.version(version);
                    sessions.put(session.id(), session);
                    if (role == Role.AGENT) {
                        AgentInfo agent = codec.mapper().readValue(agentJson, AgentInfo.class);
                        core.agentHello(session, agent, hello);
                    } else {
                        core.visitorHello(session, hello);
                    }
                }
                case Wire.REQUEST -> {
                    long sid = in.l();
                    Role role = in.b() == 1 ? Role.AGENT : Role.VISITOR;
                    byte[] json = in.bytes();
                    RemoteSession session = sessions.get(node + "/" + sid);
                    if (session == null) {
                        outbound.close(node, sid, 1012, "unknown to the deciding node; reconnect");
                        return;
                    }
                    core.request(session, role, codec.decodeClient(new String(json, StandardCharsets.UTF_8)));
                }
                case Wire.GONE -> {
                    RemoteSession session = sessions.remove(node + "/" + in.l());
                    if (session != null) {
                        core.disconnected(session);
                    }
                }
                case Wire.ALIVE -> newEpoch(node, in.l(), core);
                default -> throw new IOException("unknown kind " + kind);
            }
        } catch (IOException | ProtocolException | ClassCastException e) {
            log.warn("dropped a malformed message from a node: {}", e.getMessage());
        }
    }

    /** Forgets the sockets {@code node} had before it started {@code epoch} (it closed them). */
    private void newEpoch(String node, long epoch, ChatCore core) {
        Long known = nodeEpochs.get(node);
        if (known != null && known >= epoch) {
            return;
        }
        nodeEpochs.put(node, epoch);
        if (known != null) {
            dropSessions(s -> s.node.equals(node) && s.epoch < epoch, core);
        }
    }

    private void dropSessions(java.util.function.Predicate<RemoteSession> which, ChatCore core) {
        sessions.values().removeIf(s -> {
            if (which.test(s)) {
                core.disconnected(s);
                return true;
            }
            return false;
        });
    }

    /**
     * Every beat (heartbeat thread): tells every node who decides, and forgets the sockets of a
     * node not heard of for {@link ClusterSettings#silenceLimit}.
     */
    void tick() {
        if (token == 0) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (now - deadline > 0) {
            stepDown("the lease ran out (noticed on a beat)");
            return;
        }
        beat();
        ClusterNode.Deciding d = deciding;
        if (d == null) {
            return;
        }
        long limit = settings.silenceLimit().toNanos();
        List<String> silent = new ArrayList<>();
        nodesSeen.forEach((node, seen) -> {
            if (now - seen > limit) {
                silent.add(node);
            }
        });
        for (String node : silent) {
            nodesSeen.remove(node);
            log.warn(
                    "node {} silent for {} ms: its sockets are gone",
                    node,
                    settings.silenceLimit().toMillis());
            nodeEpochs.remove(node);
            dropSessions(s -> s.node.equals(node), d.router());
        }
    }

    private void beat() {
        long current = token;
        if (current == 0) {
            return;
        }
        try {
            publisher.publish(
                    Wire.BEAT, new Wire.Out().l(current).s(settings.nodeId()).done());
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
        long was = token;
        if (was != 0) {
            stepDown("lost NATS");
            releaseQuietly(was);
        }
    }

    /** Whether this node decides now. */
    boolean deciding() {
        return token != 0;
    }

    /** The router's entry while this node decides. */
    ClusterNode.Deciding current() {
        return deciding;
    }

    private void releaseQuietly(long t) {
        try {
            lease.release(t);
        } catch (StoreException e) {
            log.warn("could not release the lease: {}", e.getMessage());
        }
    }

    /** Stops deciding after the router's writes commit, then releases the lease for another node to take at once. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long was = token;
        synchronized (this) {
            ClusterNode.Deciding d = deciding;
            deciding = null;
            token = 0;
            if (d != null) {
                d.close();
            }
        }
        outbound.close();
        if (was != 0) {
            releaseQuietly(was);
        }
        lease.close();
    }
}
