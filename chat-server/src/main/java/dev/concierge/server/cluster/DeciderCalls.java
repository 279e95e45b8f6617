package dev.concierge.server.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls from any node to the deciding node, for what only its router can do: erasing a visitor
 * and the live dashboard (docs/scaling.md, "Calls to the decider"). A call is a NATS request on
 * {@link Wire#callsTo} of the token the calling node knows from the heartbeats, carrying the
 * call's kind, that token and one argument. Only the node deciding under that token subscribes,
 * and it answers only while its lease is valid by its own clock: a call to an older token is
 * ignored. It runs the call on a small pool of its own, never on the NATS dispatcher's thread or
 * an event loop, and replies with an HTTP status and a JSON body, which the calling node answers
 * with as it is.
 *
 * <p>The calling node waits at most the kind's {@link Kind#timeout}; when no decider is known, it
 * cannot be reached, it is busy or it does not answer in time, the answer is {@code 503} with
 * {@code {"error":"unavailable","message":…}} saying why. The future never completes
 * exceptionally.
 */
public final class DeciderCalls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeciderCalls.class);

    /** How many calls the decider runs at once; more wait in a queue of {@link #QUEUED}. */
    static final int THREADS = 2;

    /** How many calls wait for a thread on the decider; more are answered "busy" at once. */
    static final int QUEUED = 32;

    static final byte ANSWERED = 0;
    static final byte BUSY = 1;
    static final byte UNKNOWN_KIND = 2;

    /** What a node asks the decider, and how long it waits for the answer. */
    public enum Kind {
        /**
         * Erase a visitor (the argument: their id). Erasure waits up to 10 s for their open
         * conversation to close before the store deletes: the wait covers that and the delete.
         */
        ERASE_VISITOR(1, Duration.ofSeconds(20)),
        /** The live dashboard's snapshot (no argument): short, the console polls it every 5 s. */
        DASHBOARD(2, Duration.ofSeconds(2)),
        /** Reload the webhook endpoints after a change made over the REST API (no argument). */
        WEBHOOKS_RELOAD(3, Duration.ofSeconds(5)),
        /**
         * A REST API write to a conversation (the argument: the write as JSON): a message, a note
         * or a close, answered once its event is stored.
         */
        API_WRITE(4, Duration.ofSeconds(20));

        final byte code;
        private final Duration timeout;

        Kind(int code, Duration timeout) {
            this.code = (byte) code;
            this.timeout = timeout;
        }

        /** How long the calling node waits for the decider's answer. */
        public Duration timeout() {
            return timeout;
        }

        static Kind of(byte code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            return null;
        }
    }

    /** The decider's answer: an HTTP status and a JSON body, UTF-8. */
    public record Answer(int status, byte[] body) {
        /** Checks the values. */
        public Answer {
            Objects.requireNonNull(body, "body");
        }

        /** {@code 503 {"error":"unavailable","message":message}}. */
        public static Answer unavailable(String message) {
            String json = "{\"error\":\"unavailable\",\"message\":\""
                    + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
            return new Answer(503, json.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** What the deciding node runs for a kind of call; on a pool thread, so it may block. */
    @FunctionalInterface
    public interface Handler {
        /** The answer to a call with {@code argument}. */
        Answer answer(String argument);
    }

    /** Sends a request over NATS; the future completes with the reply's bytes, or fails. */
    interface Requester {
        CompletableFuture<byte[]> request(String subject, byte[] data, Duration timeout);
    }

    /** Runs a task after a delay: the calls' timeouts (a scheduler, or a test's hand-driven clock). */
    interface Timer {
        void after(Duration delay, Runnable task);
    }

    /** Publishes a reply to a request's reply subject. */
    interface Replier {
        void reply(String subject, byte[] data);
    }

    private final String nodeId;
    private final LongSupplier deciderToken;
    private final Supplier<String> deciderNode;
    private final Requester requester;
    private final Timer timer;
    private final LongPredicate decidesUnder;
    private final Replier replier;
    private final Executor pool;
    private final Map<Kind, Handler> handlers = new ConcurrentHashMap<>();

    /**
     * @param deciderToken the token of the decider this node knows of, 0 while none
     * @param deciderNode its node id, for the messages
     * @param decidesUnder whether this node decides under a token now, its lease valid
     * @param pool where the decider runs the calls
     */
    DeciderCalls(
            String nodeId,
            LongSupplier deciderToken,
            Supplier<String> deciderNode,
            Requester requester,
            Timer timer,
            LongPredicate decidesUnder,
            Replier replier,
            Executor pool) {
        this.nodeId = nodeId;
        this.deciderToken = deciderToken;
        this.deciderNode = deciderNode;
        this.requester = requester;
        this.timer = timer;
        this.decidesUnder = decidesUnder;
        this.replier = replier;
        this.pool = pool;
    }

    /** The decider's pool: {@link #THREADS} daemon threads and a bounded queue. */
    static ExecutorService newPool() {
        ThreadPoolExecutor pool =
                new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED), r -> {
                    Thread t = new Thread(r, "concierge-decider-calls");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Answers calls of {@code kind} with {@code handler} while this node decides. */
    void answer(Kind kind, Handler handler) {
        handlers.put(Objects.requireNonNull(kind, "kind"), Objects.requireNonNull(handler, "handler"));
    }

    /**
     * Calls the deciding node; the answer, or a 503 saying why there is none, within the kind's
     * timeout. Never blocks: wait for the future off the event loops.
     */
    CompletableFuture<Answer> call(Kind kind, String argument) {
        long token = deciderToken.getAsLong();
        String decider = deciderNode.get();
        if (token == 0 || decider == null) {
            return CompletableFuture.completedFuture(Answer.unavailable(
                    "No deciding node is known right now (a takeover takes a few seconds); retry shortly."));
        }
        byte[] data =
                new Wire.Out().kind(kind.code).l(token).s(nodeId).s(argument).done();
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        timer.after(
                kind.timeout,
                () -> answer.complete(Answer.unavailable("The deciding node " + decider + " did not answer within "
                        + kind.timeout.toMillis() + " ms; retry shortly.")));
        CompletableFuture<byte[]> sent;
        try {
            // NATS gives up a little later than the timer, so the timer's message is the one seen.
            sent = requester.request(Wire.callsTo(token), data, kind.timeout.plusSeconds(1));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((reply, error) -> {
            if (error != null) {
                log.debug("call {} to the decider {}: {}", kind, decider, error.toString());
                answer.complete(
                        Answer.unavailable("The deciding node " + decider + " could not be reached; retry shortly."));
                return;
            }
            answer.complete(decode(reply, decider));
        });
        return answer;
    }

    private static Answer decode(byte[] reply, String decider) {
        try {
            Wire.In in = new Wire.In(reply);
            byte outcome = in.b();
            return switch (outcome) {
                case ANSWERED -> new Answer(in.i(), in.bytes());
                case BUSY -> Answer.unavailable("The deciding node " + decider + " is busy; retry shortly.");
                default -> Answer.unavailable("The deciding node " + decider + " cannot answer this call.");
            };
        } catch (IOException e) {
            log.warn("dropped a malformed answer from the decider: {}", e.getMessage());
            return Answer.unavailable("The deciding node " + decider + " answered with a malformed reply.");
        }
    }

    /**
     * A call from some node (NATS dispatcher thread): handed to the pool at once if it is
     * addressed to the token this node decides under; ignored otherwise.
     */
    void onCall(byte[] data, String replyTo) {
        if (replyTo == null || replyTo.isEmpty()) {
            return;
        }
        Kind kind;
        String argument;
        String from;
        try {
            Wire.In in = new Wire.In(data);
            byte code = in.b();
            long token = in.l();
            from = in.s();
            argument = in.s();
            if (!decidesUnder.test(token)) {
                return; // for an earlier decider, or this node's lease ran out: the caller times out
            }
            kind = Kind.of(code);
        } catch (IOException e) {
            log.warn("dropped a malformed call from a node: {}", e.getMessage());
            return;
        }
        Handler handler = kind == null ? null : handlers.get(kind);
        if (handler == null) {
            reply(replyTo, new Wire.Out().b(UNKNOWN_KIND).done());
            return;
        }
        try {
            pool.execute(() -> run(kind, handler, argument, from, replyTo));
        } catch (RejectedExecutionException e) {
            log.warn("call {} from node {} refused: {} calls already wait", kind, from, QUEUED);
            reply(replyTo, new Wire.Out().b(BUSY).done());
        }
    }

    private void run(Kind kind, Handler handler, String argument, String from, String replyTo) {
        Answer answer;
        try {
            answer = handler.answer(argument);
        } catch (RuntimeException e) {
            log.error("call {} from node {} failed", kind, from, e);
            answer = new Answer(500, "{\"error\":\"internal\"}".getBytes(StandardCharsets.UTF_8));
        }
        reply(
                replyTo,
                new Wire.Out()
                        .b(ANSWERED)
                        .i(answer.status())
                        .bytes(answer.body())
                        .done());
    }

    private void reply(String replyTo, byte[] data) {
        try {
            replier.reply(replyTo, data);
        } catch (RuntimeException e) {
            log.debug("cannot reply to a call: {}", e.getMessage());
        }
    }

    /** Stops the decider's pool (calls still running finish; their callers may time out). */
    @Override
    public void close() {
        if (pool instanceof ExecutorService service) {
            service.shutdown();
        }
    }
}
