package dev.concierge.server.routing;

import dev.concierge.protocol.ClientMessage;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.ProtocolCodec;
import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.AgentInfo;
import dev.concierge.protocol.Values.ConversationState;
import dev.concierge.protocol.Values.Role;
import dev.concierge.protocol.Values.TranscriptEvent;
import dev.concierge.server.auth.IdentityVerifier;
import dev.concierge.server.auth.Site;
import dev.concierge.server.support.LogSafe;
import dev.concierge.server.support.ServerException;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.VisitorRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single owner of conversation state. Every request runs on one router thread, so state
 * needs no locks; storage writes and bot answers run elsewhere and come back to this thread.
 * Visitor requests are handled by {@link VisitorRequests}, agent requests by
 * {@link AgentRequests}, queue and assignment by {@link Dispatcher}.
 */
public final class Router implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Router.class);

    final ExecutorService executor;
    public final ConversationStore store;
    final Clock clock;
    final Ids ids;
    final BotService bot;
    /** Appends events to conversations (seq, transcript, store), on this router's thread. */
    final Appends appends;

    static final int CLOSED_IN_MEMORY = 10_000;
    public final Map<String, Conversation> conversations = new HashMap<>();
    private final java.util.ArrayDeque<String> closedOrder = new java.util.ArrayDeque<>();
    public final Map<String, Visitor> visitorsById = new HashMap<>();
    final Map<String, Visitor> visitorsByToken = new HashMap<>();
    public final Map<String, Agent> agents = new LinkedHashMap<>();
    final Map<Session, Visitor> visitorSessions = new HashMap<>();
    final Map<Session, Agent> agentSessions = new HashMap<>();
    /** Visitor sessions whose hello waits for stored data, with their requests meanwhile. */
    private final Map<Session, List<Runnable>> pendingHello = new HashMap<>();
    /** Store reads the router needs (returning visitors, old transcripts), off its own thread. */
    final ExecutorService readers;

    public final Dispatcher dispatcher;
    private final VisitorRequests visitorRequests;
    private final AgentRequests agentRequests;

    /** The departments of an agent by id (from the agents file). */
    final java.util.function.Function<String, java.util.Set<String>> departmentsOf;

    private final java.util.concurrent.ScheduledExecutorService ticker;

    /** The sites embedding the widget (public settings, identity secrets), by key. */
    public final java.util.Map<String, Site> sites;

    public Router(
            ConversationStore store,
            BotService bot,
            Clock clock,
            Ids ids,
            RoutingConfig routing,
            java.util.function.Function<String, java.util.Set<String>> departmentsOf) {
        this(store, bot, clock, ids, routing, departmentsOf, java.util.Map.of("demo", Site.demo()));
    }

    public Router(
            ConversationStore store,
            BotService bot,
            Clock clock,
            Ids ids,
            RoutingConfig routing,
            java.util.function.Function<String, java.util.Set<String>> departmentsOf,
            java.util.Map<String, Site> sites) {
        this(store, bot, clock, ids, routing, departmentsOf, sites, RetentionConfig.DEFAULTS);
    }

    public Router(
            ConversationStore store,
            BotService bot,
            Clock clock,
            Ids ids,
            RoutingConfig routing,
            java.util.function.Function<String, java.util.Set<String>> departmentsOf,
            java.util.Map<String, Site> sites,
            RetentionConfig retention) {
        this.expiry = new Expiry(this, Objects.requireNonNull(retention, "retention"));
        this.sites = java.util.Map.copyOf(sites);
        this.departmentsOf = Objects.requireNonNull(departmentsOf, "departmentsOf");
        this.store = Objects.requireNonNull(store, "store");
        this.bot = Objects.requireNonNull(bot, "bot");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ids = Objects.requireNonNull(ids, "ids");
        // One thread, as Executors.newSingleThreadExecutor, unwrapped so tests can see its queue.
        this.executor = new java.util.concurrent.ThreadPoolExecutor(
                1, 1, 0, TimeUnit.MILLISECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "concierge-router");
                    t.setDaemon(true);
                    return t;
                });
        AtomicInteger readerCount = new AtomicInteger();
        this.readers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "concierge-store-read-" + readerCount.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.appends = new Appends(store, clock, executor);
        this.dispatcher = new Dispatcher(this, routing);
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "concierge-router-ticker");
            t.setDaemon(true);
            return t;
        });
        // Queue-wait alerts and business hours opening or closing: checked every few seconds.
        ticker.scheduleWithFixedDelay(
                () -> run(() -> {
                    dispatcher.checkAlerts();
                    dispatcher.publishAvailability();
                }),
                5,
                5,
                TimeUnit.SECONDS);
        this.visitorRequests = new VisitorRequests(this);
        this.agentRequests = new AgentRequests(this);
        // Retention (docs/storage.md): idle and abandoned conversations end on the router thread;
        // the purge of old closed ones reads and deletes on a thread of its own.
        ticker.scheduleWithFixedDelay(() -> run(expiry::sweep), 5, 5, TimeUnit.SECONDS);
        this.retentionThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "concierge-retention");
            t.setDaemon(true);
            return t;
        });
        if (retention.purges()) {
            long every = retention.purgeInterval().toMillis();
            retentionThread.scheduleWithFixedDelay(
                    () -> {
                        try {
                            purge();
                        } catch (RuntimeException e) {
                            log.error(
                                    "purge of old conversations failed; next attempt in {}",
                                    retention.purgeInterval(),
                                    e);
                        }
                    },
                    Math.min(every, TimeUnit.MINUTES.toMillis(1)),
                    every,
                    TimeUnit.MILLISECONDS);
        }
    }

    // ---- retention and erasure (docs/storage.md) ----

    /** Ends idle and abandoned conversations ({@link Expiry}); router thread only. */
    final Expiry expiry;
    /** Runs the purges; blocking store work, off the router thread. */
    private final java.util.concurrent.ScheduledExecutorService retentionThread;
    /** Visitors an admin erased: a hello with their old token or identity gets a new visitor. Router thread only. */
    final java.util.Set<String> erased = new java.util.HashSet<>();

    /**
     * Deletes the closed conversations older than the retention period from the store, then
     * drops what memory still holds of them; nothing when the retention is forever. Blocking: on
     * the retention thread (or a test's).
     */
    ConversationStore.Removed purge() {
        if (!expiry.config().purges()) {
            return ConversationStore.Removed.NONE; // kept forever
        }
        java.time.Instant cutoff = clock.instant().minus(expiry.config().retainClosed());
        ConversationStore.Removed removed = store.purgeClosedBefore(cutoff);
        call(() -> {
            forgetRemoved(removed, false);
            return null;
        });
        if (!removed.conversations().isEmpty() || !removed.visitorIds().isEmpty()) {
            log.info(
                    "purged {} conversations closed before {} and {} visitors",
                    removed.conversations().size(),
                    cutoff,
                    removed.visitorIds().size());
        }
        return removed;
    }

    /**
     * Erases everything kept about a visitor (the admin API): a live conversation of theirs is
     * closed (reason {@code erased}, so an agent holding it is told), their sockets are closed,
     * memory forgets them, then the store deletes their rows, conversations and events
     * ({@link ConversationStore#eraseVisitor}). A hello with their old token afterwards starts
     * a new visitor. Blocking: not on the router thread or an event loop.
     */
    public ConversationStore.Removed erase(String visitorId) {
        CompletableFuture<Void> closed = call(() -> eraseLive(visitorId));
        try {
            closed.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn(
                    "erasing visitor {}: closing their conversation did not complete ({}); erasing all the same",
                    visitorId,
                    e.toString());
        }
        ConversationStore.Removed removed = store.eraseVisitor(visitorId);
        call(() -> {
            forgetRemoved(removed, true);
            return null;
        });
        log.info(
                "erased visitor {}: {} conversations",
                visitorId,
                removed.conversations().size());
        return removed;
    }

    /** Router thread: closes the visitor's open conversation, their sockets, and forgets them. */
    private CompletableFuture<Void> eraseLive(String visitorId) {
        erased.add(visitorId);
        java.util.Set<Visitor> found = new java.util.LinkedHashSet<>();
        java.util.Optional.ofNullable(visitorsById.get(visitorId)).ifPresent(found::add);
        visitorRequests.forgetUser(visitorId).ifPresent(found::add);
        for (Conversation c : conversations.values()) {
            if (c.visitor.id.equals(visitorId)) {
                found.add(c.visitor);
            }
        }
        List<CompletableFuture<TranscriptEvent>> pending = new ArrayList<>();
        for (Visitor v : found) {
            Conversation open = v.open;
            if (open != null && isOpen(open)) {
                dispatcher.leaveQueue(open);
                pending.add(expiry.close(open, Expiry.ERASED));
                dispatcher.closed(open); // an agent holding it is released
            }
            for (Session s : List.copyOf(v.sessions)) {
                visitorSessions.remove(s);
                s.close(1000, "visitor data erased");
            }
            v.sessions.clear();
            visitorsById.remove(v.id, v);
            if (v.token != null) {
                visitorsByToken.remove(v.token, v);
            }
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                .handle((ok, error) -> null) // the store deletes them either way
                .thenRunAsync(
                        () -> conversations.values().removeIf(c -> {
                            if (!c.visitor.id.equals(visitorId)) {
                                return false;
                            }
                            c.release();
                            return true;
                        }),
                        executor);
    }

    /**
     * Router thread: drops what memory holds of conversations and visitors the store deleted. A
     * purged visitor who is connected right now is stored again as they are ({@code erase}
     * false); an erased one never is.
     */
    private void forgetRemoved(ConversationStore.Removed removed, boolean erase) {
        for (ConversationRecord r : removed.conversations()) {
            Conversation c = conversations.get(r.id());
            Visitor v = c != null ? c.visitor : visitorsById.get(r.visitorId());
            if (c != null && c.state == ConversationState.CLOSED) {
                conversations.remove(r.id());
                c.release();
            }
            if (v != null) {
                v.stored.remove(r.id());
                v.conversationIds.remove(r.id());
            }
        }
        for (String id : removed.visitorIds()) {
            Visitor v = visitorsById.get(id);
            if (v == null || erase) {
                continue;
            }
            if (!v.sessions.isEmpty() || v.open != null) {
                store.saveVisitor(new VisitorRecord(v.id, v.token, v.context, v.firstSeen));
                if (v.user != null) {
                    int at = v.user.indexOf('\n');
                    store.linkUser(v.user.substring(0, at), v.user.substring(at + 1), v.id);
                }
            } else {
                visitorsById.remove(id, v);
                if (v.token != null) {
                    visitorsByToken.remove(v.token, v);
                }
            }
        }
    }

    // ---- entry points, called from any thread ----

    /**
     * A visitor socket said hello. A returning visitor's stored data is read on the reader pool
     * first; until the hello is applied, the session's later requests wait in order.
     */
    public void visitorHello(Session session, ClientMessage.Hello hello) {
        // Identity verification is an HMAC: cheap, done here; only a verified user is looked up.
        Site site = hello.site() == null ? null : sites.get(hello.site());
        java.util.Optional<IdentityVerifier.Verified> verified = site == null
                ? java.util.Optional.empty()
                : IdentityVerifier.verify(site, hello.identity(), clock.instant());
        java.util.Optional<String> user = verified.map(IdentityVerifier.Verified::userId);
        if (hello.visitorToken() == null && hello.resume() == null && user.isEmpty()) {
            run(() -> visitorRequests.hello(session, hello, StoredVisitor.NONE, verified));
            return;
        }
        String resumeId = hello.resume() == null ? null : hello.resume().conversationId();
        // The read starts from the router task that marks the hello pending, never before it: its
        // completion comes from a reader thread, and this thread's tasks may still be waiting in
        // its event loop's handover.
        run(() -> {
            pendingHello.put(session, new ArrayList<>());
            CompletableFuture.supplyAsync(
                            () -> StoredVisitor.load(store, hello.visitorToken(), resumeId, hello.site(), user),
                            readers)
                    .whenComplete((stored, error) -> run(() -> {
                        if (error != null) {
                            log.error("loading visitor for {} failed", session.id(), error);
                        }
                        List<Runnable> waiting = pendingHello.remove(session);
                        if (waiting == null) {
                            return; // the socket closed meanwhile
                        }
                        visitorRequests.hello(session, hello, stored != null ? stored : StoredVisitor.NONE, verified);
                        waiting.forEach(Runnable::run);
                    }));
        });
    }

    /** An authenticated agent socket said hello. */
    public void agentHello(Session session, AgentInfo agent, ClientMessage.Hello hello) {
        run(() -> agentRequests.hello(session, agent, hello));
    }

    /** A request from a session that has said hello. */
    public void request(Session session, Role role, ClientMessage message) {
        run(() -> {
            List<Runnable> waiting = pendingHello.get(session);
            if (waiting != null) {
                waiting.add(() -> visitorRequests.handle(session, message));
            } else if (role == Role.VISITOR) {
                visitorRequests.handle(session, message);
            } else {
                agentRequests.handle(session, message);
            }
        });
    }

    /** A socket went away. */
    public void disconnected(Session session) {
        run(() -> {
            pendingHello.remove(session);
            Visitor visitor = visitorSessions.remove(session);
            if (visitor != null) {
                visitor.sessions.remove(session);
                if (visitor.sessions.isEmpty()) {
                    visitor.goneSince = clock.instant();
                }
                if (visitor.sessions.isEmpty() && visitor.open == null) {
                    // Nothing live: the store has them if they come back.
                    visitorsById.remove(visitor.id);
                    visitorsByToken.remove(visitor.token);
                }
            }
            Agent agent = agentSessions.remove(session);
            if (agent != null) {
                agent.sessions.remove(session);
                dispatcher.feed.closed(session);
                if (agent.sessions.isEmpty()) {
                    log.info("agent {} offline", agent.info.id());
                    dispatcher.publishQueue();
                    dispatcher.publishAgents();
                }
            }
        });
    }

    /**
     * Runs {@code task} on the router thread, after every task this thread handed over before.
     * From a Netty event loop the tasks of one pass over its sockets go over as one router task
     * ({@link Handover}); from any other thread each goes at once.
     */
    private void run(Runnable task) {
        io.netty.util.concurrent.EventExecutor loop = io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        if (loop != null) {
            handovers.get().add(loop, task);
            return;
        }
        executor.execute(() -> guarded(task));
    }

    private static void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("router task failed", e);
        }
    }

    private final io.netty.util.concurrent.FastThreadLocal<Handover> handovers =
            new io.netty.util.concurrent.FastThreadLocal<>() {
                @Override
                protected Handover initialValue() {
                    return new Handover();
                }
            };

    /**
     * The requests one event loop read in its current pass over its sockets, handed to the router
     * as one task once the pass ends (the loop runs its own tasks after its reads). Each router
     * task woke the router thread when it was idle, a futex call on each side; under load a pass
     * reads tens of requests. Order is kept: a thread's tasks reach the router in the order it
     * handed them over, whether they came in a handover or one by one.
     */
    private final class Handover implements Runnable {
        private java.util.ArrayList<Runnable> tasks = new java.util.ArrayList<>();

        /** On the event loop {@code loop}, whose thread this is. */
        void add(io.netty.util.concurrent.EventExecutor loop, Runnable task) {
            if (tasks.isEmpty()) {
                try {
                    loop.execute(this);
                } catch (java.util.concurrent.RejectedExecutionException loopShutDown) {
                    executor.execute(() -> guarded(task)); // nothing is waiting in this handover
                    return;
                }
            }
            tasks.add(task);
        }

        @Override
        public void run() {
            java.util.ArrayList<Runnable> batch = tasks;
            tasks = new java.util.ArrayList<>();
            executor.execute(() -> batch.forEach(Router::guarded));
        }
    }

    /**
     * Waits until every task the event loops of {@code loops} handed over so far is queued on the
     * router (a loop runs its tasks in order, so a no-op behind them is enough); then a
     * {@link #call} runs after them. For shutting down.
     */
    public static void awaitHandovers(Iterable<io.netty.util.concurrent.EventExecutor> loops) {
        for (io.netty.util.concurrent.EventExecutor loop : loops) {
            if (!loop.isShuttingDown() && !loop.inEventLoop()) {
                loop.submit(() -> {}).awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
    }

    // ---- shared helpers, router thread only ----

    /** Appends and, after commit, sends the event to the visitor and the owning agent. */
    CompletableFuture<TranscriptEvent> appendAndBroadcast(Conversation c, TranscriptEvent draft) {
        return appendAndBroadcast(c, draft, false);
    }

    /** {@link #appendAndBroadcast(Conversation, TranscriptEvent)}, held as {@link Appends#append(Conversation, TranscriptEvent, boolean)} says. */
    CompletableFuture<TranscriptEvent> appendAndBroadcast(Conversation c, TranscriptEvent draft, boolean hold) {
        return appends.append(c, draft, hold).thenApply(e -> {
            broadcast(c, e);
            return e;
        });
    }

    /**
     * A conversation was closed: it stays in memory for its rating, the most recent
     * {@link #CLOSED_IN_MEMORY} of them; older ones are read from the store when asked for.
     */
    void retire(Conversation c) {
        closedOrder.addLast(c.id);
        while (closedOrder.size() > CLOSED_IN_MEMORY) {
            Conversation old = conversations.remove(closedOrder.removeFirst());
            if (old != null) {
                old.visitor.stored.put(old.id, old.record());
                old.release();
            }
        }
    }

    /** Appends a client-originated event once per client id; resends get the same seq. */
    CompletableFuture<Long> appendOnce(Conversation c, String clientId, TranscriptEvent draft) {
        return appendOnce(c, clientId, draft, false);
    }

    /** {@link #appendOnce(Conversation, String, TranscriptEvent)}, held as {@link Appends#append(Conversation, TranscriptEvent, boolean)} says. */
    CompletableFuture<Long> appendOnce(Conversation c, String clientId, TranscriptEvent draft, boolean hold) {
        CompletableFuture<Long> existing = c.byClientId.get(clientId);
        if (existing != null) {
            return existing;
        }
        CompletableFuture<TranscriptEvent> stored = appendAndBroadcast(c, draft, hold);
        CompletableFuture<Long> seq = stored.thenApply(TranscriptEvent::seq);
        c.byClientId.put(clientId, seq);
        stored.whenComplete((e, error) -> { // on the router thread, like every completion here
            if (error != null) {
                c.byClientId.remove(clientId); // not stored: a retry with the same id is a new request
            } else {
                c.byClientId.stored(clientId, e);
            }
        });
        return seq;
    }

    /**
     * Stores a {@code message} request's event once per client id, sends it to the conversation's
     * sockets after commit ({@link #broadcast}), and acknowledges the sender. A socket that said
     * hello with protocol 1 gets an {@code ack}; one with protocol 2 takes the event, which carries
     * the request's id, as its acknowledgement, and gets an {@code ack} only when the event did not
     * reach it (the conversation changed hands meanwhile). Held as
     * {@link Appends#append(Conversation, TranscriptEvent, boolean)} says. The caller has checked that
     * the id is new in the conversation; a resend is acknowledged by {@link #ackWhenStored}.
     */
    void message(Session session, Conversation c, String clientId, TranscriptEvent draft, boolean hold) {
        CompletableFuture<TranscriptEvent> stored = appendAndBroadcast(c, draft, hold);
        c.byClientId.putPending(clientId, stored);
        // Runs on the router thread right after the broadcast, so reached() sees what it saw.
        stored.whenComplete((event, error) -> {
            if (error != null) {
                c.byClientId.remove(clientId); // not stored: a retry with the same id is a new request
                notStored(session, clientId, c, error);
                return;
            }
            c.byClientId.stored(clientId, event);
            if (session.version() < 2 || !reached(c, event, session)) {
                session.send(new ServerMessage.Ack(clientId, c.id, event.seq()));
            }
        });
    }

    /** Whether {@link #broadcast} sends {@code event} to the socket {@code session} now. */
    boolean reached(Conversation c, TranscriptEvent event, Session session) {
        if (forVisitor(event) && c.visitor.sessions.contains(session)) {
            return true;
        }
        Agent agent = forAgent(c, event) && c.agentId != null ? agents.get(c.agentId) : null;
        return agent != null && agent.sessions.contains(session);
    }

    /** Internal notes never reach the visitor. */
    private static boolean forVisitor(TranscriptEvent event) {
        return event.kind() != dev.concierge.protocol.Values.Kind.NOTE;
    }

    /** Events up to the assignment reach the agent inside the handoff package, later ones live. */
    private static boolean forAgent(Conversation c, TranscriptEvent event) {
        return event.seq() > c.assignedSeq;
    }

    void broadcast(Conversation c, TranscriptEvent event) {
        SharedFrame frame = new SharedFrame(ServerMessage.Event.of(c.id, event)); // encoded once
        if (forVisitor(event)) {
            toVisitor(c, frame);
        }
        if (forAgent(c, event)) {
            toAgent(c, frame);
        }
    }

    void toVisitor(Conversation c, ServerMessage frame) {
        toVisitor(c, new SharedFrame(frame));
    }

    void toVisitor(Conversation c, SharedFrame frame) {
        for (Session s : c.visitor.sessions) {
            s.send(frame);
        }
    }

    void toAgent(Conversation c, ServerMessage frame) {
        toAgent(c, new SharedFrame(frame));
    }

    void toAgent(Conversation c, SharedFrame frame) {
        Agent agent = c.agentId == null ? null : agents.get(c.agentId);
        if (agent != null) {
            for (Session s : agent.sessions) {
                s.send(frame);
            }
        }
    }

    /** Sends a frame to every connected agent. */
    void toAgents(ServerMessage message) {
        SharedFrame frame = new SharedFrame(message);
        for (Agent agent : agents.values()) {
            for (Session s : agent.sessions) {
                s.send(frame);
            }
        }
    }

    void saveRecord(Conversation c) {
        store.saveConversation(c.record()).exceptionally(e -> {
            log.error("saving conversation {} failed", c.id, e);
            return null;
        });
    }

    /** Acknowledges a request after its event committed, or reports a storage failure. */
    void ackWhenStored(Session session, String ref, Conversation c, CompletableFuture<Long> seq) {
        // Called on the router thread, and every seq future completes on it: no extra hop.
        seq.whenComplete((s, error) -> {
            if (error != null) {
                notStored(session, ref, c, error);
            } else {
                session.send(new ServerMessage.Ack(ref, c.id, s));
            }
        });
    }

    private static void notStored(Session session, String ref, Conversation c, Throwable error) {
        log.error("storing request {} of {} failed", LogSafe.text(ref), c.id, error);
        error(session, ErrorCode.INTERNAL, "The message could not be stored; retry with the same id.", ref);
    }

    static void error(Session session, ErrorCode code, String message, String ref) {
        session.send(ServerMessage.Error.of(code, message, ref));
    }

    static void notFound(Session session, String ref) {
        error(session, ErrorCode.NOT_FOUND, "No such conversation.", ref);
    }

    /** Runs a task on the router thread and waits for it (for tests and shutdown). */
    public <T> T call(java.util.concurrent.Callable<T> task) {
        try {
            return executor.submit(task).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new ServerException("router call failed", e);
        }
    }

    boolean isOpen(Conversation c) {
        return c.state != ConversationState.CLOSED;
    }

    public static final String UNSUPPORTED_VERSION =
            "This server speaks protocol versions " + ProtocolCodec.MIN_VERSION + " to " + ProtocolCodec.VERSION + ".";

    /** The message of a {@code hello_required} error, on either endpoint. */
    public static final String HELLO_FIRST = "Say hello first.";

    /** The message of the {@code bad_request} error for a second hello on a socket. */
    static final String HELLO_REPEATED = "hello was already said on this socket.";

    /** The message of the {@code bad_state} error for a request in a closed conversation. */
    static final String CONVERSATION_CLOSED = "This conversation is closed.";

    /** The message of the {@code unauthorized} error for an agent whose session is not valid. */
    public static final String SIGN_IN_AGAIN = "Sign in again.";

    /** Protocol version check shared by both hellos; a supported version is the session's from now on. */
    static boolean versionOk(Session session, ClientMessage.Hello hello) {
        if (!ProtocolCodec.supported(hello.version())) {
            error(session, ErrorCode.UNSUPPORTED_VERSION, UNSUPPORTED_VERSION, hello.id());
            return false;
        }
        session.version(hello.version());
        return true;
    }

    /**
     * Answers {@code history} for a conversation no longer live, from the store on the reader
     * pool; {@code allowed} says whether the asker may read it (missing and not-allowed alike
     * get {@code not_found}).
     */
    void storedHistory(
            Session session,
            ClientMessage.History history,
            java.util.function.Predicate<ConversationRecord> allowed,
            boolean withNotes) {
        readers.execute(() -> {
            try {
                var stored = store.conversation(history.conversationId()).filter(allowed);
                if (stored.isPresent()) {
                    List<TranscriptEvent> events = store.events(stored.get().id(), history.afterSeq());
                    if (!withNotes) {
                        events = events.stream()
                                .filter(e -> e.kind() != dev.concierge.protocol.Values.Kind.NOTE)
                                .toList();
                    }
                    session.send(transcriptPage(
                            history.id(), stored.get().id(), stored.get().state(), events));
                } else {
                    notFound(session, history.id());
                }
            } catch (RuntimeException e) {
                log.error("reading history of {} failed", LogSafe.text(history.conversationId()), e);
                error(session, ErrorCode.INTERNAL, "The transcript could not be read; try again.", history.id());
            }
        });
    }

    /**
     * A {@code transcript} frame with the first page of {@code events} (docs/protocol.md): at most
     * {@link FrameBounds#PAGE_EVENTS} events and {@link FrameBounds#PAGE_BYTES}; {@code more} when
     * later ones remain, which the client asks for after the last seq it got.
     */
    static ServerMessage.Transcript transcriptPage(
            String ref, String conversationId, ConversationState state, List<TranscriptEvent> events) {
        List<TranscriptEvent> page = FrameBounds.head(events, FrameBounds.PAGE_EVENTS);
        return new ServerMessage.Transcript(ref, conversationId, state, page, page.size() < events.size());
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        retentionThread.shutdownNow();
        readers.shutdown();
        executor.shutdown();
        try {
            if (executor.awaitTermination(5, TimeUnit.SECONDS)) {
                conversations.values().forEach(Conversation::release);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
