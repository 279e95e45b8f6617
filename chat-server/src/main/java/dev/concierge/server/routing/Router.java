package dev.concierge.server.routing;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.auth.Site;
import dev.concierge.server.support.Ids;
import dev.concierge.server.support.ServerException;
import dev.concierge.store.ConversationStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
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
    /** The email and webhook rows events cause. */
    final Outbound outbound;

    final Idempotency idempotency;
    final History history;
    /** The files {@code message} frames name, checked before they are carried. */
    final AttachmentRefs attachmentRefs;

    /** Conversations, visitors, agents and their sockets in memory. */
    final Live live = new Live();

    private final Delivery delivery = new Delivery(live);
    /** Store reads the router needs (returning visitors, old transcripts), off its own thread. */
    private final ExecutorService readers;

    final Dispatcher dispatcher;
    private final VisitorHello visitorHellos;
    private final VisitorRequests visitorRequests;
    private final AgentRequests agentRequests;
    /** Ends idle and abandoned conversations; router thread only. */
    final Expiry expiry;

    private final Erasure erasure;
    /** Visitors' replies by email; router thread only. */
    private final EmailReplies emailReplies;

    /** The departments of an agent by id (from the agents file). */
    final Function<String, Set<String>> departmentsOf;

    private final ScheduledExecutorService ticker;

    /** The sites embedding the widget (public settings, identity secrets), by key. */
    private final Map<String, Site> sites;

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
        this.outbound = new Outbound(this, readers, sites.keySet());
        outbound.loadWebhooks();
        this.appends = new Appends(store, clock, executor, outbound.webhooks);
        this.idempotency = new Idempotency(this);
        this.history = new History(store, readers);
        this.attachmentRefs = new AttachmentRefs(store, readers, this::run);
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
                    outbound.mail().ifPresent(MailPolicy::checkLongWaits);
                }),
                5,
                5,
                TimeUnit.SECONDS);
        this.visitorHellos = new VisitorHello(this, this::run, readers);
        this.visitorRequests = new VisitorRequests(this, visitorHellos);
        this.agentRequests = new AgentRequests(this);
        // Retention (docs/storage.md): idle and abandoned conversations end on the router thread;
        // the purge of old closed ones reads and deletes on a thread of its own.
        ticker.scheduleWithFixedDelay(() -> run(expiry::sweep), 5, 5, TimeUnit.SECONDS);
        this.erasure = new Erasure(this, store, retention);
        this.emailReplies = new EmailReplies(this, readers, EmailReply.PER_CONVERSATION_PER_HOUR);
    }

    // ---- entry points (ChatCore), called from any thread ----

    @Override
    public void visitorHello(Session session, ClientMessage.Hello hello) {
        visitorHellos.enter(session, hello);
    }

    @Override
    public void agentHello(Session session, AgentInfo agent, ClientMessage.Hello hello) {
        run(() -> agentRequests.hello(session, agent, hello));
    }

    @Override
    public void request(Session session, Role role, ClientMessage message) {
        run(() -> {
            List<Runnable> waiting = visitorHellos.waiting(session).orElse(null);
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
            visitorHellos.closed(session);
            Visitor visitor = live.forgetVisitorSession(session);
            if (visitor != null) {
                visitor.sessions.remove(session);
                if (visitor.sessions.isEmpty()) {
                    visitor.goneSince = clock.instant();
                }
                if (visitor.sessions.isEmpty() && visitor.open == null) {
                    live.forgetVisitor(visitor); // nothing live: the store has them if they come back
                }
            }
            Agent agent = live.agentSessionClosed(session).orElse(null);
            if (agent != null) {
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

    /** The configured site with this key, if any. */
    Optional<Site> site(String key) {
        return key == null ? Optional.empty() : Optional.ofNullable(sites.get(key));
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
        return call(() -> live.holdsVisitor(visitorId));
    }

    /** The queue and assignment, for read-only snapshots taken in {@link #call}. */
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /** Every agent known since start, online or not; router thread only. */
    public Collection<Agent> agents() {
        return live.agents();
    }

    /** How many conversations memory holds; router thread only. */
    public int liveConversations() {
        return live.conversationCount();
    }

    /** Runs a task on the router thread and waits for it, up to 10 s (for tests and shutdown). */
    public <T> T call(Callable<T> task) {
        return call(task, Duration.ofSeconds(10));
    }

    /** Runs a task on the router thread and waits for it, up to {@code timeout} (a recovery). */
    public <T> T call(Callable<T> task, Duration timeout) {
        try {
            return executor.submit(task).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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

    // ---- for the other classes of the core, router thread only ----

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

    // ---- shared helpers, router thread only ----

    /** Appends and, after commit, sends the event to the visitor and the owning agent. */
    CompletableFuture<TranscriptEvent> appendAndBroadcast(Conversation c, TranscriptEvent draft) {
        return appendAndBroadcast(c, draft, false);
    }

    /** {@link #appendAndBroadcast(Conversation, TranscriptEvent)}, held as {@link Appends#append(Conversation, TranscriptEvent, boolean)} says. */
    CompletableFuture<TranscriptEvent> appendAndBroadcast(Conversation c, TranscriptEvent draft, boolean hold) {
        return appendAndBroadcast(c, draft, hold, e -> List.of());
    }

    /** {@link #appendAndBroadcast(Conversation, TranscriptEvent, boolean)} with the event's mails in the same transaction. */
    CompletableFuture<TranscriptEvent> appendAndBroadcast(
            Conversation c,
            TranscriptEvent draft,
            boolean hold,
            Function<TranscriptEvent, List<ConversationStore.OutboundMail>> mailsOf) {
        return appends.append(c, draft, hold, mailsOf).thenApply(e -> {
            broadcast(c, e);
            return e;
        });
    }

    /** Appends a client-originated event once per client id ({@link Idempotency#appendOnce}). */
    CompletableFuture<Long> appendOnce(Conversation c, String clientId, TranscriptEvent draft) {
        return idempotency.appendOnce(c, clientId, draft, false);
    }

    /** {@link #appendOnce(Conversation, String, TranscriptEvent)} with the event's mails in the same transaction. */
    CompletableFuture<Long> appendOnce(
            Conversation c,
            String clientId,
            TranscriptEvent draft,
            Function<TranscriptEvent, List<ConversationStore.OutboundMail>> mailsOf) {
        return idempotency.appendOnce(c, clientId, draft, false, mailsOf);
    }

    /**
     * A visitor's reply by email ({@code text}: the new text, quotes and signature already cut)
     * becomes a visitor {@code message} with {@code via: "email"} in the conversation, stored once
     * per {@code clientId} ({@code mail:} and a hash of the mail's Message-ID) so a mail read
     * twice is stored once. Taken only when the conversation exists, is not erased, was not closed
     * more than 30 days ago, {@code fromAddress} equals (ignoring case) an address the
     * conversation was mailed to or the visitor's email, and the conversation took fewer than
     * {@link EmailReply#PER_CONVERSATION_PER_HOUR} replies in the last hour (the router's clock).
     * The agent holding the conversation sees it live; a conversation nobody holds (closed, or
     * with the bot) waits among the follow-ups again. Completes once the event is committed (or
     * at once when the reply is not taken); any thread.
     */
    public CompletableFuture<EmailReply> visitorReplyByEmail(
            String conversationId, String fromAddress, String text, String clientId) {
        return emailReplies.accept(conversationId, fromAddress, text, clientId);
    }

    /**
     * Sends email (docs/email.md, "When mail is sent"): the confirmation of a left message, an
     * agent's reply to a visitor who is not connected, a transcript the visitor asks for, alerts
     * to the agents among {@code agents} who asked for them, within {@code config}'s limits. The
     * limits are counted again from the outbox's last 24 hours first. Every mail is enqueued in
     * the same transaction as its event; {@code wakeSender} runs once committed. The emails'
     * Message-IDs end in {@code @messageIdDomain}. Off unless called, before the first request;
     * blocking (reads the outbox), not on the router thread.
     */
    public void sendMail(
            String messageIdDomain,
            Runnable wakeSender,
            MailPolicyConfig config,
            java.util.function.Supplier<List<dev.concierge.server.auth.AgentAccount>> agents) {
        outbound.sendMail(messageIdDomain, wakeSender, config, agents);
    }

    /**
     * Tells the agents of {@code mail}'s conversation, with a system note, that it will never be
     * delivered ({@code error}: the mail server's reply, e.g. {@code 550 5.1.1 no such user}), so
     * a follow-up does not die silently. For the mail sender to call when it records a mail failed;
     * any thread. Nothing for an agent's reply cancelled because the visitor read it in the chat,
     * or for a conversation no longer in memory (logged).
     */
    public void mailUndelivered(ConversationStore.OutboundMail mail, String error) {
        Objects.requireNonNull(mail, "mail");
        Objects.requireNonNull(error, "error");
        run(() -> outbound.mail().ifPresent(policy -> policy.undelivered(mail, error)));
    }

    /**
     * Reads the store's webhook endpoints again and makes the next events' webhook rows for them
     * (docs/integrations.md): for after every endpoint change is committed. Completes once the
     * router uses them (at once when the store keeps none); any thread.
     */
    public CompletableFuture<Void> reloadWebhooks() {
        return outbound.reloadWebhooks(executor);
    }

    /** Sets what runs, on the store's thread, each time webhook rows were committed (the sender's wake). */
    public void onWebhooksStored(Runnable wake) {
        outbound.webhooks.onStored(wake);
    }

    /** Whether {@link #broadcast} sends {@code event} to the socket {@code session} now. */
    boolean reached(Conversation c, TranscriptEvent event, Session session) {
        return delivery.reached(c, event, session);
    }

    void broadcast(Conversation c, TranscriptEvent event) {
        delivery.broadcast(c, event);
    }

    void toVisitor(Conversation c, ServerMessage frame) {
        delivery.toVisitor(c, new SharedFrame(frame));
    }

    void toAgent(Conversation c, ServerMessage frame) {
        delivery.toAgent(c, new SharedFrame(frame));
    }

    /** Sends a frame to every connected agent. */
    void toAgents(ServerMessage message) {
        delivery.toAgents(message);
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
                live.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
