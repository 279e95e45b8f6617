package dev.concierge.server.webhook;

import static dev.concierge.server.testing.FakeIntegrationStore.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.FakeIntegrationStore;
import dev.concierge.server.testing.MutableClock;
import dev.concierge.store.IntegrationStore.Endpoint;
import dev.concierge.store.IntegrationStore.EndpointState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * What the webhook sender's rounds keep in step besides sending, on the injected clock: the
 * router's subscriptions with the endpoints it reads, and the parked deliveries whose lane head
 * finished beside them.
 */
class WebhookSenderRefreshTest {
    final MutableClock clock = new MutableClock(T0);
    final FakeIntegrationStore store = new FakeIntegrationStore(clock);
    /** The router's reloads asked for, each completed by the test. */
    final List<CompletableFuture<Void>> reloads = new ArrayList<>();

    final WebhookSender sender = new WebhookSender(
                    store,
                    new ScriptedTransport(),
                    WebhookSettings.DEFAULTS,
                    clock,
                    () -> 0.5,
                    "node-a",
                    () -> true,
                    WebhookSender.Listener.NONE,
                    Duration.ofDays(1))
            .refreshingSubscriptions(() -> {
                CompletableFuture<Void> reload = new CompletableFuture<>();
                reloads.add(reload);
                return reload;
            });

    /** {@code id} as changed in the store, bypassing the API and its reload: a new url, the next version. */
    private void changeInTheStore(String id) {
        Endpoint e = store.endpoints.get(id);
        store.endpoints.put(
                id,
                e.change()
                        .settings(e.url() + "/v2", e.description(), e.eventTypes(), e.maxInFlight())
                        .state(EndpointState.DISABLED, null, null)
                        .at(clock.instant()));
    }

    @Test
    void anEndpointChangedWithoutAReload_isReloadedIntoTheRouterWithinTheRefresh_andAFailedReloadIsTriedAgain() {
        store.endpoint("whe_a", "https://a.example/in", WebhookSenderTest.SECRET, 8);
        sender.round();
        assertThat(reloads).hasSize(1); // nothing reloaded yet: the router's start is not trusted blindly
        reloads.get(0).complete(null);
        clock.advance(SubscriptionRefresh.EVERY);
        sender.round();
        assertThat(reloads).as("the endpoints are those of the last reload").hasSize(1);

        changeInTheStore("whe_a");
        sender.round();
        assertThat(reloads).as("a change is reloaded at the next round").hasSize(2);
        reloads.get(1).completeExceptionally(new IllegalStateException("the router's read failed"));
        sender.round();
        clock.advance(SubscriptionRefresh.EVERY.minusMillis(1));
        sender.round();
        assertThat(reloads).as("at most one reload per refresh period").hasSize(2);

        clock.advance(Duration.ofMillis(1));
        sender.round();
        assertThat(reloads).as("the failed reload is tried again").hasSize(3);
        reloads.get(2).complete(null);
        clock.advance(SubscriptionRefresh.EVERY);
        sender.round();
        assertThat(reloads).hasSize(3);

        store.endpoints.remove("whe_a"); // deleted
        clock.advance(SubscriptionRefresh.EVERY);
        sender.round();
        assertThat(reloads).hasSize(4);
    }

    @Test
    void parkedLaneHeads_areLookedForAtTheFirstRound_thenAtMostOnceAMinute() {
        store.endpoint("whe_a", "https://a.example/in", WebhookSenderTest.SECRET, 8);
        sender.round();
        sender.round();
        assertThat(store.unparks).containsExactly(T0);

        clock.advance(WebhookSender.UNPARK_EVERY.minusMillis(1));
        sender.round();
        assertThat(store.unparks).containsExactly(T0);
        clock.advance(Duration.ofMillis(1));
        sender.round();
        assertThat(store.unparks).containsExactly(T0, T0.plus(WebhookSender.UNPARK_EVERY));
    }
}
