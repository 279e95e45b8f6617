package dev.concierge.server.testing;

import dev.concierge.store.ConversationStore;
import dev.concierge.store.IntegrationStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The integrations of a store kept in memory, for tests of the REST API's key and webhook
 * management: endpoints, deliveries with their attempts (seeded by the test), and API keys,
 * following the contract of {@link IntegrationStore}. The webhook outbox's sender side (due,
 * claim, outcome) and the conversation listing are not kept. {@link #around} gives any store
 * these integrations.
 */
public final class FakeIntegrationStore implements IntegrationStore {
    private final Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    private final Map<String, Delivery> deliveries = new LinkedHashMap<>();
    private final Map<String, List<Attempt>> attempts = new LinkedHashMap<>();
    private final Map<String, ApiKeyRecord> keys = new LinkedHashMap<>();

    /** How many times a key was read by its id. */
    public final AtomicInteger keyReads = new AtomicInteger();

    /** The {@code lastUsedAt} writes, as {@code id@time}. */
    public final List<String> keyUses = new CopyOnWriteArrayList<>();

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
        endpoints.put(changed.id(), changed);
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
        throw new UnsupportedOperationException("the sender's call");
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
                new Endpoint(
                        e.id(),
                        e.site(),
                        e.url(),
                        e.description(),
                        e.eventTypes(),
                        e.secret(),
                        e.previousSecret(),
                        e.previousSecretUntil(),
                        e.maxInFlight(),
                        EndpointState.ACTIVE,
                        null,
                        null,
                        null,
                        0,
                        e.lastSuccessAt(),
                        e.createdAt(),
                        at,
                        e.version() + 1));
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
    public List<DueDelivery> dueDeliveries(Instant now, int limit, Set<String> skipped) {
        return List.of();
    }

    @Override
    public CompletableFuture<Set<String>> claimDeliveries(List<Claim> claims) {
        throw new UnsupportedOperationException("the sender's call");
    }

    @Override
    public CompletableFuture<Integer> unparkLaneHeads(Instant now) {
        throw new UnsupportedOperationException("the sender's call");
    }

    @Override
    public CompletableFuture<Optional<Endpoint>> deliveryDone(Outcome outcome) {
        throw new UnsupportedOperationException("the sender's call");
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
