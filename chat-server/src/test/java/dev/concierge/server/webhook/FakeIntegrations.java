package dev.concierge.server.webhook;

import dev.concierge.store.IntegrationStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The part of {@link IntegrationStore} the webhook sender uses, in memory, with the store's rules:
 * the due heads of lanes of active endpoints, claims, outcomes with the endpoint's counters,
 * pauses. Every other method throws.
 */
final class FakeIntegrations implements IntegrationStore {
    static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    /** A delivery row, changed in place. */
    static final class Row {
        final String id;
        final String endpointId;
        final String eventId;
        final String conversationId;
        final long seq;
        final Instant createdAt;
        final String body;
        DeliveryState state = DeliveryState.PENDING;
        int attempts;
        Instant nextAttemptAt;
        Instant deadlineAt;

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

    /** A clock the test moves. */
    static final class ManualClock extends Clock {
        private volatile Instant at = T0;

        @Override
        public Instant instant() {
            return at;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        void set(Instant instant) {
            at = instant;
        }

        void plus(java.time.Duration d) {
            at = at.plus(d);
        }
    }

    final Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    final List<Row> rows = new ArrayList<>();
    final List<List<Claim>> claimCalls = new ArrayList<>();
    final List<Outcome> outcomes = new ArrayList<>();
    /** Runs as a claim starts, e.g. to cancel a row between the read and the claim. */
    Runnable beforeClaim = () -> {};

    private final Clock clock;
    private int next;

    FakeIntegrations(Clock clock) {
        this.clock = clock;
    }

    /** An active endpoint of site {@code demo}. */
    Endpoint endpoint(String id, String url, String secret, int maxInFlight) {
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
    Row enqueue(String endpointId, String conversationId, long seq) {
        Row r = new Row(String.format("whd_%016d", ++next), endpointId, conversationId, seq, clock.instant());
        rows.add(r);
        return r;
    }

    Row row(String id) {
        return rows.stream().filter(r -> r.id.equals(id)).findFirst().orElseThrow();
    }

    @Override
    public List<Endpoint> endpoints(Optional<String> site) {
        return List.copyOf(endpoints.values());
    }

    @Override
    public List<DueDelivery> dueDeliveries(Instant now, int limit, Set<String> skipped) {
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
                .collect(Collectors.toList());
    }

    @Override
    public CompletableFuture<Set<String>> claimDeliveries(List<Claim> claims) {
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
        return CompletableFuture.completedFuture(taken);
    }

    @Override
    public CompletableFuture<Optional<Endpoint>> deliveryDone(Outcome o) {
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
        Endpoint after = with(
                e,
                e.state(),
                e.pausedAt(),
                e.pausedReason(),
                ok ? null : e.failingSince() != null ? e.failingSince() : o.at(),
                ok ? 0 : e.consecutiveFailures() + 1,
                ok ? o.at() : e.lastSuccessAt());
        endpoints.put(e.id(), after);
        return CompletableFuture.completedFuture(Optional.of(after));
    }

    @Override
    public CompletableFuture<Boolean> pauseEndpoint(String id, String reason, Instant at) {
        Endpoint e = endpoints.get(id);
        if (e == null || e.state() != EndpointState.ACTIVE) {
            return CompletableFuture.completedFuture(false);
        }
        endpoints.put(
                id,
                with(
                        e,
                        EndpointState.PAUSED,
                        at,
                        reason,
                        e.failingSince(),
                        e.consecutiveFailures(),
                        e.lastSuccessAt()));
        return CompletableFuture.completedFuture(true);
    }

    /** The times the sender asked for parked lane heads to be made due (it has none parked: heads are computed). */
    final List<Instant> unparks = new ArrayList<>();

    @Override
    public CompletableFuture<Integer> unparkLaneHeads(Instant now) {
        unparks.add(now);
        return CompletableFuture.completedFuture(0);
    }

    /** {@code e} with a previous secret valid until {@code until}. */
    void rotate(String id, String newSecret, Instant until) {
        Endpoint e = endpoints.get(id);
        endpoints.put(
                id,
                new Endpoint(
                        e.id(),
                        e.site(),
                        e.url(),
                        e.description(),
                        e.eventTypes(),
                        newSecret,
                        e.secret(),
                        until,
                        e.maxInFlight(),
                        e.state(),
                        e.pausedAt(),
                        e.pausedReason(),
                        e.failingSince(),
                        e.consecutiveFailures(),
                        e.lastSuccessAt(),
                        e.createdAt(),
                        e.updatedAt(),
                        e.version() + 1));
    }

    private static Endpoint with(
            Endpoint e,
            EndpointState state,
            Instant pausedAt,
            String reason,
            Instant failingSince,
            int failures,
            Instant lastSuccess) {
        return new Endpoint(
                e.id(),
                e.site(),
                e.url(),
                e.description(),
                e.eventTypes(),
                e.secret(),
                e.previousSecret(),
                e.previousSecretUntil(),
                e.maxInFlight(),
                state,
                pausedAt,
                reason,
                failingSince,
                failures,
                lastSuccess,
                e.createdAt(),
                e.updatedAt(),
                e.version() + 1);
    }

    // ---- not used by the sender --------------------------------------------------------------

    private static <T> T unused() {
        throw new UnsupportedOperationException("not used by the webhook sender");
    }

    @Override
    public Optional<Endpoint> endpoint(String id) {
        return unused();
    }

    @Override
    public CompletableFuture<Void> insertEndpoint(Endpoint endpoint) {
        return unused();
    }

    @Override
    public CompletableFuture<Boolean> updateEndpoint(Endpoint changed, long expectedVersion) {
        return unused();
    }

    @Override
    public CompletableFuture<Boolean> deleteEndpoint(String id) {
        return unused();
    }

    @Override
    public CompletableFuture<Boolean> resumeEndpoint(String id, Instant at, Optional<Instant> redeliverExpiredSince) {
        return unused();
    }

    @Override
    public List<Delivery> deliveries(
            String endpointId, DeliveryState state, String conversationId, Cursor after, int limit) {
        return unused();
    }

    @Override
    public Optional<Delivery> delivery(String id) {
        return unused();
    }

    @Override
    public List<Attempt> attempts(String deliveryId) {
        return unused();
    }

    @Override
    public CompletableFuture<Boolean> redeliver(String deliveryId, Instant now) {
        return unused();
    }

    @Override
    public CompletableFuture<Boolean> cancelDelivery(String deliveryId, Instant now) {
        return unused();
    }

    @Override
    public Optional<ApiKeyRecord> apiKey(String id) {
        return unused();
    }

    @Override
    public List<ApiKeyRecord> apiKeys() {
        return unused();
    }

    @Override
    public CompletableFuture<Void> insertApiKey(ApiKeyRecord key) {
        return unused();
    }

    @Override
    public CompletableFuture<Boolean> revokeApiKey(String id, Instant at) {
        return unused();
    }

    @Override
    public CompletableFuture<Void> apiKeyUsed(String id, Instant at) {
        return unused();
    }

    @Override
    public List<ListedConversation> conversations(ConversationQuery query) {
        return unused();
    }
}
