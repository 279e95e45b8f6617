package dev.concierge.server.routing;

import dev.concierge.protocol.ClientMessage;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.AgentInfo;
import dev.concierge.protocol.Values.ConversationState;
import dev.concierge.protocol.Values.Kind;
import dev.concierge.protocol.Values.Role;
import dev.concierge.protocol.Values.TranscriptEvent;
import dev.concierge.server.auth.IdentityVerifier;
import dev.concierge.server.auth.Site;
import dev.concierge.server.support.ServerException;
import dev.concierge.store.ConversationStore;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single owner of conversation state, entered through {@link ChatCore}. Every request runs
 * on one router thread, so state needs no locks; storage writes and bot answers run elsewhere and
 * come back to this thread. Visitor requests are handled by {@link VisitorRequests} (their hello
 * by {@link VisitorHello}), agent requests by {@link AgentRequests}, queue and assignment by
 * {@link Dispatcher}, resent request ids by {@link Idempotency}, acknowledgements by {@link Acks}.
 */
public final class Router implements ChatCore, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Router.class);

    static final int CLOSED_IN_MEMORY = 10_000;

    /** The message of a {@code hello_required} error, on either endpoint. */
    public static final String HELLO_FIRST = "Say hello first.";

    /** The message of the {@code bad_request} error for a second hello on a socket. */
    static final String HELLO_REPEATED = "hello was already said on this socket.";

    /** The message of the {@code bad_state} error for a request in a closed conversation. */
    static final String CONVERSATION_CLOSED = "This conversation is closed.";

    /** The router thread. */
    final ExecutorService executor;
    /** How tasks reach the router thread from other threads (the transport may batch them). */
    private final Executor handover;

    private final ConversationStore store;
    final Clock clock;
    final Ids ids;
    final BotService bot;
    /** Appends events to conversations (seq, transcript, store), on this router's thread. */
    final Appends appends;

    final Idempotency idempotency;
    final History history;

    // Dispatcher reads these three maps directly; private once it calls conversation(id),
    // agent(id), agents() and visitorSessions() instead.
    final Map<String, Conversation> conversations = new HashMap<>();
    final Map<String, Agent> agents = new LinkedHashMap<>();
    final Map<Session, Visitor> visitorSessions = new HashMap<>();

    private final ArrayDeque<String> closedOrder = new ArrayDeque<>();
    private final Map<String, Visitor> visitorsById = new HashMap<>();
    private final Map<String, Visitor> visitorsByToken = new HashMap<>();
    private final Map<Session, Agent> agentSessions = new HashMap<>();
    /** Visitor sessions whose hello waits for stored data, with their requests meanwhile. */
    private final Map<Session, List<Runnable>> pendingHello = new HashMap<>();
    /** Store reads the router needs (returning visitors, old transcripts), off its own thread. */
    private final ExecutorService readers;

    final Dispatcher dispatcher;
    private final VisitorHello visitorHellos;
    private final VisitorRequests visitorRequests;
    private final AgentRequests agentRequests;
    /** Ends idle and abandoned conversations; router thread only. */
    final Expiry expiry;

    private final Erasure erasure;

    /** The departments of an agent by id (from the agents file). */
    final Function<String, Set<String>> departmentsOf;

    private final ScheduledExecutorService ticker;

    /** The sites embedding the widget (public settings, identity secrets), by key. */
    private final Map<String, Site> sites;

    /** A router for the demo site, with the default retention; tasks reach it one by one. */
    public Router(
            ConversationStore store,
            BotService bot,
            Clock clock,
            Ids ids,
            RoutingConfig routing,
            Function<String, Set<String>> departmentsOf) {
        this(store, bot, clock, ids, routing, departmentsOf, Map.of("demo", Site.demo()), RetentionConfig.DEFAULTS);
    }

    /** A router whose tasks reach its thread one by one. */
    public Router(
            ConversationStore store,
            BotService bot,
            Clock clock,
            Ids ids,
            RoutingConfig routing,
            Function<String, Set<String>> departmentsOf,
            Map<String, Site> sites,
            RetentionConfig retention) {
        this(store, bot, clock, ids, routing, departmentsOf, sites, retention, UnaryOperator.identity());
    }

    /**
     * A router; {@code handover} makes, from the router thread's executor, the executor that
     * every entry of {@link ChatCore} hands its task to (one that batches an event loop's tasks,
     * say). It must keep the order in which each thread hands tasks over.
     */
    public Router(
            ConversationStore store,
            BotService bot,
            Clock clock,
            Ids ids,
            RoutingConfig routing,
            Function<String, Set<String>> departmentsOf,
            Map<String, Site> sites,
            RetentionConfig retention,
            UnaryOperator<Executor> handover) {
        this.expiry = new Expiry(this, Objects.requireNonNull(retention, "retention"));
        this.sites = Map.copyOf(sites);
        this.departmentsOf = Objects.requireNonNull(departmentsOf, "departmentsOf");
        this.store = Objects.requireNonNull(store, "store");
        this.bot = Objects.requireNonNull(bot, "bot");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ids = Objects.requireNonNull(ids, "ids");
        // One thread, as Executors.newSingleThreadExecutor, unwrapped so tests can see its queue.
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "concierge-router");
            t.setDaemon(true);
            return t;
        });
        this.handover = Objects.requireNonNull(handover.apply(executor), "handover");
        AtomicInteger readerCount = new AtomicInteger();
        this.readers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "concierge-store-read-" + readerCount.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.appends = new Appends(store, clock, executor);
        this.idempotency = new Idempotency(this);
        this.history = new History(store, readers);
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
        this.visitorHellos = new VisitorHello(this);
        this.visitorRequests = new VisitorRequests(this, visitorHellos);
        this.agentRequests = new AgentRequests(this);
        // Retention (docs/storage.md): idle and abandoned conversations end on the router thread;
        // the purge of old closed ones reads and deletes on a thread of its own.
        ticker.scheduleWithFixedDelay(() -> run(expiry::sweep), 5, 5, TimeUnit.SECONDS);
        this.erasure = new Erasure(this, store, retention);
    }

    // ---- entry points (ChatCore), called from any thread ----

    /**
     * A returning visitor's stored data is read on the reader pool first; until the hello is
     * applied, the session's later requests wait in order.
     */
    @Override
    public void visitorHello(Session session, ClientMessage.Hello hello) {
        // Identity verification is an HMAC: cheap, done here; only a verified user is looked up.
        Site site = hello.site() == null ? null : sites.get(hello.site());
        Optional<IdentityVerifier.Verified> verified =
                site == null ? Optional.empty() : IdentityVerifier.verify(site, hello.identity(), clock.instant());
        Optional<String> user = verified.map(IdentityVerifier.Verified::userId);
        if (hello.visitorToken() == null && hello.resume() == null && user.isEmpty()) {
            run(() -> visitorHellos.hello(session, hello, StoredVisitor.NONE, verified));
            return;
        }
        String resumeId = hello.resume() == null ? null : hello.resume().conversationId();
        // The read starts from the router task that marks the hello pending, never before it: its
        // completion comes from a reader thread, and this thread's tasks may still be waiting in
        // its hand-over.
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
                        visitorHellos.hello(session, hello, stored != null ? stored : StoredVisitor.NONE, verified);
                        waiting.forEach(Runnable::run);
                    }));
        });
    }

    @Override
    public void agentHello(Session session, AgentInfo agent, ClientMessage.Hello hello) {
        run(() -> agentRequests.hello(session, agent, hello));
    }

    @Override
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

    @Override
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

    @Override
    public boolean hasSite(String key) {
        return sites.containsKey(key);
    }

    /** Whether a configured site routes its visitors to this department. */
    boolean siteDepartment(String department) {
        return sites.values().stream()
                .anyMatch(s -> s.department().filter(department::equals).isPresent());
    }

    /**
     * Erases everything kept about a visitor (the admin API): a live conversation of theirs is
     * closed (reason {@code erased}, so an agent holding it is told), their sockets are closed,
     * memory forgets them, then the store deletes their rows, conversations and events
     * ({@link ConversationStore#eraseVisitor}). A hello with their old token afterwards starts
     * a new visitor. Blocking: not on the router thread or an event loop.
     */
    public ConversationStore.Removed erase(String visitorId) {
        return erasure.erase(visitorId);
    }

    /** Whether memory holds this visitor or a conversation of theirs. Blocking, as {@link #call}. */
    public boolean holdsVisitor(String visitorId) {
        return call(() -> visitorsById.containsKey(visitorId)
                || conversations.values().stream().anyMatch(c -> c.visitor.id.equals(visitorId)));
    }

    /** The queue and assignment, for read-only snapshots taken in {@link #call}. */
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /** Every agent known since start, online or not; router thread only. */
    public Collection<Agent> agents() {
        return Collections.unmodifiableCollection(agents.values());
    }

    /** How many conversations memory holds; router thread only. */
    public int liveConversations() {
        return conversations.size();
    }

    /** Runs a task on the router thread and waits for it (for tests and shutdown). */
    public <T> T call(Callable<T> task) {
        try {
            return executor.submit(task).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new ServerException("router call failed", e);
        }
    }

    /**
     * Runs {@code task} on the router thread, after every task this thread handed over before;
     * through the hand-over executor, which may batch an event loop's tasks.
     */
    private void run(Runnable task) {
        handover.execute(() -> guarded(task));
    }

    private static void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("router task failed", e);
        }
    }

    // ---- registries, router thread only ----

    ConversationStore store() {
        return store;
    }

    /** Old closed conversations go from the store (and memory); blocking, see {@link Erasure#purge}. */
    ConversationStore.Removed purge() {
        return erasure.purge();
    }

    /** Whether an admin erased this visitor: their old token or identity gets a new visitor. */
    boolean erased(String visitorId) {
        return erasure.erased(visitorId);
    }

    /** The live visitor of a verified user whose visitor is {@code visitorId}, forgotten (erasure). */
    Optional<Visitor> forgetUser(String visitorId) {
        return visitorHellos.forgetUser(visitorId);
    }

    Optional<Conversation> conversation(String id) {
        return Optional.ofNullable(conversations.get(id));
    }

    /** Every conversation memory holds; a view, not to be changed while iterated. */
    Collection<Conversation> conversations() {
        return Collections.unmodifiableCollection(conversations.values());
    }

    void addConversation(Conversation c) {
        conversations.put(c.id, c);
    }

    /** Drops the conversation from memory if memory holds it; the caller releases it. */
    boolean forgetConversation(Conversation c) {
        return conversations.remove(c.id, c);
    }

    /** Drops (and releases) every conversation of the visitor from memory. */
    void forgetConversationsOf(String visitorId) {
        conversations.values().removeIf(c -> {
            if (!c.visitor.id.equals(visitorId)) {
                return false;
            }
            c.release();
            return true;
        });
    }

    Optional<Agent> agent(String id) {
        return Optional.ofNullable(agents.get(id));
    }

    /** The agent of this id, made (offline, nothing assigned) if memory holds none. */
    Agent agentOrNew(AgentInfo info) {
        return agents.computeIfAbsent(info.id(), id -> new Agent(info));
    }

    Optional<Agent> agentOf(Session session) {
        return Optional.ofNullable(agentSessions.get(session));
    }

    void addAgentSession(Session session, Agent agent) {
        agentSessions.put(session, agent);
    }

    Optional<Visitor> visitor(String id) {
        return Optional.ofNullable(visitorsById.get(id));
    }

    Optional<Visitor> visitorByToken(String token) {
        return Optional.ofNullable(visitorsByToken.get(token));
    }

    /** Memory holds the visitor by id ({@link #addToken} adds a token they are found by). */
    void addVisitor(Visitor v) {
        visitorsById.put(v.id, v);
    }

    /** The visitor is found by this token too (a new one, or the one a stored visitor came back with). */
    void addToken(Visitor v, String token) {
        visitorsByToken.put(token, v);
    }

    /** Memory forgets the visitor (the store keeps them). */
    void forgetVisitor(Visitor v) {
        visitorsById.remove(v.id, v);
        if (v.token != null) {
            visitorsByToken.remove(v.token, v);
        }
    }

    Optional<Visitor> visitorOf(Session session) {
        return Optional.ofNullable(visitorSessions.get(session));
    }

    /** Every visitor socket that said hello, with its visitor; a view. */
    Map<Session, Visitor> visitorSessions() {
        return Collections.unmodifiableMap(visitorSessions);
    }

    void addVisitorSession(Session session, Visitor visitor) {
        visitorSessions.put(session, visitor);
    }

    void forgetVisitorSession(Session session) {
        visitorSessions.remove(session);
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

    /** Appends a client-originated event once per client id ({@link Idempotency#appendOnce}). */
    CompletableFuture<Long> appendOnce(Conversation c, String clientId, TranscriptEvent draft) {
        return idempotency.appendOnce(c, clientId, draft, false);
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
        return event.kind() != Kind.NOTE;
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

    static void error(Session session, ErrorCode code, String message, String ref) {
        session.send(ServerMessage.Error.of(code, message, ref));
    }

    static void notFound(Session session, String ref) {
        error(session, ErrorCode.NOT_FOUND, "No such conversation.", ref);
    }

    boolean isOpen(Conversation c) {
        return c.state != ConversationState.CLOSED;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        erasure.close();
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
