package dev.concierge.server.cluster;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.routing.ChatCore;
import dev.concierge.server.routing.Session;
import java.io.IOException;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat core as every node's transport sees it in cluster mode: the sockets of this node,
 * forwarded to whichever node decides (docs/scaling.md). Each socket is bound to the decider it
 * said hello to; when another decider takes over, or none has been heard of for a lease's time,
 * or the decider's heartbeats stop listing this node among those it hears (what it forwards is
 * lost: a one-way broken connection), or this node was paused, the bound sockets are closed with 1012 so that their clients say hello
 * again (to any node) and resume by {@code seq}, resending what was not acknowledged. A hello
 * while no decider is known (or while it does not hear this node) is held until one is heard of
 * (a takeover), and refused with {@code unavailable} and a 1013 close if none is within a
 * lease's time.
 *
 * <p>{@link ChatCore} methods run on the event loops; {@link #onFrames} and {@link #onBeat} on
 * the NATS dispatcher's thread; {@link #tick} on the heartbeat thread.
 */
final class Edge implements ChatCore {
    private static final Logger log = LoggerFactory.getLogger(Edge.class);
    /** Hands a message for the decider over without waiting ({@link Forwarder}); runs {@code onFailure} if it cannot go. */
    interface Sender {
        void publish(String subject, byte[] data, Runnable onFailure);
    }

    /** A hello that came while no decider was known, and when. */
    private record Parked(Session session, Role role, AgentInfo agent, ClientMessage.Hello hello, long since) {}

    /** A socket of this node and the decider's token it said hello to. */
    private record Local(Session session, long token) {}

    private final String nodeId;
    private final ClusterSettings settings;
    private final ProtocolCodec codec;
    private final Predicate<String> hasSite;
    private final Sender forwarder;
    private final LongSupplier nanoTime;

    /** Socket numbers, from the clock too: a restarted node never reuses one its predecessor had. */
    private final AtomicLong nextSid = new AtomicLong(System.currentTimeMillis() * 1000);

    private final Map<Long, Local> sockets = new ConcurrentHashMap<>();
    private final Map<Session, Long> sids = new ConcurrentHashMap<>();
    private final Queue<Parked> parked = new ConcurrentLinkedQueue<>();

    /**
     * This node's incarnation: the sockets the decider knows of this node were opened under it.
     * It starts from the clock (a restarted node's sockets are not its predecessor's) and grows
     * each time the node closes all its sockets at once, so that the decider forgets the ones it
     * holds from before even when the node could not tell it (NATS away, a pause).
     */
    private volatile long epoch = System.currentTimeMillis() * 1000;

    /** The decider's token this node addresses; 0 while none is known. */
    private volatile long token;

    private volatile String deciderNode;
    private volatile long lastBeat;
    /**
     * When the decider last listed this node among those it hears, or when this node learned of
     * the decider (a lease's time of grace for its first heartbeats to arrive).
     */
    private volatile long heardSince;

    private boolean unheard; // heartbeat thread only: the sockets were closed for it
    private long lastTick; // heartbeat thread only

    Edge(
            ClusterSettings settings,
            ProtocolCodec codec,
            Predicate<String> hasSite,
            Sender forwarder,
            LongSupplier nanoTime) {
        this.nodeId = settings.nodeId();
        this.settings = settings;
        this.codec = codec;
        this.hasSite = hasSite;
        this.forwarder = forwarder;
        this.nanoTime = nanoTime;
        this.lastTick = nanoTime.getAsLong();
    }

    @Override
    public void visitorHello(Session session, ClientMessage.Hello hello) {
        hello(session, Role.VISITOR, null, hello);
    }

    @Override
    public void agentHello(Session session, AgentInfo agent, ClientMessage.Hello hello) {
        hello(session, Role.AGENT, agent, hello);
    }

    private void hello(Session session, Role role, AgentInfo agent, ClientMessage.Hello hello) {
        long decider = token;
        if (decider == 0 || !heard(nanoTime.getAsLong())) {
            // Held until a decider is heard of (a takeover takes a few seconds), then refused.
            parked.add(new Parked(session, role, agent, hello, nanoTime.getAsLong()));
            return;
        }
        long sid = nextSid.incrementAndGet();
        sockets.put(sid, new Local(session, decider));
        sids.put(session, sid);
        Wire.Out out = new Wire.Out()
                .kind(Wire.HELLO)
                .l(decider)
                .s(nodeId)
                .l(epoch)
                .l(sid)
                .i(session.version())
                .b(role == Role.AGENT ? 1 : 0)
                .bytes(agent == null ? new byte[0] : codec.encodeBytes(agent))
                .bytes(codec.encodeBytes(hello));
        send(decider, out, () -> session.close(1012, "the deciding node is unreachable; reconnect"));
    }

    @Override
    public void request(Session session, Role role, ClientMessage message) {
        Long sid = sids.get(session);
        Local local = sid == null ? null : sockets.get(sid);
        if (local == null) {
            return; // closed already
        }
        if (local.token() != token) {
            session.close(1012, "the deciding node changed; reconnect");
            return;
        }
        // Not forwarded: the socket closes, and the client resends it, with its id, after reconnecting.
        send(
                local.token(),
                new Wire.Out()
                        .kind(Wire.REQUEST)
                        .l(local.token())
                        .s(nodeId)
                        .l(sid)
                        .b(role == Role.AGENT ? 1 : 0)
                        .bytes(codec.encodeBytes(message)),
                () -> session.close(1012, "the deciding node is unreachable; reconnect"));
    }

    @Override
    public void disconnected(Session session) {
        parked.removeIf(p -> p.session() == session);
        Long sid = sids.remove(session);
        if (sid == null) {
            return;
        }
        Local local = sockets.remove(sid);
        if (local != null) {
            send(
                    local.token(),
                    new Wire.Out().kind(Wire.GONE).l(local.token()).s(nodeId).l(sid),
                    () -> {});
        }
    }

    @Override
    public boolean hasSite(String key) {
        return hasSite.test(key);
    }

    /** Frames and closes from the decider for this node's sockets (NATS dispatcher thread). */
    void onFrames(byte[] data) {
        Wire.In in = new Wire.In(data);
        try {
            while (in.more()) {
                long sid = in.l();
                byte kind = in.b();
                Local local = sockets.get(sid);
                if (kind == Wire.FRAME) {
                    byte[] json = in.bytes();
                    if (local != null) {
                        local.session().sendEncoded(json);
                    }
                } else if (kind == Wire.CLOSE) {
                    int code = in.i();
                    String reason = in.s();
                    if (local != null) {
                        local.session().close(code, reason);
                    }
                } else {
                    throw new IOException("unknown kind " + kind);
                }
            }
        } catch (IOException e) {
            log.warn("dropped a malformed batch of frames from the decider: {}", e.getMessage());
        }
    }

    /** The decider's heartbeat (NATS dispatcher thread). */
    void onBeat(byte[] data) {
        try {
            Wire.In in = new Wire.In(data);
            long beat = in.l();
            String node = in.s();
            boolean hearsMe = false;
            for (int n = in.i(); n > 0; n--) {
                hearsMe |= nodeId.equals(in.s());
            }
            long current = token;
            if (beat < current) {
                return; // a decider that lost its lease and has not noticed yet
            }
            long now = nanoTime.getAsLong();
            lastBeat = now;
            if (hearsMe) {
                heardSince = now;
            }
            if (beat > current) {
                deciderNode = node;
                heardSince = now;
                token = beat;
                log.info("decider is node {} (token {})", node, beat);
                if (current != 0) {
                    closeBound("the deciding node changed; reconnect");
                }
                forwardParked();
            }
        } catch (IOException e) {
            log.warn("dropped a malformed heartbeat: {}", e.getMessage());
        }
    }

    /**
     * Every beat (heartbeat thread): notices a pause of this node or a silent decider, closing
     * the sockets bound to it, and tells the decider this node is alive.
     */
    void tick() {
        long now = nanoTime.getAsLong();
        long gap = now - lastTick;
        lastTick = now;
        if (gap > settings.leaseTtl().toNanos()) {
            // Paused (SIGSTOP, a long GC): the decider may have dropped this node's sockets.
            log.warn("node was paused for {} ms; closing its sockets", gap / 1_000_000);
            closeBound("this node was paused; reconnect");
            token = 0;
            return;
        }
        long decider = token;
        if (decider != 0 && now - lastBeat > settings.leaseTtl().toNanos()) {
            log.warn("no heartbeat from decider {} for {} ms", deciderNode, (now - lastBeat) / 1_000_000);
            token = 0;
            closeBound("the deciding node is unreachable; reconnect");
            return;
        }
        if (decider != 0) {
            // Sent also while the decider does not hear this node: it may hear it again.
            send(decider, new Wire.Out().kind(Wire.ALIVE).l(decider).s(nodeId).l(epoch), () -> {});
        }
        if (decider != 0 && heard(now)) {
            unheard = false;
            forwardParked();
            return;
        }
        if (decider != 0 && !unheard) {
            // It hears the decider, but the decider does not hear it: what it forwards is lost.
            unheard = true;
            log.warn(
                    "decider {} has not heard from this node for {} ms; closing its sockets",
                    deciderNode,
                    (now - heardSince) / 1_000_000);
            closeBound("the deciding node does not hear this node; reconnect");
        }
        refuseParkedSince(now - settings.leaseTtl().toNanos());
    }

    /** Forwards the hellos held while no decider was known, in the order they came. */
    private void forwardParked() {
        Parked p;
        while (token != 0 && heard(nanoTime.getAsLong()) && (p = parked.poll()) != null) {
            hello(p.session(), p.role(), p.agent(), p.hello());
        }
    }

    /** Refuses the held hellos that came before {@code limit}: unavailable, and a 1013 close. */
    private void refuseParkedSince(long limit) {
        parked.removeIf(p -> {
            if (p.since() - limit > 0) {
                return false;
            }
            p.session()
                    .send(ServerMessage.Error.of(
                            ErrorCode.UNAVAILABLE,
                            "No node can take this conversation right now; retry shortly.",
                            p.hello().id()));
            p.session().close(1013, "try again later");
            return true;
        });
    }

    /** Whether a decider has been heard of within a lease's time, and it hears this node. */
    boolean ready() {
        return whyNotReady() == null;
    }

    /** Why this node cannot serve, or null when it can. */
    String whyNotReady() {
        long now = nanoTime.getAsLong();
        if (token == 0 || now - lastBeat > settings.leaseTtl().toNanos()) {
            return "no deciding node heard of";
        }
        return heard(now) ? null : "the deciding node does not hear this node";
    }

    /** Whether the decider listed this node among those it hears within a lease's time. */
    private boolean heard(long now) {
        return now - heardSince <= settings.leaseTtl().toNanos();
    }

    /** The decider's node, while one is known. */
    String deciderNode() {
        return token == 0 ? null : deciderNode;
    }

    /** The token of the decider this node addresses, 0 while none is known. */
    long deciderToken() {
        return token;
    }

    /** How many sockets this node forwards. */
    int sockets() {
        return sockets.size();
    }

    private void closeBound(String reason) {
        epoch++;
        for (Local local : sockets.values()) {
            local.session().close(1012, reason);
        }
    }

    private void send(long token, Wire.Out out, Runnable onFailure) {
        forwarder.publish(Wire.toDecider(token), out.done(), onFailure);
    }

    /**
     * The connection to NATS dropped: what was in flight may be lost either way, so every socket
     * is closed (its client resends what was not acknowledged) and hellos are refused until a
     * decider is heard of again.
     */
    void brokerLost() {
        if (token != 0 || !sockets.isEmpty()) {
            log.warn("lost NATS; closing this node's sockets until a decider is heard again");
        }
        token = 0;
        closeBound("the cluster's broker is unreachable; reconnect");
    }
}
