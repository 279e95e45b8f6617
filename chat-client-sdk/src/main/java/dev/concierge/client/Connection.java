package dev.concierge.client;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's socket over time: connect, greet, match answers to requests, resend the outbox,
 * reconnect with backoff, close. Each attempt goes to the next of the settings' server URIs, round
 * robin (a cluster's nodes), starting from a random one. What differs between a visitor and an
 * agent (the endpoint, the {@code hello}, what a frame means) is the {@link ConnectionSession}'s
 * job; {@link ServerRotation} picks each attempt's server, {@link Liveness} runs the timers that
 * spot a dead socket, {@link Inbound} says what each frame from the server does, and
 * {@link Requests} keeps the requests waiting for their answers.
 *
 * <p>All state is guarded by {@link #lock()}. Session methods marked "under the lock" are called
 * holding it and must not call user code: they hand listener calls to {@link #emit(Runnable)},
 * which runs them later, in order, outside the lock. Futures complete on the settings' executor
 * (the SDK's shared pool by default), never under the lock; only a request made on a closed
 * connection returns a future that failed already (and an executor that rejects tasks has them
 * run on the calling thread, {@link SharedPool#orInline}).
 *
 * <p>Time bounds (see {@link Attempts}): the first connect retries until the connect timeout has
 * passed in all; later reconnects stop after {@code giveUpAfter} without a welcome; each request
 * has a deadline after which it is withdrawn from the outbox.
 */
final class Connection implements Socket.Handler {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    /** The lifecycle; the public {@code State} enums mirror these names. */
    enum Phase {
        CONNECTING,
        OPEN,
        RECONNECTING,
        CLOSED
    }

    private final Object lock = new Object();
    private final Settings settings;
    private final ConnectionSession session;
    private final ProtocolCodec codec = ProtocolCodec.create();
    private final Backoff backoff;
    /** Where futures complete and listener calls run. */
    private final Executor pool;

    private final SerialExecutor listenerCalls;
    private final Requests requests;
    private final Outbox outbox;
    private final CompletableFuture<Void> firstOpen = new CompletableFuture<>();
    private final ServerRotation servers;
    private final Liveness liveness;
    private final Inbound inbound;
    private Phase phase = Phase.CONNECTING;
    private Socket socket;

    /** The node the latest {@code welcome} named; null when it named none. */
    private String node;
    /** When and how to try again after a failed attempt or a lost socket. */
    private final Attempts attempts;
    /** Why the client closed; null while it is not closed. */
    private ConciergeClientException closedBy;

    Connection(Settings settings, ConnectionSession session) {
        this.settings = settings;
        this.session = session;
        this.backoff = new Backoff(settings.backoffInitial(), settings.backoffMax(), settings.random());
        this.servers = new ServerRotation(settings.serverUris(), settings.random());
        this.pool = SharedPool.orInline(settings.executor());
        this.listenerCalls = new SerialExecutor(pool);
        this.requests = new Requests(lock, pool, backoff);
        this.outbox = requests.outbox();
        this.liveness = new Liveness(this, lock, settings.connectTimeout(), pool);
        this.inbound = new Inbound(this, session, requests, settings.reconnect());
        this.attempts = new Attempts(settings);
    }

    /** A fresh request id. */
    static String newId() {
        return UUID.randomUUID().toString();
    }

    /** The lock guarding this connection and its session's state. */
    Object lock() {
        return lock;
    }

    /** Starts the first attempt; completes when it is ready, fails (and closes) when it fails. */
    CompletableFuture<Void> start() {
        synchronized (lock) {
            attempts.started();
            session.onPhase(Phase.CONNECTING);
        }
        attempt();
        return firstOpen;
    }

    /** The codec of this connection's frames (and of the agent login's JSON). */
    ProtocolCodec codec() {
        return codec;
    }

    /** The current phase. */
    Phase phase() {
        synchronized (lock) {
            return phase;
        }
    }

    /** The base URI of the server of the latest attempt. */
    URI server() {
        synchronized (lock) {
            return servers.current();
        }
    }

    /** The node the latest {@code welcome} named. */
    Optional<String> serverNode() {
        synchronized (lock) {
            return Optional.ofNullable(node);
        }
    }

    /** Runs a listener call after those emitted before it, outside any lock. */
    void emit(Runnable listenerCall) {
        listenerCalls.execute(listenerCall);
    }

    /** The executor futures complete and listener calls run on. */
    Executor executor() {
        return pool;
    }

    /** The id for a request made with {@code options}: the caller's, or a fresh UUID. */
    static String idFor(RequestOptions options) {
        return options.requestId().orElseGet(Connection::newId);
    }

    /**
     * Checks that no request with {@code id} waits for its answer (a file's message is queued
     * after its upload: the caller hears of a taken id at once).
     *
     * @throws IllegalArgumentException when one does
     */
    void checkFree(String id) {
        synchronized (lock) {
            if (outbox.message(id).isPresent()) {
                throw new IllegalArgumentException("requestId " + id + " is already waiting for its answer");
            }
        }
    }

    /** {@link #request(ClientMessage, Class, RequestOptions)} with the default options. */
    <T extends ServerMessage> RequestFuture<T> request(ClientMessage message, Class<T> answerType) {
        return request(message, answerType, RequestOptions.defaults());
    }

    /**
     * Queues a request in the outbox and sends it now if the socket is ready. The request waits
     * (through reconnects and resends) until its answer, an error naming it, its deadline
     * ({@code options}' or the settings' request timeout, from now: then
     * {@link DeadlineExceededException}), the client's close, or its withdrawal by the caller
     * (cancelling or failing the returned future). A request that left the outbox is never sent
     * again. When {@code options} name a request id, {@code message} must carry it (make it with
     * {@link #idFor(RequestOptions)}).
     *
     * @throws IllegalArgumentException when {@code message}'s id is not the options' id, or a
     *     request with that id is waiting for its answer
     */
    <T extends ServerMessage> RequestFuture<T> request(
            ClientMessage message, Class<T> answerType, RequestOptions options) {
        java.util.Objects.requireNonNull(message, "message");
        java.util.Objects.requireNonNull(options, "options");
        options.requestId().ifPresent(id -> {
            if (!id.equals(message.id())) {
                throw new IllegalArgumentException("the message's id is not the options' requestId " + id);
            }
        });
        Duration deadline = deadlineOf(options);
        synchronized (lock) {
            if (phase == Phase.CLOSED) {
                RequestFuture<T> refused = new RequestFuture<>(() -> {});
                refused.completeExceptionally(ConnectFailure.afterClose(closedBy));
                return refused;
            }
            Outbox.Request<T> request = requests.add(message, answerType, deadline);
            if (socket != null && socket.ready) {
                write(socket, request);
                liveness.answer(socket, request.future);
            }
            return request.future;
        }
    }

    /** Writes {@code request} on the ready socket {@code on}; it can no longer be withdrawn unseen. Under the lock. */
    void write(Socket on, Outbox.Request<?> request) {
        request.written = true;
        on.write(codec.encode(request.message));
    }

    /** The deadline of a request made with {@code options}: theirs, or the client's request timeout. */
    Duration deadlineOf(RequestOptions options) {
        return options.deadline().orElse(settings.requestTimeout());
    }

    /** True when {@code from} is the current socket. Under the lock. */
    boolean isSocket(Socket from) {
        return socket == from;
    }

    /** The node a {@code welcome} named (null: none). Under the lock. */
    void welcomedBy(String node) {
        this.node = node;
    }

    /** Why the client closed; null while it is not closed. Under the lock. */
    ConciergeClientException closedBy() {
        return closedBy;
    }

    /** The current socket when it is welcomed, else null. Under the lock. */
    Socket readySocket() {
        return socket != null && socket.ready ? socket : null;
    }

    /** Runs {@code task} on the executor after {@code delay}. */
    Future<?> after(Duration delay, Runnable task) {
        return requests.after(delay, task);
    }

    /** Sends a frame that needs no answer (typing) if the socket is ready; drops it otherwise. */
    void sendIfOpen(ClientMessage message) {
        synchronized (lock) {
            if (socket != null && socket.ready) {
                socket.write(codec.encode(message));
            }
        }
    }

    /** Completes the oldest request matching {@code matches} with {@code answer}. Under the lock. */
    void completeFirst(Predicate<ClientMessage> matches, ServerMessage answer) {
        outbox.takeFirst(matches).ifPresent(request -> requests.complete(request, answer));
    }

    /** The handshake is complete: resend the outbox and go {@code OPEN}. Under the lock. */
    void markReady() {
        Socket current = socket;
        if (current == null || current.ready) {
            return;
        }
        current.ready = true;
        boolean resumed = phase != Phase.CONNECTING;
        attempts.welcomed();
        for (Outbox.Request<?> request : outbox.requests()) {
            write(current, request);
        }
        setPhase(Phase.OPEN);
        session.onReady(resumed);
        liveness.heartbeat(current);
        if (!resumed) {
            pool.execute(() -> firstOpen.complete(null));
        }
    }

    /** Closes for good: no reconnect; pending requests fail with {@link ClientClosedException}. */
    void close() {
        Socket current;
        synchronized (lock) {
            if (phase == Phase.CLOSED) {
                return;
            }
            current = socket;
            socket = null;
            shutdown(new ClientClosedException("The client was closed before the answer came."));
        }
        if (current != null) {
            current.sendClose();
        }
    }

    private void attempt() {
        Socket attempt = new Socket(lock, this, pool);
        URI target;
        boolean first;
        Duration handshake;
        synchronized (lock) {
            if (phase == Phase.CLOSED) {
                return;
            }
            socket = attempt;
            target = servers.advance();
            attempt.target = session.endpoint(target);
            first = phase == Phase.CONNECTING;
            handshake = attempts.handshakeTimeout(first);
        }
        liveness.handshake(attempt, handshake);
        CompletableFuture<URI> prepared;
        try {
            prepared = session.prepare(target);
        } catch (RuntimeException e) {
            prepared = CompletableFuture.failedFuture(e);
        }
        prepared.whenComplete((reached, error) -> {
            if (error != null) {
                Throwable cause = ConnectFailure.root(error);
                // The preparation (a login) tried every server itself: a refusal or an HTTP answer
                // that is not a server error ends the first connect; a server that cannot be
                // reached is tried again until the connect timeout, like a lost socket.
                lost(attempt, cause, ConnectFailure.isFinal(cause, first));
                return;
            }
            synchronized (lock) {
                if (socket == attempt && !reached.equals(target)) {
                    servers.reached(reached);
                }
            }
            CompletableFuture<WebSocket> opening;
            try {
                // The handshake timer (Liveness) bounds the attempt; the JDK's own timeout, a
                // second later, only frees its resources, so a timeout is reported one way.
                opening = settings.httpClient()
                        .newWebSocketBuilder()
                        .connectTimeout(handshake.plusSeconds(1))
                        .buildAsync(session.endpoint(reached), attempt);
            } catch (RuntimeException e) {
                opening = CompletableFuture.failedFuture(e);
            }
            opening.whenComplete((webSocket, failure) -> {
                if (failure != null) {
                    Throwable cause = ConnectFailure.root(failure, reached);
                    lost(attempt, cause, ConnectFailure.isFinal(cause, false));
                }
            });
        });
    }

    /** True while {@code attempt} is this connection's socket (never once closed). Under the lock. */
    boolean isCurrent(Socket attempt) {
        return socket == attempt && phase != Phase.CLOSED;
    }

    @Override
    public void opened(Socket attempt, WebSocket webSocket) {
        boolean current;
        synchronized (lock) {
            current = socket == attempt;
            if (current) {
                attempt.webSocket = webSocket;
                attempt.helloId = newId();
                attempt.write(codec.encode(session.hello(attempt.helloId)));
            }
        }
        if (current) {
            webSocket.request(1);
        } else {
            webSocket.abort();
        }
    }

    @Override
    public void failed(Socket attempt, Throwable error) {
        lost(attempt, ConnectFailure.root(error), false);
    }

    @Override
    public void received(Socket from, String json) {
        inbound.received(from, json);
    }

    @Override
    public void closed(Socket from, int code, String reason) {
        synchronized (lock) {
            if (socket != from) {
                return;
            }
            boolean auth = code == 1008;
            boolean fatal = auth && !session.reauthenticate();
            String closed = "The server closed the connection: " + code + " " + reason;
            lost(
                    from,
                    auth ? new ServerRefusedException(ErrorCode.UNAUTHORIZED, closed) : new java.io.IOException(closed),
                    fatal);
        }
    }

    /**
     * The socket {@code from} is gone because of {@code why} (a root cause, or the server's
     * refusal): try again later, or close for good when {@code fatal}, when reconnecting is off,
     * or when {@link Attempts} says time is up. Takes the lock.
     */
    void lost(Socket from, Throwable why, boolean fatal) {
        WebSocket toAbort;
        synchronized (lock) {
            if (socket != from || phase == Phase.CLOSED) {
                return;
            }
            socket = null;
            toAbort = from.webSocket;
            boolean connecting = phase == Phase.CONNECTING;
            Duration delay = backoff.delay(attempts.failed());
            Throwable reported = attempts.reported(why);
            String end = fatal ? "refused" : attempts.whyStop(connecting, delay);
            if (end != null) {
                log.debug("Connection to {} closed for good ({}): {}", from.target, end, why.toString());
                shutdown(ConnectFailure.closing(reported, from.target, connecting, end));
            } else {
                if (!connecting) {
                    setPhase(Phase.RECONNECTING);
                }
                log.info(
                        "Connection to {} lost ({}); {} in {} ms",
                        from.target,
                        why.toString(),
                        connecting ? "trying again" : "reconnecting",
                        delay.toMillis());
                after(delay, this::attempt);
            }
        }
        if (toAbort != null) {
            toAbort.abort();
        }
    }

    private void shutdown(ConciergeClientException cause) {
        closedBy = cause;
        setPhase(Phase.CLOSED);
        requests.failAll(cause);
        if (!firstOpen.isDone()) {
            pool.execute(() -> firstOpen.completeExceptionally(cause));
        }
    }

    private void setPhase(Phase next) {
        if (phase != next) {
            phase = next;
            session.onPhase(next);
        }
    }
}
