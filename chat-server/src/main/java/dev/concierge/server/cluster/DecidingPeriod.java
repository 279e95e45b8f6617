package dev.concierge.server.cluster;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ProtocolException;
import dev.concierge.server.routing.ChatCore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stretch of deciding under one lease token: the router recovered for that token, the
 * sockets the nodes have announced to it, which nodes it hears and each node's latest
 * incarnation. It turns the nodes' messages ({@link Wire#toDecider}) into calls on the router,
 * writes the heartbeat that tells every node who decides, and forgets the sockets of nodes gone
 * silent or restarted.
 *
 * <p>{@link Decider} owns the lease — taking, renewing, losing it — and so when a period begins
 * and ends and whether a message may be acted on at all; this class owns what happens inside one
 * period, so that the lease's rules and the socket bookkeeping are each read in one place.
 */
final class DecidingPeriod {
    // The Decider's logger: the cluster's log lines keep one name whichever class writes them.
    private static final Logger log = LoggerFactory.getLogger(Decider.class);

    final long token;
    final ClusterNode.Deciding deciding;
    final Outbound outbound;
    private final ProtocolCodec codec;
    private final Map<String, RemoteSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, Long> nodesSeen = new ConcurrentHashMap<>();
    /** Each node's latest incarnation (see {@link Edge}); sockets opened under an older one are gone. */
    private final Map<String, Long> nodeEpochs = new ConcurrentHashMap<>();

    DecidingPeriod(long token, ClusterNode.Deciding deciding, ProtocolCodec codec, Outbound.Publisher publisher) {
        this.token = token;
        this.deciding = deciding;
        this.codec = codec;
        this.outbound = new Outbound(codec, publisher);
    }

    ChatCore core() {
        return deciding.router();
    }

    /**
     * A message for the decider from some node, ignored unless addressed to this period's token;
     * {@code nanoTime} stamps when its node was last heard. The caller has checked the lease is
     * still valid.
     */
    void onRequest(byte[] data, LongSupplier nanoTime) {
        try {
            Wire.In in = new Wire.In(data);
            byte kind = in.b();
            long addressed = in.l();
            String node = in.s();
            if (addressed != token) {
                return; // for an earlier decider: the node closes those sockets itself
            }
            nodesSeen.put(node, nanoTime.getAsLong());
            ChatCore core = core();
            switch (kind) {
                case Wire.HELLO -> {
                    long epoch = in.l();
                    newEpoch(node, epoch);
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
                case Wire.ALIVE -> newEpoch(node, in.l());
                default -> throw new IOException("unknown kind " + kind);
            }
        } catch (IOException | ProtocolException | ClassCastException e) {
            log.warn("dropped a malformed message from a node: {}", e.getMessage());
        }
    }

    /** Forgets the sockets {@code node} had before it started {@code epoch} (it closed them). */
    private void newEpoch(String node, long epoch) {
        Long known = nodeEpochs.get(node);
        if (known != null && known >= epoch) {
            return;
        }
        nodeEpochs.put(node, epoch);
        if (known != null) {
            dropSessions(s -> s.node.equals(node) && s.epoch < epoch);
        }
    }

    private void dropSessions(Predicate<RemoteSession> which) {
        sessions.values().removeIf(s -> {
            if (which.test(s)) {
                core().disconnected(s);
                return true;
            }
            return false;
        });
    }

    /** Forgets the sockets of every node not heard of for {@code silenceLimit} before {@code now}. */
    void forgetSilent(long now, Duration silenceLimit) {
        long limit = silenceLimit.toNanos();
        List<String> silent = new ArrayList<>();
        nodesSeen.forEach((node, seen) -> {
            if (now - seen > limit) {
                silent.add(node);
            }
        });
        for (String node : silent) {
            nodesSeen.remove(node);
            nodeEpochs.remove(node);
            log.warn("node {} silent for {} ms: its sockets are gone", node, silenceLimit.toMillis());
            dropSessions(s -> s.node.equals(node));
        }
    }

    /**
     * The heartbeat ({@link Wire#BEAT}): this period's token, the deciding node's id, and the
     * nodes heard within {@code heardWithin} before {@code now}.
     */
    byte[] heartbeat(String nodeId, long now, Duration heardWithin) {
        List<String> heard = new ArrayList<>();
        nodesSeen.forEach((node, seen) -> {
            if (now - seen <= heardWithin.toNanos()) {
                heard.add(node);
            }
        });
        Wire.Out out = new Wire.Out().l(token).s(nodeId).i(heard.size());
        heard.forEach(out::s);
        return out.done();
    }
}
