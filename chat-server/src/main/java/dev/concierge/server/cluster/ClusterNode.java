package dev.concierge.server.cluster;

import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.routing.ChatCore;
import dev.concierge.server.routing.Router;
import dev.concierge.server.support.FileEdits;
import dev.concierge.server.support.ServerException;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.DeciderLease;
import dev.concierge.store.SharedFiles;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process as a node of a cluster (docs/scaling.md): its connection to NATS, its
 * {@link Edge} (the chat core its transport uses), and its {@link Decider} (the lease loop, and
 * the routing core while it holds the lease).
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

    /** What a node runs while it decides: the router over a fenced store. */
    public interface Deciding extends AutoCloseable {
        /** The cluster's routing core, on this node. */
        Router router();

        /** Lets the router finish and commits its writes, then closes it and its store. */
        @Override
        void close();
    }

    /** Starts deciding under a token: opens the store fenced by it, builds and recovers the router. */
    public interface Starter {
        /** The router for the lease's {@code token}; a failure releases the lease. */
        Deciding start(long token);
    }

    private final ClusterSettings settings;
    private final Connection nats;
    private final Edge edge;
    private final Decider decider;
    private final ScheduledExecutorService beats;
    private final Forwarder forwarder;
    private final SharedEdits shared;
    /** Set in {@link #start}, before the heartbeats begin. */
    private SharedLimits limits;

    private volatile boolean closing;
    /** Calls to the decider from this node, and this node's answers while it decides. */
    private final DeciderCalls calls;

    private ClusterNode(
            ClusterSettings settings,
            Connection nats,
            Edge edge,
            Decider decider,
            Forwarder forwarder,
            DeciderCalls calls) {
        this.forwarder = forwarder;
        this.calls = calls;
        this.settings = settings;
        this.nats = nats;
        this.edge = edge;
        this.decider = decider;
        this.shared = new SharedEdits(settings.nodeId(), nats::publish);
        this.beats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "concierge-cluster-beat");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects to NATS (retrying in the background while it is away) and starts the lease loop.
     *
     * @param lease the decider lease in the cluster's PostgreSQL
     * @param starter what this node runs while it decides
     * @param hasSite whether a site key is configured (the same sites file on every node)
     * @param auth this node's agent sign-ins, which share their sessions with the other nodes
     */
    public static ClusterNode start(
            ClusterSettings settings,
            DeciderLease lease,
            Starter starter,
            Predicate<String> hasSite,
            AgentAuth auth,
            ProtocolCodec codec) {
        // Set once the node exists; NATS events before that find nothing to close.
        AtomicReference<Runnable> onBrokerLost = new AtomicReference<>();
        AtomicReference<Runnable> onReconnected = new AtomicReference<>();
        Connection nats;
        try {
            nats = Nats.connectReconnectOnConnect(new Options.Builder()
                    .server(settings.natsUrl())
                    .connectionName("concierge-" + settings.nodeId())
                    .maxReconnects(-1)
                    .reconnectWait(Duration.ofMillis(250))
                    .connectionTimeout(Duration.ofSeconds(2))
                    .pingInterval(Duration.ofSeconds(2))
                    .reconnectBufferSize(0) // while away, nothing is queued: clients resend after reconnecting
                    .connectionListener((conn, event) -> {
                        log.info("NATS {}: {}", settings.natsUrl(), event);
                        Runnable lost = onBrokerLost.get();
                        if (lost != null
                                && (event == ConnectionListener.Events.DISCONNECTED
                                        || event == ConnectionListener.Events.CLOSED)) {
                            lost.run();
                        }
                        Runnable back = onReconnected.get();
                        if (back != null && event == ConnectionListener.Events.RECONNECTED) {
                            back.run();
                        }
                    })
                    .build());
        } catch (IOException e) {
            throw new ServerException("cannot connect to NATS at " + settings.natsUrl() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServerException("interrupted connecting to NATS", e);
        }
        Outbound.Publisher publisher = nats::publish;
        Connection connected = nats;
        AtomicReference<Dispatcher> inbox = new AtomicReference<>();
        AtomicReference<Dispatcher> callsIn = new AtomicReference<>();
        Forwarder forwarder = new Forwarder(publisher, () -> connected.getStatus() == Connection.Status.CONNECTED);
        Edge edge = new Edge(settings, codec, hasSite, forwarder, System::nanoTime);
        Decider decider = new Decider(
                settings,
                lease,
                starter,
                codec,
                publisher,
                System::nanoTime,
                () -> connected.getStatus() == Connection.Status.CONNECTED,
                new Decider.Inbox() {
                    @Override
                    public void open(long token) {
                        inbox.get().subscribe(Wire.toDecider(token));
                        callsIn.get().subscribe(Wire.callsTo(token));
                    }

                    @Override
                    public void close(long token) {
                        inbox.get().unsubscribe(Wire.toDecider(token));
                        callsIn.get().unsubscribe(Wire.callsTo(token));
                    }
                });
        inbox.set(nats.createDispatcher(m -> decider.onRequest(m.getData())));
        DeciderCalls calls = new DeciderCalls(
                settings.nodeId(),
                edge::deciderToken,
                edge::deciderNode,
                (subject, data, timeout) ->
                        connected.requestWithTimeout(subject, data, timeout).thenApply(Message::getData),
                (delay, task) -> CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS)
                        .execute(task),
                decider::decidesUnder,
                nats::publish,
                DeciderCalls.newPool());
        // Its own dispatcher: a call waits behind no socket's request, and none behind a call.
        callsIn.set(nats.createDispatcher(m -> calls.onCall(m.getData(), m.getReplyTo())));
        SharedLimits limits =
                new SharedLimits(settings.nodeId(), forwarder, auth.throttle().fromElsewhere(), System::nanoTime);
        ClusterNode node = new ClusterNode(settings, nats, edge, decider, forwarder, calls);
        node.limits = limits;
        onReconnected.set(node.shared::reconnected);
        onBrokerLost.set(() -> {
            if (!node.closing) { // leaving on purpose: the server closes the sockets with 1001
                edge.brokerLost();
                decider.brokerLost();
            }
        });
        Dispatcher toEdge = nats.createDispatcher();
        toEdge.subscribe(Wire.toNode(settings.nodeId()), m -> edge.onFrames(m.getData()));
        toEdge.subscribe(Wire.BEAT, m -> edge.onBeat(m.getData()));
        toEdge.subscribe(Wire.AUTH, m -> node.onAuth(auth, m.getData()));
        toEdge.subscribe(Wire.EDITS, m -> node.shared.onAnnounced(m.getData()));
        auth.share(new SharedSessions(settings.nodeId(), publisher));
        toEdge.subscribe(Wire.LIMITS, m -> limits.onMessage(m.getData()));
        auth.throttle().share(limits);
        long every = settings.beatEvery().toMillis();
        node.beats.scheduleAtFixedRate(node::tick, every, every, TimeUnit.MILLISECONDS);
        decider.start();
        log.info("node {} joined the cluster on {}", settings.nodeId(), settings.natsUrl());
        return node;
    }

    /**
     * Connections open per client address on the other nodes, for the per-address cap
     * (docs/scaling.md): the transport tells it of the connections it counts, and asks it of
     * those elsewhere.
     */
    public interface Connections {
        /** No other nodes: a single server. */
        Connections NONE = new Connections() {
            @Override
            public int openElsewhere(InetAddress address) {
                return 0;
            }

            @Override
            public void opened(InetAddress address) {}

            @Override
            public void closed(InetAddress address) {}

            @Override
            public void countHere(Supplier<Map<InetAddress, Integer>> openHere) {}
        };

        /** The connections from {@code address} open on the other nodes, as last heard. Cheap. */
        int openElsewhere(InetAddress address);

        /** A connection from {@code address} is counted here. Never blocks. */
        void opened(InetAddress address);

        /** A connection from {@code address} counted here closed. Never blocks. */
        void closed(InetAddress address);

        /** Where the connections open here are counted, for the snapshots sent to the others. */
        void countHere(Supplier<Map<InetAddress, Integer>> openHere);
    }

    /** The connections per address shared with the other nodes. */
    public Connections connections() {
        return limits;
    }

    /**
     * Visitors' uploads admitted per node, for the per-visitor upload limit (docs/attachments.md):
     * the transport tells it of each upload it admits, and it hands over those the other nodes
     * admitted.
     */
    public interface UploadCharges {
        /** {@code uploader} ({@code visitor:<id>}) started an upload here. Never blocks. */
        void admitted(String uploader);

        /** Where the uploads the other nodes admitted are counted, one call each, on the NATS dispatcher. */
        void countElsewhere(Consumer<String> admittedElsewhere);
    }

    /** The visitors' uploads shared with the other nodes. */
    public UploadCharges uploads() {
        return limits;
    }

    /** Sockets of agents signed out or disabled on another node are closed here through this. */
    private volatile Consumer<List<String>> closeSockets = tokens -> {};

    /**
     * Tells this node how to close the sockets signed in with some tokens (the transport's
     * registry, which exists once the server is assembled).
     */
    public void closeSocketsWith(Consumer<List<String>> closer) {
        this.closeSockets = Objects.requireNonNull(closer, "closer");
    }

    private void onAuth(AgentAuth auth, byte[] data) {
        try {
            Wire.In in = new Wire.In(data);
            byte kind = in.b();
            if (in.s().equals(settings.nodeId())) {
                return; // done here already
            }
            List<String> ended;
            switch (kind) {
                case SharedSessions.OPENED -> {
                    String tokenHash = in.s();
                    String agentId = in.s();
                    Instant lastUsed = Instant.ofEpochMilli(in.l());
                    String credential = in.s();
                    Instant createdAt = Instant.ofEpochMilli(in.l());
                    auth.adopt(new ConversationStore.AgentSession(tokenHash, agentId, lastUsed, credential, createdAt));
                    return;
                }
                case SharedSessions.SIGNED_OUT -> ended = auth.signedOutElsewhere(in.s());
                case SharedSessions.DISABLED -> ended = auth.disabledElsewhere(in.s(), in.b() == 1);
                default -> throw new IOException("unknown kind " + kind);
            }
            if (!ended.isEmpty()) {
                closeSockets.accept(ended);
            }
        } catch (IOException e) {
            log.warn("dropped a malformed session message from another node: {}", e.getMessage());
        }
    }

    private void tick() {
        try {
            decider.tick();
            edge.tick();
            limits.tick();
        } catch (RuntimeException e) {
            log.error("cluster heartbeat failed", e);
        }
    }

    /**
     * Makes the run-time edits of {@code file} reach every node (docs/scaling.md): through the
     * cluster's copy {@code name} in {@code store}, announced on NATS. Takes the stored version,
     * if there is one, into the file first. {@code onChanged} hears of every version written to the
     * file from the cluster (and of the file put back after a refused edit).
     */
    public FileEdits share(String name, Path file, SharedFiles store, Runnable onChanged) {
        SharedFile shared = new SharedFile(
                name,
                file,
                new SharedFile.Store() {
                    @Override
                    public Optional<SharedFiles.Stored> read(String n) {
                        return store.read(n);
                    }

                    @Override
                    public OptionalLong replace(String n, long expected, String content) {
                        return store.replace(n, expected, content);
                    }
                },
                this.shared::announce,
                onChanged,
                SharedFile.MAX_BYTES);
        this.shared.add(shared, store);
        return shared;
    }

    /** The chat core this node's sockets use. */
    public ChatCore core() {
        return edge;
    }

    /** This node's id. */
    public String nodeId() {
        return settings.nodeId();
    }

    /** Why this node should get no traffic now, or empty when it can serve (readiness). */
    public Optional<String> notReady() {
        if (nats.getStatus() != Connection.Status.CONNECTED) {
            return Optional.of("not connected to NATS (" + nats.getStatus() + ")");
        }
        return Optional.ofNullable(edge.whyNotReady());
    }

    /** The node that decides, while one is known. */
    public Optional<String> deciderNode() {
        return Optional.ofNullable(edge.deciderNode());
    }

    /** Whether this node decides under the lease's {@code token} now, the lease valid by this node's clock. */
    public boolean decidesUnder(long token) {
        return decider.decidesUnder(token);
    }

    /** What this node runs while it decides. */
    public Optional<Deciding> deciding() {
        return Optional.ofNullable(decider.current());
    }

    /**
     * Answers the calls of {@code kind} other nodes make while this node decides; {@code handler}
     * runs on a small pool of the decider's (docs/scaling.md, "Calls to the decider").
     */
    public void answerCalls(DeciderCalls.Kind kind, DeciderCalls.Handler handler) {
        calls.answer(kind, handler);
    }

    /**
     * Calls the deciding node: its answer, or a 503 saying why there is none (no decider known,
     * unreachable, busy, or no answer within {@link DeciderCalls.Kind#timeout}). Never blocks;
     * the future never fails.
     */
    public CompletableFuture<DeciderCalls.Answer> callDecider(DeciderCalls.Kind kind, String argument) {
        return calls.call(kind, Objects.requireNonNull(argument, "argument"));
    }

    /**
     * Stops deciding (its router's writes commit and its frames are sent first), releases the
     * lease so another node takes over at once, then leaves NATS.
     */
    @Override
    public void close() {
        closing = true;
        beats.shutdownNow();
        shared.close();
        decider.close();
        calls.close();
        forwarder.close();
        try {
            // The last frames to this node's own sockets come back through NATS: drain delivers
            // them before the connection closes.
            nats.flush(Duration.ofSeconds(2));
            nats.drain(Duration.ofSeconds(2)).get(3, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("closing the NATS connection", e);
        }
    }
}
