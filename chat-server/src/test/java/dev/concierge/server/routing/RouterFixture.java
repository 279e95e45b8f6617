package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.bot.FaqBot;
import dev.concierge.bot.FaqEntry;
import dev.concierge.bot.KnowledgeBase;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.auth.Site;
import dev.concierge.server.support.Ids;
import dev.concierge.server.support.ServerException;
import dev.concierge.server.transport.LoopBatching;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.InMemoryConversationStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;

/**
 * What the router tests share: a router with an in-memory store and a tiny FAQ, recording
 * sessions for agents and visitors, and a clock the test moves. No sockets: the end-to-end tests
 * cover those.
 */
public abstract class RouterFixture {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z"); // a Monday

    /** A clock the test sets. */
    static final class TestClock extends Clock {
        volatile Instant now = T0;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    /** A socket that records what it is sent. */
    static final class Recorder implements Session {
        private static final AtomicInteger N = new AtomicInteger();
        private static final ProtocolCodec CODEC = ProtocolCodec.create();
        final String id = "s" + N.incrementAndGet();
        final List<ServerMessage> frames = Collections.synchronizedList(new ArrayList<>());
        volatile int version = 1;

        @Override
        public String id() {
            return id;
        }

        @Override
        public void send(ServerMessage message) {
            frames.add(message);
        }

        @Override
        public void sendEncoded(byte[] json) {
            frames.add(CODEC.decodeServer(new String(json, StandardCharsets.UTF_8)));
        }

        @Override
        public int version() {
            return version;
        }

        @Override
        public void version(int version) {
            this.version = version;
        }

        @Override
        public void close(int code, String reason) {}

        <T extends ServerMessage> List<T> all(Class<T> type) {
            synchronized (frames) {
                return frames.stream().filter(type::isInstance).map(type::cast).toList();
            }
        }

        <T extends ServerMessage> T last(Class<T> type) {
            List<T> list = all(type);
            assertThat(list).as("a %s frame", type.getSimpleName()).isNotEmpty();
            return list.get(list.size() - 1);
        }

        List<TranscriptEvent> events() {
            return all(ServerMessage.Event.class).stream()
                    .map(ServerMessage.Event::toTranscriptEvent)
                    .toList();
        }
    }

    protected final TestClock clock = new TestClock();
    private final Map<String, Set<String>> departments = new HashMap<>();
    protected Router router;
    /** The sites the next router is made with. */
    Map<String, Site> sites = Map.of("demo", Site.demo());

    private final AtomicInteger ids = new AtomicInteger();

    protected Router router(RoutingConfig config) {
        return router(config, new InMemoryConversationStore());
    }

    Router router(RoutingConfig config, ConversationStore store) {
        KnowledgeBase kb = new KnowledgeBase(
                "en",
                List.of(new FaqEntry(
                        "returns",
                        List.of("How do I return an item?", "Can I send something back?"),
                        List.of(),
                        List.of(),
                        "Use the returns form.",
                        List.of("returns"),
                        null,
                        List.of())));
        router = new Router(
                store,
                new BotService(FaqBot.create(kb), 1),
                clock,
                Ids.secure(),
                config,
                id -> departments.getOrDefault(id, Set.of()),
                sites,
                RetentionConfig.DEFAULTS,
                LoopBatching::new);
        return router;
    }

    @AfterEach
    void close() {
        if (router != null) {
            router.close();
        }
    }

    static RoutingConfig config(String strategy, int cap) {
        return new RoutingConfig(
                strategy, cap, Duration.ofMinutes(2), Optional.empty(), List.of("billing", "orders"), List.of());
    }

    /** Waits until the router has run everything queued so far (twice: completions re-enter). */
    void settle() {
        for (int i = 0; i < 3; i++) {
            router.call(() -> null);
        }
    }

