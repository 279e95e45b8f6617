package dev.concierge.store;

import dev.concierge.store.IntegrationStore.Endpoint;
import dev.concierge.store.IntegrationStore.EndpointState;
import java.time.Instant;
import java.util.List;

/**
 * A copy of a webhook endpoint with some of its fields changed ({@link Endpoint#change()}): each
 * method replaces one group of fields; {@link #at} makes the endpoint's next version, {@link
 * #sameVersion} one that keeps the version (the sender's counters, which make none).
 */
public final class EndpointChange {
    private final Endpoint from;
    private String url;
    private String description;
    private List<String> eventTypes;
    private int maxInFlight;
    private String secret;
    private String previousSecret;
    private Instant previousSecretUntil;
    private EndpointState state;
    private Instant pausedAt;
    private String pausedReason;
    private Instant failingSince;
    private int consecutiveFailures;
    private Instant lastSuccessAt;

    EndpointChange(Endpoint from) {
        this.from = from;
        settings(from.url(), from.description(), from.eventTypes(), from.maxInFlight());
        secrets(from.secret(), from.previousSecret(), from.previousSecretUntil());
        state(from.state(), from.pausedAt(), from.pausedReason());
        counters(from.failingSince(), from.consecutiveFailures(), from.lastSuccessAt());
    }

    /** What an admin sets: where, what for, which events, how many requests at once. */
    public EndpointChange settings(String url, String description, List<String> eventTypes, int maxInFlight) {
        this.url = url;
        this.description = description;
        this.eventTypes = eventTypes;
        this.maxInFlight = maxInFlight;
        return this;
    }

    /** The signing secret, and the one it replaces with the end of its overlap. */
    public EndpointChange secrets(String secret, String previousSecret, Instant previousSecretUntil) {
        this.secret = secret;
        this.previousSecret = previousSecret;
        this.previousSecretUntil = previousSecretUntil;
        return this;
    }

    /** The state, with when and why it was paused (null unless paused). */
    public EndpointChange state(EndpointState state, Instant pausedAt, String pausedReason) {
        this.state = state;
        this.pausedAt = pausedAt;
        this.pausedReason = pausedReason;
        return this;
    }

    /** The sender's failure counters. */
    public EndpointChange counters(Instant failingSince, int consecutiveFailures, Instant lastSuccessAt) {
        this.failingSince = failingSince;
        this.consecutiveFailures = consecutiveFailures;
        this.lastSuccessAt = lastSuccessAt;
        return this;
    }

    /** The endpoint as changed at {@code updatedAt}: its next version. */
    public Endpoint at(Instant updatedAt) {
        return build(updatedAt, from.version() + 1);
    }

    /** The endpoint as changed, with the same update time and version. */
    public Endpoint sameVersion() {
        return build(from.updatedAt(), from.version());
    }

    private Endpoint build(Instant updatedAt, long version) {
        return new Endpoint(
                from.id(),
                from.site(),
                url,
                description,
                eventTypes,
                secret,
                previousSecret,
                previousSecretUntil,
                maxInFlight,
                state,
                pausedAt,
                pausedReason,
                failingSince,
                consecutiveFailures,
                lastSuccessAt,
                from.createdAt(),
                updatedAt,
                version);
    }
}
