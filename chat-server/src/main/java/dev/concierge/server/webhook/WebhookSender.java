package dev.concierge.server.webhook;

import dev.concierge.server.support.RoundThread;
import dev.concierge.store.IntegrationStore;
import dev.concierge.store.IntegrationStore.Claim;
import dev.concierge.store.IntegrationStore.DueDelivery;
import dev.concierge.store.IntegrationStore.Endpoint;
import dev.concierge.store.IntegrationStore.EndpointState;
import dev.concierge.store.IntegrationStore.Outcome;
import dev.concierge.store.IntegrationStore.Result;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the webhook outbox (docs/integrations.md, "Delivery"): one scheduler thread, {@code
 * concierge-webhook-sender}, on the node that decides (a single server always does). Each round
 * it reads the deliveries due, keeps at most one request in flight per lane (endpoint,
 * conversation) so that a conversation's events arrive in order, at most an endpoint's {@code
 * maxInFlight} per endpoint and at most {@link WebhookSettings#maxInFlight()} in all; claims the
 * chosen ones in one write (fenced by the decider lease in a cluster), and hands each claimed one
 * to the {@link WebhookTransport}, signed. The outcome of each request is recorded by the same
 * thread: delivered on a 2xx; else pending again after the backoff (at least the receiver's
 * {@code Retry-After}, at most an hour of it), or expired when that would fall after the
 * delivery's deadline, 24 hours after its first attempt. An endpoint failing for too long, or
 * answering {@code 410 Gone}, is paused, and the admins who asked are told by email ({@link
 * #alertOnPause}).
 *
 * <p>A claim commits before its request leaves, so a delivery found {@code sending} after a
 * crash or a takeover is sent again with the same {@code webhook-id}: at least once, and twice
 * only for the requests in flight when the process died or lost the lease.
 */
public final class WebhookSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);

    /** How often the thread looks for deliveries due without being woken (backoffs ending, new rows). */
    static final Duration TICK = Duration.ofSeconds(1);
    /** How long a delivery is retried, from its first attempt. */
    public static final Duration RETRY_SPAN = Duration.ofHours(24);
    /** The longest {@code Retry-After} honoured. */
    static final Duration LONGEST_RETRY_AFTER = Duration.ofHours(1);
    /** The requests in flight per endpoint when its record names no positive number. */
    static final int DEFAULT_ENDPOINT_IN_FLIGHT = 8;
    /** The {@code User-Agent} of every request. */
    static final String USER_AGENT = "Concierge-Webhooks/1";

    /**
     * How often, at most, the parked deliveries that no unfinished one precedes are made due: a
     * row parked beside a concurrent write that finished its lane's head (a cancel on another
     * node). The check reads every parked row (one seek in the lane index each), a write only
     * when it finds one: 0.57 s best of 20 (median 0.65 s) on SQLite with 99,000 rows parked
     * behind 1,000 heads, on a loaded 2-core machine, so once a minute, not every round.
     */
    static final Duration UNPARK_EVERY = Duration.ofMinutes(1);

    static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(15);

    /** What the sender reports as it works, e.g. to {@code /metrics}; called on its thread. */
    public interface Listener {
        /** Nothing reported. */
        Listener NONE = new Listener() {};

        /** One attempt's outcome was recorded. */
        default void outcome(Result result) {}

        /** How many endpoints are paused now, read once per round (0 once the sender stops). */
        default void pausedEndpoints(int count) {}
    }

    /** A lane: the deliveries of one conversation to one endpoint, sent one at a time, in order. */
    record Lane(String endpointId, String conversationId) {}

    /** A request in flight: its delivery, the attempt's number, the delivery's deadline. */
    private record Sent(DueDelivery row, Endpoint endpoint, int attempt, Instant deadline) {}

    /** A request's answer, waiting for the scheduler thread to record it. */
    private record Done(Sent sent, WebhookTransport.Response response) {}

    private final IntegrationStore store;
    private final WebhookTransport transport;
    private final WebhookSettings settings;
    private final Clock clock;
    private final DoubleSupplier random;
    private final String node;
    private final BooleanSupplier stillDeciding;
    private final Listener listener;

    /** The requests in flight by lane, and their count per endpoint: the scheduler thread's only. */
    private final Map<Lane, Sent> inFlight = new HashMap<>();

    private final Map<String, Integer> perEndpoint = new HashMap<>();
    /** Answers received, filled by the transport's threads, drained by the scheduler thread. */
    private final ConcurrentLinkedQueue<Done> answered = new ConcurrentLinkedQueue<>();

    private final RoundThread thread;
    /** Set once, before {@link #start()}; empty until then. */
    private volatile Optional<SubscriptionRefresh> subscriptions = Optional.empty();
    /** When the parked lane heads are looked for next: the scheduler thread's only. */
    private Instant nextUnpark = Instant.MIN;

    private final EndpointPauses pauses;

    /**
     * A sender of {@code store}'s webhook outbox through {@code transport}, which it closes when it
     * is closed; {@code node} is recorded with each attempt; no request leaves once {@code
     * stillDeciding} answers false. {@link #start()} runs its thread.
     */
    public WebhookSender(
            IntegrationStore store,
            WebhookTransport transport,
            WebhookSettings settings,
            Clock clock,
            String node,
            BooleanSupplier stillDeciding,
            Listener listener) {
        this(
                store,
                transport,
                settings,
                clock,
                () -> ThreadLocalRandom.current().nextDouble(),
                node,
                stillDeciding,
                listener,
                TICK);
    }

    /** As above, with the jitter's randomness ({@code [0, 1)}) and the idle tick given (tests). */
    WebhookSender(
            IntegrationStore store,
            WebhookTransport transport,
            WebhookSettings settings,
            Clock clock,
            DoubleSupplier random,
            String node,
            BooleanSupplier stillDeciding,
            Listener listener,
            Duration tick) {
        this.store = Objects.requireNonNull(store, "store");
        this.pauses = new EndpointPauses(store, settings);
        this.transport = Objects.requireNonNull(transport, "transport");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.node = Objects.requireNonNull(node, "node");
        this.stillDeciding = Objects.requireNonNull(stillDeciding, "stillDeciding");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.thread = new RoundThread("concierge-webhook-sender", tick);
    }

    /**
     * Writes the mails of {@code alerts} with each pause this sender makes, in the same
     * transaction. Set before {@link #start()}; returns this.
     */
    public WebhookSender alertOnPause(PauseAlerts alerts) {
        pauses.alerts(alerts);
        return this;
    }

    /** Starts the scheduler thread; returns this. */
    public WebhookSender start() {
        // Answers that came during the round are recorded at once.
        thread.start(() -> {
            round();
            return !answered.isEmpty();
        });
        return this;
    }

    /**
     * Has each round compare the endpoints it reads with those of the last reload and call {@code
     * reload} (the router's) when they differ, at most every few seconds, so that a change whose
     * own reload was lost still reaches the router's subscriptions. Call before {@link #start()};
     * returns this.
     */
    public WebhookSender refreshingSubscriptions(Supplier<CompletableFuture<Void>> reload) {
        subscriptions = Optional.of(new SubscriptionRefresh(reload));
        return this;
    }

    /** Makes the thread look for deliveries due now, e.g. after an append that stored some. */
    public void wake() {
        thread.wake();
    }

    /**
     * Stops the thread and the transport. The outcomes of requests in flight are not recorded:
     * their deliveries stay {@code sending} and are sent again by the next sender.
     */
    @Override
    public void close() {
        thread.stop(JOIN_TIMEOUT);
        transport.close();
        listener.pausedEndpoints(0);
    }

    /**
     * One round: records the answers received, then, while this node still decides, reads the
     * deliveries due, records those past their deadline expired, claims the ones the limits allow
     * in one write and sends those the claim took. Returns how many requests it started.
     * Blocking; the thread's work, callable by tests.
     */
    int round() {
        recordAnswers();
        if (!thread.running() || !stillDeciding.getAsBoolean()) {
            return 0;
        }
        Map<String, Endpoint> endpoints = store.endpoints(Optional.empty()).stream()
                .collect(Collectors.toMap(Endpoint::id, Function.identity(), (a, b) -> a));
        listener.pausedEndpoints((int) endpoints.values().stream()
                .filter(e -> e.state() == EndpointState.PAUSED)
                .count());
        subscriptions.ifPresent(s -> s.check(endpoints.values(), clock.instant()));
        int free = settings.maxInFlight() - inFlight.size();
        if (free <= 0) {
            return 0;
        }
        Instant now = clock.instant();
        if (!now.isBefore(nextUnpark)) {
            nextUnpark = now.plus(UNPARK_EVERY);
            int unparked = await(store.unparkLaneHeads(now));
            if (unparked > 0) {
                LOG.info("{} parked webhook deliveries made due: the delivery before each had finished", unparked);
            }
        }
        // The lanes in flight come back as their own heads; endpoints at their limit are not read,
        // so that their backlog cannot fill the read and hold up the others.
        Set<String> full = perEndpoint.entrySet().stream()
                .filter(e ->
                        endpoints.containsKey(e.getKey()) && e.getValue() >= endpointLimit(endpoints.get(e.getKey())))
                .map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        List<DueDelivery> due = store.dueDeliveries(now, inFlight.size() + 2 * free, full);
        Map<String, Integer> taking = new HashMap<>(perEndpoint);
        List<DueDelivery> chosen = new ArrayList<>();
        for (DueDelivery row : due) {
            Endpoint endpoint = endpoints.get(row.endpointId());
            if (chosen.size() >= free
                    || inFlight.containsKey(lane(row))
                    || endpoint == null
                    || endpoint.state() != EndpointState.ACTIVE) {
                continue;
            }
            // Past its deadline (e.g. its endpoint was paused meanwhile): claimed like the others,
            // then recorded expired without a request.
            if (!pastDeadline(row, now) && taking.getOrDefault(row.endpointId(), 0) >= endpointLimit(endpoint)) {
                continue;
            }
            taking.merge(row.endpointId(), pastDeadline(row, now) ? 0 : 1, Integer::sum);
            chosen.add(row);
        }
        if (chosen.isEmpty() || !stillDeciding.getAsBoolean()) {
            return 0;
        }
        List<Claim> claims = chosen.stream()
                .map(r -> new Claim(r.id(), r.attempts() + 1, node, now, now.plus(RETRY_SPAN)))
                .toList();
        Set<String> claimed = await(store.claimDeliveries(claims));
        int started = 0;
        for (DueDelivery row : chosen) {
            if (!claimed.contains(row.id())) {
                LOG.debug("webhook delivery {} not sent: cancelled or deleted since it was read as due", row.id());
                continue;
            }
            if (pastDeadline(row, now)) {
                expire(row, now);
                continue;
            }
            // Checked per request: a node that judges its lease lost sends nothing more; the rows
            // it claimed stay sending, and the next decider sends them.
            if (!thread.running() || !stillDeciding.getAsBoolean()) {
                break;
            }
            Instant deadline = row.deadlineAt() != null ? row.deadlineAt() : now.plus(RETRY_SPAN);
            send(new Sent(row, endpoints.get(row.endpointId()), row.attempts() + 1, deadline));
            started++;
        }
        return started;
    }

    private static Lane lane(DueDelivery row) {
        return new Lane(row.endpointId(), row.conversationId());
    }

    private static boolean pastDeadline(DueDelivery row, Instant now) {
        return row.deadlineAt() != null && !now.isBefore(row.deadlineAt());
    }

    private static int endpointLimit(Endpoint endpoint) {
        return endpoint.maxInFlight() > 0 ? endpoint.maxInFlight() : DEFAULT_ENDPOINT_IN_FLIGHT;
    }

    private void send(Sent sent) {
        Instant now = clock.instant();
        DueDelivery row = sent.row();
        byte[] body = row.body().getBytes(StandardCharsets.UTF_8);
        CompletableFuture<WebhookTransport.Response> answer;
        try {
            WebhookTransport.Request request =
                    new WebhookTransport.Request(URI.create(sent.endpoint().url()), headers(sent, body, now), body);
            answer = transport.send(request);
        } catch (RuntimeException e) {
            answer = CompletableFuture.completedFuture(failure("not sent: " + e.getMessage()));
        }
        inFlight.put(lane(row), sent);
        perEndpoint.merge(row.endpointId(), 1, Integer::sum);
        answer.whenComplete((response, error) -> {
            answered.add(new Done(sent, response != null ? response : failure(String.valueOf(error))));
            wake();
        });
    }

    /** The headers of one attempt: Standard Webhooks' three, signed at this attempt's time, and ours. */
    private static Map<String, String> headers(Sent sent, byte[] body, Instant now) {
        DueDelivery row = sent.row();
        Endpoint endpoint = sent.endpoint();
        long timestamp = now.getEpochSecond();
        Optional<String> previous = Optional.ofNullable(endpoint.previousSecret())
                .filter(s -> endpoint.previousSecretUntil() != null && now.isBefore(endpoint.previousSecretUntil()));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", USER_AGENT);
        headers.put("webhook-id", row.eventId());
        headers.put("webhook-timestamp", Long.toString(timestamp));
        headers.put(
                "webhook-signature",
                WebhookSignature.header(endpoint.secret(), previous, row.eventId(), timestamp, body));
        headers.put("concierge-event-type", row.type());
        headers.put("concierge-conversation", row.conversationId());
        headers.put("concierge-seq", Long.toString(row.seq()));
        headers.put("concierge-attempt", Integer.toString(sent.attempt()));
        return headers;
    }

    private static WebhookTransport.Response failure(String error) {
        return new WebhookTransport.Response(0, null, error, null, Optional.empty(), 0);
    }

    /** Records the answers received since the last round, each freeing its lane once written. */
    private void recordAnswers() {
        for (Done done = answered.poll(); done != null; done = answered.poll()) {
            DueDelivery row = done.sent().row();
            try {
                record(done.sent(), done.response());
            } catch (RuntimeException e) {
                // The delivery stays sending: the next round sends it again, with the same id.
                LOG.warn("webhook delivery {}: the outcome could not be recorded: {}", row.id(), e.toString());
            } finally {
                inFlight.remove(lane(row));
                perEndpoint.computeIfPresent(row.endpointId(), (id, n) -> n > 1 ? n - 1 : null);
            }
        }
    }

    private void record(Sent sent, WebhookTransport.Response response) {
        Instant now = clock.instant();
        Result result = Result.DELIVERED;
        Instant next = null;
        if (!response.delivered()) {
            Duration wait = backoff(sent.attempt());
            Optional<Duration> asked =
                    response.retryAfter().map(d -> d.compareTo(LONGEST_RETRY_AFTER) > 0 ? LONGEST_RETRY_AFTER : d);
            if (asked.isPresent() && asked.get().compareTo(wait) > 0) {
                wait = asked.get();
            }
            next = now.plus(wait);
            result = next.isAfter(sent.deadline()) ? Result.EXPIRED : Result.RETRY;
            if (result == Result.EXPIRED) {
                next = null;
            }
        }
        DueDelivery row = sent.row();
        Outcome outcome = new Outcome(
                row.id(),
                row.endpointId(),
                sent.attempt(),
                result,
                now,
                next,
                response.status() == 0 ? null : response.status(),
                clip(response.error(), IntegrationStore.MAX_ERROR),
                response.address(),
                response.durationMillis(),
                clip(response.body(), IntegrationStore.MAX_RESPONSE));
        Optional<Endpoint> after = await(store.deliveryDone(outcome));
        listener.outcome(result);
        if (after.isPresent()) {
            pauses.pauseIfDue(after.get(), response.status(), now);
        }
    }

    /** Records claimed {@code row} expired without a request: its deadline passed before it could be sent. */
    private void expire(DueDelivery row, Instant now) {
        Outcome outcome = new Outcome(
                row.id(),
                row.endpointId(),
                row.attempts() + 1,
                Result.EXPIRED,
                now,
                null,
                null,
                "expired: not delivered within " + RETRY_SPAN.toHours() + " h of its first attempt",
                null,
                0,
                null);
        await(store.deliveryDone(outcome));
        listener.outcome(Result.EXPIRED);
    }

    /** {@code url} without its query and fragment, which may carry a receiver's token. */
    public static String withoutQuery(String url) {
        return url.replaceFirst("[?#].*", "");
    }

    /**
     * The wait after the {@code attempt}-th failed attempt: the schedule's step, spread uniformly
     * by ±10 % when the settings ask for jitter.
     */
    Duration backoff(int attempt) {
        Duration step = settings.backoffAfter(attempt);
        if (!settings.jitter()) {
            return step;
        }
        double factor = 0.9 + 0.2 * random.getAsDouble();
        return Duration.ofNanos(Math.round(step.toNanos() * factor));
    }

    private static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }

    private static <T> T await(CompletableFuture<T> write) {
        return RoundThread.await(write, STORE_TIMEOUT, "the webhook outbox");
    }
}