    /**
     * Settles until {@code condition} holds or 10 s pass, for work done off the router thread
     * (the bot answers on its own); the caller asserts what it waited for.
     */
    void settleUntil(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            settle();
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(5));
        }
        settle();
    }

    String id() {
        return "r" + ids.incrementAndGet();
    }

    Recorder agent(String id, String... depts) {
        return agent(1, id, depts);
    }

    /** An agent socket that says hello with protocol {@code version}. */
    Recorder agent(int version, String id, String... depts) {
        departments.put(id, Set.of(depts));
        Recorder s = new Recorder();
        s.version = version; // recorded by the transport's hello gate
        router.agentHello(
                s,
                new AgentInfo(id, id.toUpperCase()),
                new ClientMessage.Hello(id(), version, null, null, "st", null, null));
        settle();
        return s;
    }

    Recorder visitor(String department) {
        return visitor(1, department);
    }

    /** A visitor socket that says hello with protocol {@code version}. */
    Recorder visitor(int version, String department) {
        Recorder s = new Recorder();
        s.version = version; // recorded by the transport's hello gate
        router.visitorHello(
                s, new ClientMessage.Hello(id(), version, "demo", null, null, null, null, department, null));
        settle();
        return s;
    }

    /** A visitor socket that says hello from the demo site, with {@code email} in its context. */
    Recorder visitorWith(String email) {
        Recorder s = new Recorder();
        router.visitorHello(
                s,
                new ClientMessage.Hello(
                        id(),
                        1,
                        "demo",
                        null,
                        null,
                        new dev.concierge.protocol.VisitorContext("Ada", email, null, null, null, null, Map.of()),
                        null,
                        null,
                        null));
        settle();
        return s;
    }

    String handoff(Recorder visitor) {
        router.request(visitor, Role.VISITOR, new ClientMessage.Handoff(id(), null));
        settle();
        return visitor.last(ServerMessage.Ack.class).conversationId();
    }

    Conversation conversation(String id) {
        return router.call(() -> router.live.conversation(id).orElse(null));
    }

    List<String> owned(Recorder agent) {
        return agent.all(ServerMessage.Assigned.class).stream()
                .map(ServerMessage.Assigned::conversationId)
                .toList();
    }

    /**
     * {@code store} with the delays of {@link #recordingAppends}, whose first {@code append} of an
     * event {@code which} accepts fails (nothing stored), as a write rolled back by a full disk
     * would.
     */
    static ConversationStore failingOnce(ConversationStore store, java.util.function.Predicate<TranscriptEvent> which) {
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        ConversationStore delayed = recordingAppends(store, new java.util.concurrent.CopyOnWriteArrayList<>());
        return (ConversationStore) java.lang.reflect.Proxy.newProxyInstance(
                RouterFixture.class.getClassLoader(),
                new Class<?>[] {ConversationStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("append")
                            && which.test((TranscriptEvent) args[1])
                            && failed.compareAndSet(false, true)) {
                        return CompletableFuture.<Void>failedFuture(new ServerException("disk full"))
                                .handleAsync(
                                        (v, e) -> {
                                            throw new java.util.concurrent.CompletionException(e);
                                        },
                                        CompletableFuture.delayedExecutor(
                                                2, java.util.concurrent.TimeUnit.MILLISECONDS, SYNC));
                    }
                    try {
                        return method.invoke(delayed, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /**
     * The store, with every append and appendAll recorded (the texts, in call order) on the way,
     * and their futures completed on another thread a little later, as the SQLite store's are (by
     * its sync thread, after the fsync), so that completion order is tested as it happens there.
     */
    @SuppressWarnings("unchecked")
    static ConversationStore recordingAppends(ConversationStore store, List<String> writes) {
        return (ConversationStore) java.lang.reflect.Proxy.newProxyInstance(
                RouterFixture.class.getClassLoader(),
                new Class<?>[] {ConversationStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("append")) {
                        writes.add("append " + ((TranscriptEvent) args[1]).text());
                    } else if (method.getName().equals("appendAll")) {
                        writes.add("appendAll "
                                + ((List<TranscriptEvent>) args[1])
                                        .stream().map(TranscriptEvent::text).toList());
                    }
                    Object result;
                    try {
                        result = method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    return method.getName().startsWith("append")
                            ? ((CompletableFuture<Void>) result)
                                    .thenApplyAsync(
                                            v -> v,
                                            CompletableFuture.delayedExecutor(
                                                    2, java.util.concurrent.TimeUnit.MILLISECONDS, SYNC))
                            : result;
                });
    }

    /**
     * A store whose appends complete only when {@link #commit} is called, all of them at once, in
     * the order they were made: as the SQLite store's sync thread completes every write of one
     * fsync, and the PostgreSQL writer every write of one transaction.
     */
    static final class GroupCommit {
        final ConversationStore store;
        private final List<Runnable> waiting = new ArrayList<>();
        private final AtomicInteger events = new AtomicInteger();

        @SuppressWarnings("unchecked")
        GroupCommit(ConversationStore inner) {
            this.store = (ConversationStore) java.lang.reflect.Proxy.newProxyInstance(
                    RouterFixture.class.getClassLoader(),
                    new Class<?>[] {ConversationStore.class},
                    (proxy, method, args) -> {
                        Object result;
                        try {
                            result = method.invoke(inner, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                        if (!method.getName().startsWith("append")) {
                            return result;
                        }
                        CompletableFuture<Void> written = (CompletableFuture<Void>) result;
                        CompletableFuture<Void> committed = new CompletableFuture<>();
                        synchronized (waiting) {
                            waiting.add(() -> written.whenComplete((v, error) -> {
                                if (error != null) {
                                    committed.completeExceptionally(error);
                                } else {
                                    committed.complete(null);
                                }
                            }));
                        }
                        events.addAndGet(method.getName().equals("append") ? 1 : ((List<?>) args[1]).size());
                        return committed;
                    });
        }

        /** How many events were appended so far, committed or not. */
        int events() {
            return events.get();
        }

        /** Completes every append made so far, on this thread, in the order they were made. */
        void commit() {
            List<Runnable> batch;
            synchronized (waiting) {
                batch = List.copyOf(waiting);
                waiting.clear();
            }
            batch.forEach(Runnable::run);
        }
    }

    /** Waits for {@code latch} up to 10 s: a router task that holds the router thread until released. */
    static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One thread, like the store's sync thread: completions leave it in the order they were made. */
    private static final java.util.concurrent.Executor SYNC =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "test-store-sync");
                t.setDaemon(true);
                return t;
            });
}
