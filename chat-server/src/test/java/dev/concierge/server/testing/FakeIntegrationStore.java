package dev.concierge.server.testing;

import dev.concierge.server.webhook.WebhookTypes;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.IntegrationStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The integrations of a store kept in memory, following the contract of {@link IntegrationStore}:
 * endpoints; the webhook outbox as the sender sees it ({@link Row}s: the due heads of lanes of
 * active endpoints, claims, outcomes with the endpoint's counters, pauses); the delivery log with
 * attempts (seeded by the test, apart from the outbox); and API keys. The conversation listing is
 * not kept. {@link #around} gives any store these integrations.
 */
public final class FakeIntegrationStore implements IntegrationStore {
    /** When the outbox's tests start. */
    public static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    /** A delivery row of the outbox, changed in place. */
    public static final class Row {
        public final String id;
        public final String endpointId;
        public final String eventId;
        public final String conversationId;
        public final long seq;
        public final Instant createdAt;
        public final String body;
        public DeliveryState state = DeliveryState.PENDING;
        public int attempts;
        public Instant nextAttemptAt;
        public Instant deadlineAt;

        Row(String id, String endpointId, String conversationId, long seq, Instant createdAt) {
            this.id = id;
            this.endpointId = endpointId;
            this.eventId = "evt_" + id.substring(4);
            this.conversationId = conversationId;
            this.seq = seq;
            this.createdAt = createdAt;
            this.nextAttemptAt = createdAt;
            this.body = "{\"conversation\":{\"id\":\"" + conversationId + "\",\"seq\":" + seq + "},\"text\":\"é\"}";
        }
    }

    /** The endpoints by id, oldest first; a test may change them directly. */
    public final Map<String, Endpoint> endpoints = Collections.synchronizedMap(new LinkedHashMap<>());

    /** The outbox's rows, in the order enqueued. */
    public final List<Row> rows = new ArrayList<>();
    /** The sender's claim calls and outcomes, in order. */
    public final List<List<Claim>> claimCalls = new ArrayList<>();

    public final List<Outcome> outcomes = new ArrayList<>();
    /** The times the sender asked for parked lane heads to be made due (none are parked: heads are computed). */
    public final List<Instant> unparks = new ArrayList<>();
    /** Runs as a claim starts, e.g. to cancel a row between the read and the claim. */
    public Runnable beforeClaim = () -> {};

    private final Map<String, Delivery> deliveries = new LinkedHashMap<>();
    private final Map<String, List<Attempt>> attempts = new LinkedHashMap<>();
    private final Map<String, ApiKeyRecord> keys = new LinkedHashMap<>();
    private final Clock clock;
    private int next;

    /** How many times a key was read by its id. */
    public final AtomicInteger keyReads = new AtomicInteger();

    /** The {@code lastUsedAt} writes, as {@code id@time}. */
    public final List<String> keyUses = new CopyOnWriteArrayList<>();

    /** Integrations whose outbox rows are created at the time of {@code clock}. */
    public FakeIntegrationStore(Clock clock) {
        this.clock = clock;
    }

    /** Integrations on the system's clock. */
    public FakeIntegrationStore() {
        this(Clock.systemUTC());
    }

    /** {@code store} with these integrations: every other call goes to it. */
    public ConversationStore around(ConversationStore store) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("integrations") && method.getParameterCount() == 0) {
                return Optional.of(this);
            }
            try {
                return method.invoke(store, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (ConversationStore) Proxy.newProxyInstance(
                ConversationStore.class.getClassLoader(), new Class<?>[] {ConversationStore.class}, handler);
    }

    /** Adds a delivery of the log, with its attempts. */
    public synchronized void addDelivery(Delivery delivery, List<Attempt> itsAttempts) {
        deliveries.put(delivery.id(), delivery);
        attempts.put(delivery.id(), List.copyOf(itsAttempts));
    }

    /** An active endpoint of site {@code demo}, of every event type. */
    public Endpoint endpoint(String id, String url, String secret, int maxInFlight) {
        Endpoint e = new Endpoint(
                id,
                "demo",
                url,
                null,
                WebhookTypes.ALL,
                secret,
                null,
                null,
                maxInFlight,
                EndpointState.ACTIVE,
                null,
                null,
                null,
                0,
                null,
                T0,
                T0,
                1);
        endpoints.put(id, e);
        return e;
    }

    /** A pending delivery of event {@code seq} of {@code conversationId} to {@code endpointId}, due now. */
    public Row enqueue(String endpointId, String conversationId, long seq) {
        Row r = new Row(String.format("whd_%016d", ++next), endpointId, conversationId, seq, clock.instant());
        rows.add(r);
        return r;
    }

    /** The outbox's row {@code id}. */
    public Row row(String id) {
        return rows.stream().filter(r -> r.id.equals(id)).findFirst().orElseThrow();
    }

    /** Rotates {@code id}'s secret: {@code newSecret}, the old one valid until {@code until}. */
    public void rotate(String id, String newSecret, Instant until) {
        Endpoint e = endpoints.get(id);
        endpoints.put(id, e.change().secrets(newSecret, e.secret(), until).at(e.updatedAt()));
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    @Override
    public synchronized List<Endpoint> endpoints(Optional<String> site) {
        return endpoints.values().stream()
                .filter(e -> site.map(e.site()::equals).orElse(true))
                .toList();
    }

    @Override
    public synchronized Optional<Endpoint> endpoint(String id) {
        return Optional.ofNullable(endpoints.get(id));
    }

    @Override
    public synchronized CompletableFuture<Void> insertEndpoint(Endpoint endpoint) {
        if (endpoints.putIfAbsent(endpoint.id(), endpoint) != null) {
            return CompletableFuture.failedFuture(new IllegalStateException("endpoint id exists"));
        }
        return done(null);
    }

    @Override
    public synchronized CompletableFuture<Boolean> updateEndpoint(Endpoint changed, long expectedVersion) {
        Endpoint now = endpoints.get(changed.id());
        if (now == null || now.version() != expectedVersion) {
            return done(false);
        }
        boolean sameState = changed.state() == now.state();
        boolean reset = changed.state() == EndpointState.ACTIVE && !sameState;
        endpoints.put(
                changed.id(),
                changed.change()
                        .state(
                                changed.state(),
                                sameState ? now.pausedAt() : changed.pausedAt(),
                                sameState ? now.pausedReason() : changed.pausedReason())
                        .counters(
                                reset ? null : now.failingSince(),
                                reset ? 0 : now.consecutiveFailures(),
                                now.lastSuccessAt())
                        .sameVersion());
        return done(true);
    }

    @Override
    public synchronized CompletableFuture<Boolean> deleteEndpoint(String id) {
        boolean existed = endpoints.remove(id) != null;
        deliveries.replaceAll((k, d) ->
                d.endpointId().equals(id) && (d.state() == DeliveryState.PENDING || d.state() == DeliveryState.SENDING)
                        ? with(d, DeliveryState.CANCELLED)
                        : d);
        return done(existed);
    }

    @Override
    public synchronized CompletableFuture<Boolean> pauseEndpoint(String id, String reason, Instant at) {
        Endpoint e = endpoints.get(id);
        if (e == null || e.state() != EndpointState.ACTIVE) {
            return done(false);
        }
        endpoints.put(id, e.change().state(EndpointState.PAUSED, at, reason).at(at));
        return done(true);
    }

    @Override
    public synchronized CompletableFuture<Boolean> resumeEndpoint(
            String id, Instant at, Optional<Instant> redeliverExpiredSince) {
        Endpoint e = endpoints.get(id);
        if (e == null) {
            return done(false);
        }
        endpoints.put(
                id,
                e.change()
                        .state(EndpointState.ACTIVE, null, null)
                        .counters(null, 0, e.lastSuccessAt())
                        .at(at));
        redeliverExpiredSince.ifPresent(
                since -> deliveries.replaceAll((k, d) -> d.endpointId().equals(id)
                                && d.state() == DeliveryState.EXPIRED
                                && !d.createdAt().isBefore(since)
                        ? with(d, DeliveryState.PENDING)
                        : d));
        return done(true);
    }

    private static Delivery with(Delivery d, DeliveryState state) {
        return new Delivery(
                d.id(),
                d.endpointId(),
                d.eventId(),
                d.conversationId(),
                d.seq(),
                d.type(),
                state,
                d.attempts(),
                d.createdAt(),
                d.nextAttemptAt(),
                null,
                d.deliveredAt(),
                d.lastStatus(),
                d.lastError(),
                d.body());
    }

    @Override
    public synchronized List<DueDelivery> dueDeliveries(Instant now, int limit, Set<String> skipped) {
        Map<String, Row> heads = new LinkedHashMap<>();
        rows.stream()
                .filter(r -> r.state == DeliveryState.PENDING || r.state == DeliveryState.SENDING)
                .sorted(Comparator.comparingLong((Row r) -> r.seq))
                .forEach(r -> heads.putIfAbsent(r.endpointId + " " + r.conversationId, r));
        return heads.values().stream()
                .filter(r -> endpoints.get(r.endpointId).state() == EndpointState.ACTIVE)
                .filter(r -> !skipped.contains(r.endpointId))
                .filter(r -> r.state == DeliveryState.SENDING || !r.nextAttemptAt.isAfter(now))
                .sorted(Comparator.comparing((Row r) -> r.nextAttemptAt).thenComparing(r -> r.id))
                .limit(limit)
                .map(r -> new DueDelivery(
                        r.id,
                        r.endpointId,
                        r.eventId,
                        r.conversationId,
                        r.seq,
                        0,
                        WebhookTypes.MESSAGE_CREATED,
                        r.state,
                        r.attempts,
                        r.createdAt,
                        r.deadlineAt,
                        r.body))
                .toList();
    }

    @Override
    public synchronized CompletableFuture<Set<String>> claimDeliveries(List<Claim> claims) {
        beforeClaim.run();
        claimCalls.add(List.copyOf(claims));
        Set<String> taken = new LinkedHashSet<>();
        for (Claim c : claims) {
            Row r = row(c.deliveryId());
            if (r.state == DeliveryState.PENDING || r.state == DeliveryState.SENDING) {
                r.state = DeliveryState.SENDING;
                r.attempts = c.attempt();
                r.deadlineAt = r.deadlineAt != null ? r.deadlineAt : c.deadlineAt();
                taken.add(r.id);
            }
        }
        return done(taken);
    }

    @Override
    public synchronized CompletableFuture<Integer> unparkLaneHeads(Instant now) {
        unparks.add(now);
        return done(0);
    }

    @Override
    public synchronized CompletableFuture<Optional<Endpoint>> deliveryDone(Outcome o) {
        outcomes.add(o);
        Row r = row(o.deliveryId());
        if (r.state != DeliveryState.SENDING || r.attempts != o.attempt()) {
            throw new IllegalStateException("the store records an outcome only of the claimed attempt: " + o);
        }
        r.state = switch (o.result()) {
            case DELIVERED -> DeliveryState.DELIVERED;
            case RETRY -> DeliveryState.PENDING;
            case EXPIRED -> DeliveryState.EXPIRED;
        };
        r.nextAttemptAt = o.nextAttemptAt() != null ? o.nextAttemptAt() : r.nextAttemptAt;
        Endpoint e = endpoints.get(o.endpointId());
        boolean ok = o.result() == Result.DELIVERED;
        Endpoint after = e.change()
                .counters(
                        ok ? null : e.failingSince() != null ? e.failingSince() : o.at(),
                        ok ? 0 : e.consecutiveFailures() + 1,
                        ok ? o.at() : e.lastSuccessAt())
                .sameVersion();
        endpoints.put(e.id(), after);
        return done(Optional.of(after));
    }

    @Override
    public synchronized List<Delivery> deliveries(
            String endpointId, DeliveryState state, String conversationId, Cursor after, int limit) {
        Comparator<Delivery> newestFirst = Comparator.comparing(Delivery::createdAt)
                .thenComparing(Delivery::id)
                .reversed();
        return deliveries.values().stream()
                .filter(d -> d.endpointId().equals(endpointId))
                .filter(d -> state == null || d.state() == state)
                .filter(d -> conversationId == null || d.conversationId().equals(conversationId))
                .filter(d -> after == null
                        || d.createdAt().isBefore(after.at())
                        || (d.createdAt().equals(after.at()) && d.id().compareTo(after.id()) < 0))
                .sorted(newestFirst)
                .limit(limit)
                .toList();
    }

    @Override
    public synchronized Optional<Delivery> delivery(String id) {
        return Optional.ofNullable(deliveries.get(id));
    }

    @Override
    public synchronized List<Attempt> attempts(String deliveryId) {
        return attempts.getOrDefault(deliveryId, List.of());
    }

    @Override
    public synchronized CompletableFuture<Boolean> redeliver(String deliveryId, Instant now) {
        Delivery d = deliveries.get(deliveryId);
        if (d == null) {
            return done(false);
        }
        deliveries.put(deliveryId, with(d, DeliveryState.PENDING));
        return done(true);
    }

    @Override
    public synchronized CompletableFuture<Boolean> cancelDelivery(String deliveryId, Instant now) {
        Delivery d = deliveries.get(deliveryId);
        if (d == null || d.state() != DeliveryState.PENDING) {
            return done(false);
        }
        deliveries.put(deliveryId, with(d, DeliveryState.CANCELLED));
        return done(true);
    }

    @Override
    public synchronized Optional<ApiKeyRecord> apiKey(String id) {
        keyReads.incrementAndGet();
        return Optional.ofNullable(keys.get(id));
    }

    @Override
    public synchronized List<ApiKeyRecord> apiKeys() {
        List<ApiKeyRecord> all = new ArrayList<>(keys.values());
        all.sort(Comparator.comparing(ApiKeyRecord::createdAt).reversed());
        return all;
    }

    @Override
    public synchronized CompletableFuture<Void> insertApiKey(ApiKeyRecord key) {
        if (keys.putIfAbsent(key.id(), key) != null) {
            return CompletableFuture.failedFuture(new IllegalStateException("key id exists"));
        }
        return done(null);
    }

    @Override
    public synchronized CompletableFuture<Boolean> revokeApiKey(String id, Instant at) {
        ApiKeyRecord k = keys.get(id);
        if (k == null || k.revokedAt() != null) {
            return done(false);
        }
        keys.put(id, withUse(k, at, k.lastUsedAt()));
        return done(true);
    }

    @Override
    public synchronized CompletableFuture<Void> apiKeyUsed(String id, Instant at) {
        keyUses.add(id + "@" + at);
        ApiKeyRecord k = keys.get(id);
        if (k != null) {
            keys.put(id, withUse(k, k.revokedAt(), at));
        }
        return done(null);
    }

    private static ApiKeyRecord withUse(ApiKeyRecord k, Instant revokedAt, Instant lastUsedAt) {
        return new ApiKeyRecord(
                k.id(),
                k.kind(),
                k.site(),
                k.scopes(),
                k.actsAsAgent(),
                k.integration(),
                k.name(),
                k.secretSha256(),
                k.createdAt(),
                k.createdBy(),
                k.expiresAt(),
                revokedAt,
                lastUsedAt);
    }

    @Override
    public List<ListedConversation> conversations(ConversationQuery query) {
        return List.of();
    }
}
