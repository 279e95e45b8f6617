package dev.concierge.client;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ProtocolException;
import dev.concierge.protocol.wire.ServerMessage;
import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's socket over time: connect, greet, match answers to requests, resend the outbox,
 * reconnect with backoff, close. Each attempt goes to the next of the settings' server URIs, round
 * robin (a cluster's nodes), starting from a random one. What differs between a visitor and an
 * agent (the endpoint, the {@code hello}, what a frame means) is the {@link ConnectionSession}'s
 * job; {@link ServerRotation} picks each attempt's server and {@link Liveness} runs the timers that
 * spot a dead socket.
 *
 * <p>All state is guarded by {@link #lock()}. Session methods marked "under the lock" are called
 * holding it and must not call user code: they hand listener calls to {@link #emit(Runnable)},
 * which runs them later, in order, outside the lock. Futures complete on a pool thread, so a
 * dependent stage may even block on another request without stalling the socket.
 */
final class Connection implements Socket.Handler {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    /** Where futures complete and listener calls run: the pool {@code CompletableFuture} uses. */
    private static final Executor POOL = task -> CompletableFuture.runAsync(task);

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
    private final SerialExecutor listenerCalls = new SerialExecutor(POOL);
    private final Outbox outbox = new Outbox();
    private final CompletableFuture<Void> firstOpen = new CompletableFuture<>();
    private final ServerRotation servers;
    private final Liveness liveness;
    private Phase phase = Phase.CONNECTING;
    private Socket socket;
    /** Requests sent again in a row after an {@code internal} error: their backoff step. */
    private int storeRetries;
    /** Whether a resend of the requests the server could not store is scheduled; under the lock. */
    private boolean retryScheduled;

    private int failures;
    /** The node the latest {@code welcome} named; null when it named none. */
    private String node;

    Connection(Settings settings, ConnectionSession session) {
        this.settings = settings;
        this.session = session;
        this.backoff = new Backoff(settings.backoffInitial(), settings.backoffMax(), settings.random());
        this.servers = new ServerRotation(settings.serverUris(), settings.random());
        this.liveness = new Liveness(this, lock, settings.connectTimeout());
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

    /** Queues a request in the outbox and sends it now if the socket is ready. */
    <T extends ServerMessage> CompletableFuture<T> request(ClientMessage message, Class<T> answerType) {
        synchronized (lock) {
            if (phase == Phase.CLOSED) {
                return CompletableFuture.failedFuture(new ConciergeClientException("closed", "The client is closed."));
            }
            Outbox.Request<T> request = outbox.add(message, answerType);
            if (socket != null && socket.ready) {
                socket.write(codec.encode(message));
                liveness.answer(socket, request.future);
            }
            return request.future;
        }
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
        outbox.takeFirst(matches).ifPresent(request -> POOL.execute(() -> request.complete(answer)));
    }

    /** The handshake is complete: resend the outbox and go {@code OPEN}. Under the lock. */
    void markReady() {
        Socket current = socket;
        if (current == null || current.ready) {
            return;
        }
        current.ready = true;
        boolean resumed = phase != Phase.CONNECTING;
        failures = 0;
        for (ClientMessage message : outbox.messages()) {
            current.write(codec.encode(message));
        }
        setPhase(Phase.OPEN);
        session.onReady(resumed);
        liveness.heartbeat(current);
        if (!resumed) {
            POOL.execute(() -> firstOpen.complete(null));
        }
    }

    /** Closes for good: no reconnect; pending requests fail with {@code closed}. */
    void close() {
        Socket current;
        synchronized (lock) {
            if (phase == Phase.CLOSED) {
                return;
            }
            current = socket;
            socket = null;
            shutdown(new ConciergeClientException("closed", "The client was closed."));
        }
        if (current != null) {
            current.sendClose();
        }
    }

    private void attempt() {
        Socket attempt = new Socket(lock, this);
        URI target;
        boolean first;
        synchronized (lock) {
            if (phase == Phase.CLOSED) {
                return;
            }
            socket = attempt;
            target = servers.advance();
            first = phase == Phase.CONNECTING;
        }
        liveness.handshake(attempt);
        CompletableFuture<URI> prepared;
        try {
            prepared = session.prepare(target);
        } catch (RuntimeException e) {
            prepared = CompletableFuture.failedFuture(e);
        }
        prepared.whenComplete((reached, error) -> {
            if (error != null) {
                ConciergeClientException cause = ConnectFailure.of(error, session, target);
                // The preparation (a login) tried every server itself: on the first connect its
                // failure is final; later ones are retried with backoff like a lost socket.
                lost(attempt, cause, first || ErrorCode.UNAUTHORIZED.wire().equals(cause.code()));
                return;
            }
            synchronized (lock) {
                if (socket == attempt && !reached.equals(target)) {
                    servers.reached(reached);
                }
            }
            CompletableFuture<WebSocket> opening;
            try {
                opening = settings.httpClient()
                        .newWebSocketBuilder()
                        .connectTimeout(settings.connectTimeout())
                        .buildAsync(session.endpoint(reached), attempt);
            } catch (RuntimeException e) {
                opening = CompletableFuture.failedFuture(e);
            }
            opening.whenComplete((webSocket, failure) -> {
                if (failure != null) {
                    ConciergeClientException cause = ConnectFailure.of(failure, session, reached);
                    lost(attempt, cause, ErrorCode.UNAUTHORIZED.wire().equals(cause.code()));
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
        lost(attempt, new ConciergeClientException("disconnected", "The connection failed: " + error, error), false);
    }

    @Override
    public void received(Socket from, String json) {
        ServerMessage frame;
        try {
            frame = codec.decodeServer(json);
        } catch (ProtocolException e) {
            log.warn(
                    "Ignoring a frame the client cannot read ({}: {})", e.code().wire(), e.getMessage());
            return;
        }
        synchronized (lock) {
            if (socket != from) {
                return;
            }
            if (frame instanceof ServerMessage.Error error) {
                onErrorFrame(from, error);
                return;
            }
            if (frame instanceof ServerMessage.Welcome welcome) {
                node = welcome.node();
            }
            Optional<Outbox.Request<?>> answered = outbox.takeAnswered(frame);
            ServerMessage.Ack implied = null;
            if (answered.isEmpty() && frame instanceof ServerMessage.Event event && event.id() != null) {
                // Protocol 2: a message's own event, carrying the request's id, is its acknowledgement.
                ServerMessage.Ack ack = new ServerMessage.Ack(event.id(), event.conversationId(), event.seq());
                answered = outbox.takeAnswered(event.id(), ack);
                implied = answered.isPresent() ? ack : null;
            }
            if (answered.isPresent()) {
                storeRetries = 0;
            }
            session.onFrame(frame);
            if (implied != null) {
                session.onFrame(implied); // as the ack after the event in protocol 1
            }
            ServerMessage answer = implied != null ? implied : frame;
            answered.ifPresent(request -> POOL.execute(() -> request.complete(answer)));
        }
    }

    private void onErrorFrame(Socket from, ServerMessage.Error error) {
        ConciergeClientException cause = new ConciergeClientException(error.code(), error.message());
        if (!from.ready && error.ref() != null && error.ref().equals(from.helloId)) {
            session.onError(error);
            // Any other code (a resume the server cannot replay, a code this version does not
            // know): the server may still welcome us (the handshake timeout covers one that does not).
            ErrorCode.fromWire(error.code()).ifPresent(code -> {
                switch (code) {
                    case INTERNAL -> lost(from, cause, false);
                    case UNAUTHORIZED -> lost(from, cause, !session.reauthenticate());
                    case UNSUPPORTED_VERSION, BAD_REQUEST, FORBIDDEN -> lost(from, cause, true);
                    default -> {}
                }
            });
            return;
        }
        if (ErrorCode.INTERNAL.wire().equals(error.code()) && settings.reconnect()) {
            Optional<Outbox.Request<?>> notStored = outbox.peek(error.ref());
            if (notStored.isPresent()) {
                // The server could not store it (docs/protocol.md): the same request again, same
                // id, in its place, after a backoff (or a reconnect meanwhile). One retry sends
                // every such request in the order they were first sent: a message after it that
                // failed with it must not be stored first.
                notStored.get().storeFailed = true;
                scheduleResend();
                return;
            }
        }
        Optional<Outbox.Request<?>> failed = outbox.take(error.ref());
        if (failed.isEmpty()) {
            session.onError(error);
            return;
        }
        Outbox.Request<?> request = failed.get();
        ClientMessage replacement = session.retryAs(request.message, error);
        if (replacement == null) {
            POOL.execute(() -> request.future.completeExceptionally(cause));
            return;
        }
        outbox.requeue(request, replacement);
        if (from.ready) {
            from.write(codec.encode(replacement));
        }
    }

    /** Schedules a round of {@link #resendNotStored} after a backoff, unless one is scheduled; under the lock. */
    private void scheduleResend() {
        if (!retryScheduled) {
            retryScheduled = true;
            Duration delay = backoff.delay(storeRetries++);
            CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(this::resendNotStored);
        }
    }

    /**
     * Sends again, oldest first, the requests the server could not store, up to the first one
     * still waiting for its answer (the others in a later round), if a socket is ready;
     * otherwise the next socket's welcome resends the whole outbox, in order.
     */
    private void resendNotStored() {
        synchronized (lock) {
            retryScheduled = false;
            if (socket == null || !socket.ready) {
                return;
            }
            outbox.takeStoreFailed().forEach(message -> socket.write(codec.encode(message)));
            if (outbox.anyStoreFailed()) {
                scheduleResend();
            }
        }
    }

    @Override
    public void closed(Socket from, int code, String reason) {
        synchronized (lock) {
            if (socket != from) {
                return;
            }
            boolean auth = code == 1008;
            boolean fatal = auth && !session.reauthenticate();
            lost(
                    from,
                    new ConciergeClientException(
                            auth ? ErrorCode.UNAUTHORIZED.wire() : "disconnected",
                            "The server closed the connection: " + code + " " + reason),
                    fatal);
        }
    }

    /** The socket {@code from} is gone: reconnect later, or close for good. Takes the lock. */
    void lost(Socket from, ConciergeClientException cause, boolean fatal) {
        WebSocket toAbort;
        synchronized (lock) {
            if (socket != from || phase == Phase.CLOSED) {
                return;
            }
            socket = null;
            toAbort = from.webSocket;
            // With several servers the first connect goes on to the next one until each failed once.
            boolean untried = phase == Phase.CONNECTING && failures + 1 < servers.size();
            if (fatal
                    || (phase == Phase.CONNECTING && !untried)
                    || (phase != Phase.CONNECTING && !settings.reconnect())) {
                log.debug(
                        "Connection to {} closed for good: {}",
                        session.endpoint(servers.current()),
                        cause.getMessage());
                shutdown(cause);
            } else {
                if (phase != Phase.CONNECTING) {
                    setPhase(Phase.RECONNECTING);
                }
                Duration delay = backoff.delay(failures++);
                log.info(
                        "Connection to {} lost ({}); {} in {} ms",
                        session.endpoint(servers.current()),
                        cause.getMessage(),
                        phase == Phase.CONNECTING ? "trying the next server" : "reconnecting",
                        delay.toMillis());
                CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS)
                        .execute(this::attempt);
            }
        }
        if (toAbort != null) {
            toAbort.abort();
        }
    }

    private void shutdown(ConciergeClientException cause) {
        setPhase(Phase.CLOSED);
        for (Outbox.Request<?> request : outbox.drain()) {
            POOL.execute(() -> request.future.completeExceptionally(cause));
        }
        if (!firstOpen.isDone()) {
            POOL.execute(() -> firstOpen.completeExceptionally(cause));
        }
    }

    private void setPhase(Phase next) {
        if (phase != next) {
            phase = next;
            session.onPhase(next);
        }
    }
}
