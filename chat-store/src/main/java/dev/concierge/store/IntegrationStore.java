package dev.concierge.store;

import dev.concierge.protocol.ConversationState;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What the integrations of a store keep (docs/integrations.md): webhook endpoints, the webhook
 * outbox and its delivery log, REST API keys, and the conversation listing the REST API pages
 * through. Only the JDBC store has them ({@link ConversationStore#integrations()}). Reads block;
 * writes go through the store's one writer and complete once committed (fenced by the decider's
 * lease in a cluster, as every write).
 *
 * <p>The webhook rows of an event are written with the event, in the same transaction, by
 * {@link ConversationStore#appendAll(String, java.util.List, java.util.List, java.util.List)}.
 */
public interface IntegrationStore {

    // ---- webhook endpoints -------------------------------------------------------------------

    /** The state of a webhook endpoint. */
    enum EndpointState {
        /** Gets rows and is delivered to. */
        ACTIVE,
        /** Gets rows, which wait until it is resumed (by the admin, or failing too long). */
        PAUSED,
        /** Gets no rows. */
        DISABLED;

        /** The stored and JSON form: {@code active}, {@code paused}, {@code disabled}. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The state of a stored or JSON name; empty when it names none. */
        public static Optional<EndpointState> of(String wire) {
            for (EndpointState s : values()) {
                if (s.wire().equals(wire)) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * A webhook endpoint: where a site's events of {@code eventTypes} are POSTed, signed with
     * {@code secret} (and with {@code previousSecret} too until {@code previousSecretUntil}).
     * Times are null until they apply. {@code version} goes up by one with every change.
     */
    record Endpoint(
            String id,
            String site,
            String url,
            String description,
            List<String> eventTypes,
            String secret,
            String previousSecret,
            Instant previousSecretUntil,
            int maxInFlight,
            EndpointState state,
            Instant pausedAt,
            String pausedReason,
            Instant failingSince,
            int consecutiveFailures,
            Instant lastSuccessAt,
            Instant createdAt,
            Instant updatedAt,
            long version) {
        public Endpoint {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(site, "site");
            Objects.requireNonNull(url, "url");
            eventTypes = List.copyOf(eventTypes);
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(updatedAt, "updatedAt");
        }

        /** A copy of this endpoint to change some fields of. */
        public EndpointChange change() {
            return new EndpointChange(this);
        }
    }

    /** Every endpoint, of {@code site} only when given, oldest first. */
    List<Endpoint> endpoints(Optional<String> site);

    /** One endpoint. */
    Optional<Endpoint> endpoint(String id);

    /** Stores a new endpoint; fails if its id exists. */
    CompletableFuture<Void> insertEndpoint(Endpoint endpoint);

    /**
     * An admin's change: writes what {@code changed} (whose {@code version} is {@code
     * expectedVersion + 1}) sets if the stored version is {@code expectedVersion}; completes with
     * whether it did. Written: url, description, event types, secrets, max in flight, state,
     * update time and version; {@code pausedAt} and {@code pausedReason} only when the state
     * changes. The failure counters ({@code failingSince}, {@code consecutiveFailures}, {@code
     * lastSuccessAt}) are the sender's, moved by its outcomes without a new version, and are kept
     * as stored, whatever {@code changed} holds: but an endpoint made active from another state
     * starts with none, as {@link #resumeEndpoint} does.
     */
    CompletableFuture<Boolean> updateEndpoint(Endpoint changed, long expectedVersion);

    /**
     * Deletes an endpoint; its deliveries not yet finished become {@link DeliveryState#CANCELLED}.
     * Completes with whether it existed.
     */
    CompletableFuture<Boolean> deleteEndpoint(String id);

    /**
     * Pauses an {@link EndpointState#ACTIVE} endpoint at {@code at} for {@code reason}; completes
     * with whether it was active (false: already paused, disabled or gone).
     */
    CompletableFuture<Boolean> pauseEndpoint(String id, String reason, Instant at);

    /**
     * {@link #pauseEndpoint(String, String, Instant)}, putting {@code mails} (the alerts of the
     * pause) in the mail outbox in the same transaction if, and only if, this call paused the
     * endpoint: each pause is told once, and its alerts survive any crash the pause survives. A
     * mail whose Message-ID is already in the outbox is not written again. The default pauses
     * and refuses any mail: it keeps no outbox.
     */
    default CompletableFuture<Boolean> pauseEndpoint(
            String id, String reason, Instant at, List<ConversationStore.OutboundMail> mails) {
        if (mails.isEmpty()) {
            return pauseEndpoint(id, reason, at);
        }
        return CompletableFuture.failedFuture(
                new StoreException("this store keeps no mail outbox: cannot enqueue " + mails.size() + " email(s)"));
    }

    /**
     * How many deliveries of an endpoint are not finished: {@link DeliveryState#PENDING} (due,
     * behind another of their lane, or waiting for a retry or a resume) or {@link
     * DeliveryState#SENDING}. The default counts through {@link #deliveries}.
     */
    default long waitingDeliveries(String endpointId) {
        return deliveries(endpointId, DeliveryState.PENDING, null, null, Integer.MAX_VALUE)
                        .size()
                + deliveries(endpointId, DeliveryState.SENDING, null, null, Integer.MAX_VALUE)
                        .size();
    }

    /**
     * Makes a paused endpoint active again with its failure counters reset; with {@code
     * redeliverExpiredSince}, its {@link DeliveryState#EXPIRED} deliveries created since then are
     * pending again (due at {@code at}, a new deadline at their next claim, the same event id).
     * Completes with whether the endpoint exists.
     */
    CompletableFuture<Boolean> resumeEndpoint(String id, Instant at, Optional<Instant> redeliverExpiredSince);

    // ---- the webhook outbox ------------------------------------------------------------------

    /**
     * A webhook event to deliver, made of the transcript event {@code seq} of a conversation and
     * stored with it: one {@code webhook_events} row with {@code body} (the exact bytes every
     * attempt sends) and one pending delivery per id of {@code endpointIds}. {@code eventId} is
     * the {@code webhook-id}; {@code sub} orders the types one transcript event makes (0, 1).
     */
    record OutboundWebhook(
            String eventId,
            String conversationId,
            long seq,
            int sub,
            String type,
            String site,
            Instant occurredAt,
            String body,
            List<String> endpointIds) {
        /** The longest body stored, in characters. */
        public static final int MAX_BODY = 64 * 1024;

        public OutboundWebhook {
            Objects.requireNonNull(eventId, "eventId");
            Objects.requireNonNull(conversationId, "conversationId");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(site, "site");
            Objects.requireNonNull(occurredAt, "occurredAt");
            Objects.requireNonNull(body, "body");
            if (body.length() > MAX_BODY) {
                throw new IllegalArgumentException("body: at most " + MAX_BODY + " characters");
            }
            endpointIds = List.copyOf(endpointIds);
            if (endpointIds.isEmpty()) {
                throw new IllegalArgumentException("endpointIds: at least one");
            }
        }
    }

    /** The state of one delivery (an event to one endpoint). */
    enum DeliveryState {
        PENDING,
        SENDING,
        DELIVERED,
        EXPIRED,
        CANCELLED;

        /** The stored and JSON form, lower case. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The state of a stored or JSON name; empty when it names none. */
        public static Optional<DeliveryState> of(String wire) {
            for (DeliveryState s : values()) {
                if (s.wire().equals(wire)) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * A delivery the sender may send now: the first unfinished delivery of its lane (endpoint,
     * conversation), of an active endpoint, {@link DeliveryState#PENDING} and due, or left {@link
     * DeliveryState#SENDING} by a sender that died. {@code deadlineAt} is null until its first
     * claim. {@code body} is the event's stored body.
     */
    record DueDelivery(
            String id,
            String endpointId,
            String eventId,
            String conversationId,
            long seq,
            int sub,
            String type,
            DeliveryState state,
            int attempts,
            Instant createdAt,
            Instant deadlineAt,
            String body) {}

    /**
     * At most {@code limit} deliveries due at {@code now}, the longest waiting first; never a
     * delivery behind an unfinished one of its lane.
     */
    default List<DueDelivery> dueDeliveries(Instant now, int limit) {
        return dueDeliveries(now, limit, Set.of());
    }

    /**
     * The deliveries due at {@code now} as {@link #dueDeliveries(Instant, int)} reads them, but none
     * of the endpoints in {@code skipped}: a sender skips the endpoints whose requests in flight
     * are at their limit, so that their backlog cannot fill the read and keep other endpoints'
     * deliveries waiting.
     */
    List<DueDelivery> dueDeliveries(Instant now, int limit, Set<String> skipped);

    /**
     * A claim: the delivery becomes {@link DeliveryState#SENDING} with attempt number {@code
     * attempt} (its attempts so far + 1), by {@code node} at {@code startedAt}; its deadline is set
     * to {@code deadlineAt} if it had none; an attempt row without an outcome is written.
     */
    record Claim(String deliveryId, int attempt, String node, Instant startedAt, Instant deadlineAt) {}

    /**
     * Claims deliveries in one transaction; completes with the ids it claimed (a delivery read as
     * due may have been cancelled or deleted since: it is left alone).
     */
    CompletableFuture<Set<String>> claimDeliveries(List<Claim> claims);

    /** What became of an attempt. */
    enum Result {
        /** A 2xx: never sent again. */
        DELIVERED,
        /** A failure: pending again, due at {@code nextAttemptAt}. */
        RETRY,
        /** A failure past the delivery's deadline: never sent again. */
        EXPIRED
    }

    /**
     * The outcome of attempt {@code attempt} of a claimed delivery: {@code status} the HTTP status
     * or null, {@code error} why it failed or null (clipped to {@link #MAX_ERROR}), {@code address}
     * the IP:port connected to or null, {@code response} the first {@link #MAX_RESPONSE}
     * characters of the answer's body or null.
     */
    record Outcome(
            String deliveryId,
            String endpointId,
            int attempt,
            Result result,
            Instant at,
            Instant nextAttemptAt,
            Integer status,
            String error,
            String address,
            long durationMillis,
            String response) {}

    /** The longest error text kept with an attempt. */
    int MAX_ERROR = 500;

    /** The longest part of a response body kept with an attempt. */
    int MAX_RESPONSE = 1024;

    /**
     * Records an outcome in one transaction: the delivery's state, the attempt row, and the
     * endpoint's counters (a 2xx resets {@code consecutiveFailures} and {@code failingSince} and
     * sets {@code lastSuccessAt}; a failure adds one and sets {@code failingSince} if unset).
     * Completes with the endpoint as it is after the write (empty if deleted meanwhile), from
     * which the sender decides whether to pause it.
     */
    CompletableFuture<Optional<Endpoint>> deliveryDone(Outcome outcome);

    /** A delivery as the log shows it. */
    record Delivery(
            String id,
            String endpointId,
            String eventId,
            String conversationId,
            long seq,
            String type,
            DeliveryState state,
            int attempts,
            Instant createdAt,
            Instant nextAttemptAt,
            Instant deadlineAt,
            Instant deliveredAt,
            Integer lastStatus,
            String lastError,
            String body) {}

    /** One attempt of a delivery; the outcome's fields are null while it has none. */
    record Attempt(
            String deliveryId,
            int attempt,
            String node,
            Instant startedAt,
            Long durationMillis,
            String address,
            Integer status,
            String error,
            String response) {}

    /** A position in a list sorted by time then id (newest first, or oldest first): the last item of a page. */
    record Cursor(Instant at, String id) {}

    /**
     * The deliveries of an endpoint, newest first, in {@code state} and of {@code conversationId}
     * when given (null: any), after {@code after} when given, at most {@code limit}.
     */
    List<Delivery> deliveries(String endpointId, DeliveryState state, String conversationId, Cursor after, int limit);

    /** One delivery, with its body. */
    Optional<Delivery> delivery(String id);

    /** The attempts of a delivery, first first. */
    List<Attempt> attempts(String deliveryId);

    /**
     * Puts a finished or failing delivery back to pending, due at {@code now}, with a new deadline
     * at its next claim and the same event id; completes with whether it did (false: unknown, or
     * in flight, whose answer is still to come).
     */
    CompletableFuture<Boolean> redeliver(String deliveryId, Instant now);

    /**
     * Cancels a {@link DeliveryState#PENDING} delivery (its lane goes on); completes with whether
     * it was pending.
     */
    CompletableFuture<Boolean> cancelDelivery(String deliveryId, Instant now);

    /**
     * Makes due at {@code now} every parked delivery that no unfinished delivery precedes in its
     * lane: one whose predecessor was finished by a write that ran beside the one that parked it
     * (on PostgreSQL, a cancel committed by another node while the decider appended). Reads first
     * and writes only when there is one; completes with how many it made due.
     */
    CompletableFuture<Integer> unparkLaneHeads(Instant now);

    // ---- REST API keys -----------------------------------------------------------------------

    /**
     * A REST API key as stored: never its secret, only {@code secretSha256} (lower-case hex).
     * {@code kind} is {@code site} or {@code admin}; {@code site} is null for an admin key of every
     * site. A key posting messages has {@code actsAsAgent} or {@code integration}.
     */
    record ApiKeyRecord(
            String id,
            String kind,
            String site,
            List<String> scopes,
            String actsAsAgent,
            String integration,
            String name,
            String secretSha256,
            Instant createdAt,
            String createdBy,
            Instant expiresAt,
            Instant revokedAt,
            Instant lastUsedAt) {
        public ApiKeyRecord {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(kind, "kind");
            scopes = List.copyOf(scopes);
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(secretSha256, "secretSha256");
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(createdBy, "createdBy");
        }
    }

    /** One key by its public id. */
    Optional<ApiKeyRecord> apiKey(String id);

    /** Every key, revoked ones included, newest first. */
    List<ApiKeyRecord> apiKeys();

    /** Stores a new key; fails if its id exists. */
    CompletableFuture<Void> insertApiKey(ApiKeyRecord key);

    /** Revokes a key at {@code at}; completes with whether it existed and was not revoked. */
    CompletableFuture<Boolean> revokeApiKey(String id, Instant at);

    /** Records that a key was used at {@code at}. */
    CompletableFuture<Void> apiKeyUsed(String id, Instant at);

    // ---- conversations for the REST API ------------------------------------------------------

    /**
     * A filter over conversations; a null field filters nothing. {@code since} and {@code until}
     * bound the last activity ({@code updated_at}), inclusive and exclusive. {@code oldestFirst}
     * turns the list around: the oldest activity first (then id, ascending), {@code after} then
     * being a position in that order.
     */
    record ConversationQuery(
            String site,
            ConversationState state,
            String department,
            String agentId,
            Instant since,
            Instant until,
            Cursor after,
            int limit,
            boolean oldestFirst) {}

    /** A conversation in a list, with the time of its last activity. */
    record ListedConversation(ConversationRecord record, Instant updatedAt) {}

    /**
     * Conversations matching {@code query}, the latest activity first (then id, descending), or
     * the oldest first when it asks so.
     */
    List<ListedConversation> conversations(ConversationQuery query);
}
