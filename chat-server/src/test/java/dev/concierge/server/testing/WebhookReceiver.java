package dev.concierge.server.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every request
 * (headers, body, arrival order and time) and answers as scripted. Signatures are checked by
 * {@link WebhookVerifier}, code of its own, not the server's.
 *
 * <p>Scripts: a status per path ({@link #answer}); a list of answers for one event of one
 * conversation ({@link #script}), conversations being numbered in the order the receiver first
 * hears of them; holding every answer from the k-th request on ({@link #holdFrom}) until
 * {@link #answerFreely}; and refusing connections ({@link #refuse}) then listening again on the
 * same port ({@link #listen}).
 */
public final class WebhookReceiver implements AutoCloseable {
    /** One answer of a script: a status, given at once or held until released. */
    public record Answer(int status, boolean held) {
        public static Answer status(int status) {
            return new Answer(status, false);
        }

        public static Answer heldThen(int status) {
            return new Answer(status, true);
        }
    }

    /**
     * One request as it arrived.
     *
     * @param index 1-based arrival order over the receiver's life
     * @param arrived the receiver's clock at arrival
     * @param headers lower-case names, first value
     * @param answered the status written, or -1 when the answer was held (and went nowhere, or
     *     late) or not written (yet)
     * @param held whether the answer was (or is) held
     */
    public record Request(
            int index,
            Instant arrived,
            String path,
            Map<String, String> headers,
            byte[] body,
            int answered,
            boolean held) {
        public String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }

        public String id() {
            return header("webhook-id");
        }

        public String conversation() {
            return header("concierge-conversation");
        }

        public long seq() {
            return Long.parseLong(header("concierge-seq"));
        }

        public String type() {
            return header("concierge-event-type");
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** Whether the signature is valid for {@code secret} and the timestamp within 5 minutes of arrival. */
        public boolean verifies(String secret) {
            return WebhookVerifier.verify(secret, id(), header("webhook-timestamp"), body, header("webhook-signature"))
                    && WebhookVerifier.fresh(header("webhook-timestamp"), arrived);
        }
    }

    private final Clock clock;
    private final Object lock = new Object();
    private final List<Request> requests = new ArrayList<>();
    private final Map<String, Integer> conversationNumbers = new HashMap<>();
    private final Map<String, Integer> pathAnswers = new HashMap<>();
    private final Map<String, Deque<Answer>> scripts = new HashMap<>();
    private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "webhook-receiver");
        t.setDaemon(true);
        return t;
    });
    private final int port;
    private CountDownLatch gate = new CountDownLatch(0);
    private int holdFrom = Integer.MAX_VALUE;
    private int heldNow;
    private int answering;
    private boolean refusing;
    private Optional<HttpServer> server;

    private WebhookReceiver(Clock clock) throws IOException {
        this.clock = clock;
        HttpServer first = bind(0);
        this.port = first.getAddress().getPort();
        this.server = Optional.of(first);
    }

    /** A receiver listening on a free port of 127.0.0.1, answering 200 to everything. */
    public static WebhookReceiver start() throws IOException {
        return start(Clock.systemUTC());
    }

    /** As {@link #start()}, with {@code clock} giving arrival times (for the timestamp window). */
    public static WebhookReceiver start(Clock clock) throws IOException {
        return new WebhookReceiver(clock);
    }

    private HttpServer bind(int on) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), on), 64);
        s.createContext("/", this::handle);
        s.setExecutor(handlers);
        s.start();
        return s;
    }

    public int port() {
        return port;
    }

    /** The URL of {@code path} (starting with {@code /}) on this receiver. */
    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Answers {@code status} to every request for {@code path} that no script answers. */
    public void answer(String path, int status) {
        synchronized (lock) {
            pathAnswers.put(path, status);
        }
    }

    /**
     * Answers the requests for event {@code seq} of the {@code conversation}-th conversation heard
     * of (1-based) with {@code answers}, one per request, then as usual.
     */
    public void script(int conversation, long seq, Answer... answers) {
        synchronized (lock) {
            scripts.put(conversation + "/" + seq, new ArrayDeque<>(List.of(answers)));
        }
    }

    /** From the {@code k}-th request on (1-based), every answer is held until {@link #answerFreely}. */
    public void holdFrom(int k) {
        synchronized (lock) {
            holdFrom = k;
            if (gate.getCount() == 0) {
                gate = new CountDownLatch(1);
            }
        }
    }

    /** Releases every held answer (scripted or not) and holds no more. */
    public void answerFreely() {
        synchronized (lock) {
            holdFrom = Integer.MAX_VALUE;
            gate.countDown();
        }
    }

    /** Answers held right now. */
    public int held() {
        synchronized (lock) {
            return heldNow;
        }
    }

    /**
     * Stops listening: connections are refused until {@link #listen}. Requests that arrive while it
     * stops are neither recorded nor answered (the connection closes), as if refused; the answers
     * being written are waited for (held ones are not).
     */
    public void refuse() {
        Optional<HttpServer> s;
        synchronized (lock) {
            refusing = true;
            s = server;
            server = Optional.empty();
        }
        Await.until("the answers under way are written", () -> {
            synchronized (lock) {
                return answering == 0;
            }
        });
        s.ifPresent(h -> h.stop(0));
    }

    /** Listens again on the same port. */
    public void listen() throws IOException {
        synchronized (lock) {
            if (server.isEmpty()) {
                server = Optional.of(bind(port));
            }
            refusing = false;
        }
    }

    /** Every request so far, in arrival order. */
    public List<Request> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    /** The requests matching {@code test}, in arrival order. */
    public List<Request> requests(Predicate<Request> test) {
        return requests().stream().filter(test).toList();
    }

    /** Conversation ids in the order the receiver first heard of them. */
    public List<String> conversations() {
        synchronized (lock) {
            Map<Integer, String> byNumber = new TreeMap<>();
            conversationNumbers.forEach((id, n) -> byNumber.put(n, id));
            return List.copyOf(new LinkedHashSet<>(byNumber.values()));
        }
    }

    /** Waits (up to {@code timeout}) until {@code count} requests match {@code test}; returns them. */
    public List<Request> await(String what, Duration timeout, int count, Predicate<Request> test) {
        return Await.value(what, timeout, () -> {
            List<Request> found = requests(test);
            return found.size() >= count ? Optional.of(found) : Optional.empty();
        });
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders()
                    .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));
            String path = exchange.getRequestURI().getPath();
            Answer answer;
            int index;
            CountDownLatch wait;
            synchronized (lock) {
                if (refusing) {
                    return; // closed unanswered, as a refused connection would be
                }
                index = requests.size() + 1;
                answer = choose(index, path, headers);
                requests.add(new Request(index, clock.instant(), path, headers, body, -1, answer.held()));
                wait = gate;
                if (answer.held()) {
                    heldNow++;
                } else {
                    answering++;
                }
            }
            if (answer.held()) {
                awaitRelease(wait);
            }
            int status = answer.status();
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            byte[] reply = ("answer " + status).getBytes(StandardCharsets.UTF_8);
            boolean written = true;
            try {
                exchange.sendResponseHeaders(status, reply.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(reply);
                }
            } catch (IOException gone) {
                written = false; // the sender went away (killed) while the answer was held
            }
            synchronized (lock) {
                if (answer.held()) {
                    heldNow--;
                } else {
                    answering--;
                }
                Request r = requests.get(index - 1);
                requests.set(
                        index - 1,
                        new Request(
                                index,
                                r.arrived(),
                                path,
                                headers,
                                body,
                                written && !answer.held() ? status : -1,
                                answer.held()));
            }
        }
    }

    /** The answer to request {@code index}; called under the lock. */
    private Answer choose(int index, String path, Map<String, String> headers) {
        String conversation = headers.getOrDefault("concierge-conversation", "");
        if (!conversation.isEmpty()) {
            conversationNumbers.putIfAbsent(conversation, conversationNumbers.size() + 1);
        }
        Deque<Answer> script =
                scripts.get(conversationNumbers.get(conversation) + "/" + headers.getOrDefault("concierge-seq", ""));
        Answer answer = script != null && !script.isEmpty()
                ? script.removeFirst()
                : Answer.status(pathAnswers.getOrDefault(path, 200));
        if (answer.held() && gate.getCount() == 0) {
            gate = new CountDownLatch(1);
        }
        return index >= holdFrom ? new Answer(answer.status(), true) : answer;
    }

    private static void awaitRelease(CountDownLatch gate) {
        try {
            if (!gate.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a held answer was never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        answerFreely();
        synchronized (lock) {
            server.ifPresent(h -> h.stop(0));
            server = Optional.empty();
        }
        handlers.shutdownNow();
    }
}
