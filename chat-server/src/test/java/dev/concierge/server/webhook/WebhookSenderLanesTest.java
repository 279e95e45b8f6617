package dev.concierge.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.FakeIntegrationStore;
import dev.concierge.server.testing.FakeIntegrationStore.Row;
import dev.concierge.server.testing.MutableClock;
import dev.concierge.server.webhook.ScriptedTransport.Call;
import dev.concierge.store.IntegrationStore.DeliveryState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * How the webhook sender shares its requests: one in flight per lane (endpoint, conversation), an
 * endpoint's {@code maxInFlight}, the total, claims in one write, and a failing lane that holds up
 * no other.
 */
class WebhookSenderLanesTest {
    final MutableClock clock = new MutableClock(FakeIntegrationStore.T0);
    final FakeIntegrationStore store = new FakeIntegrationStore(clock);
    final ScriptedTransport transport = new ScriptedTransport();

    WebhookSender sender(WebhookSettings settings) {
        return new WebhookSender(
                store,
                transport,
                settings,
                clock,
                () -> 0.5,
                "node-a",
                () -> true,
                WebhookSender.Listener.NONE,
                Duration.ofDays(1));
    }

    /** The requests in flight per lane, none of which may have two. */
    private void assertAtMostOnePerLane() {
        Map<String, Long> open = transport.open().stream()
                .collect(Collectors.groupingBy(c -> c.request().url() + " " + c.conversation(), Collectors.counting()));
        assertThat(open.values()).allMatch(n -> n == 1);
    }

    @Test
    void aLane_hasOneRequestInFlight_andSendsItsEventsInOrder() {
        store.endpoint("whe_a", "https://a.example/in", WebhookSenderTest.SECRET, 8);
        for (int seq = 1; seq <= 3; seq++) {
            store.enqueue("whe_a", "c_1", seq);
        }
        store.enqueue("whe_a", "c_2", 1);
        WebhookSender sender = sender(WebhookSettings.DEFAULTS);

        assertThat(sender.round()).isEqualTo(2);
        // c_1's first delivery is sending, and comes back as its lane's head: not sent twice.
        assertThat(sender.round()).isZero();
        assertThat(sender.round()).isZero();
        assertAtMostOnePerLane();
        assertThat(transport.calls).extracting(Call::conversation).containsExactly("c_1", "c_2");

        for (int seq = 2; seq <= 3; seq++) {
            transport.open().stream()
                    .filter(c -> c.conversation().equals("c_1"))
                    .findFirst()
                    .orElseThrow()
                    .answer(ScriptedTransport.status(200));
            assertThat(sender.round()).isEqualTo(1);
            assertAtMostOnePerLane();
        }
        assertThat(transport.calls.stream().filter(c -> c.conversation().equals("c_1")))
                .extracting(Call::seq)
                .containsExactly(1L, 2L, 3L);
    }

    @Test
    void anEndpointsMaxInFlight_andTheTotal_bound_theRequests() {
        store.endpoint("whe_a", "https://a.example/in", WebhookSenderTest.SECRET, 2);
        store.endpoint("whe_b", "https://b.example/in", WebhookSenderTest.SECRET, 8);
        for (int c = 1; c <= 5; c++) {
            store.enqueue("whe_a", "c_" + c, 1);
            store.enqueue("whe_b", "c_" + c, 1);
        }
        WebhookSender sender = sender(WebhookSettings.DEFAULTS.maxInFlight(6));

        assertThat(sender.round()).isEqualTo(6);
        assertThat(sender.round()).isZero();
        Map<String, Long> perHost = transport.open().stream()
                .collect(Collectors.groupingBy(c -> c.request().url().getHost(), Collectors.counting()));
        assertThat(perHost).isEqualTo(Map.of("a.example", 2L, "b.example", 4L));
        assertThat(store.claimCalls).as("one claim write for the round").hasSize(1);
        assertThat(store.claimCalls.get(0)).hasSize(6);

        // An answer frees one slot of its endpoint: endpoint a takes its next lane.
        transport.open().stream()
                .filter(c -> c.request().url().getHost().equals("a.example"))
                .findFirst()
                .orElseThrow()
                .answer(ScriptedTransport.status(200));
        assertThat(sender.round()).isEqualTo(1);
        assertThat(transport.last().request().url().getHost()).isEqualTo("a.example");
        assertThat(transport.open()).hasSize(6);
    }

    @Test
    void aFailingLane_holdsUpNoneOfFiftyOthers() {
        store.endpoint("whe_a", "https://a.example/in", WebhookSenderTest.SECRET, 8);
        Row poison = store.enqueue("whe_a", "c_poison", 1);
        store.enqueue("whe_a", "c_poison", 2);
        for (int c = 1; c <= 50; c++) {
            store.enqueue("whe_a", "c_" + c, 1);
            store.enqueue("whe_a", "c_" + c, 2);
        }
        transport.script = r -> Optional.of(ScriptedTransport.status(
                r.headers().get("concierge-conversation").equals("c_poison") ? 500 : 200));
        WebhookSender sender = sender(WebhookSettings.DEFAULTS.backoff(List.of(Duration.ofMinutes(10))));

        int rounds = 0;
        while (store.rows.stream()
                .anyMatch(r -> !r.conversationId.equals("c_poison") && r.state != DeliveryState.DELIVERED)) {
            sender.round();
            assertThat(++rounds).as("rounds, the clock standing still").isLessThan(40);
        }
        assertThat(store.rows.stream().filter(r -> r.state == DeliveryState.DELIVERED))
                .hasSize(100);
        assertThat(poison.attempts).isEqualTo(1);
        assertThat(poison.state).isEqualTo(DeliveryState.PENDING);
        assertThat(transport.calls.stream().filter(c -> c.conversation().equals("c_poison")))
                .extracting(Call::seq)
                .containsExactly(1L);
        // Per conversation, event 1 before event 2.
        Map<String, List<Long>> order = transport.calls.stream()
                .collect(Collectors.groupingBy(Call::conversation, Collectors.mapping(Call::seq, Collectors.toList())));
        order.forEach((c, seqs) -> {
            if (!c.equals("c_poison")) {
                assertThat(seqs).as(c).containsExactly(1L, 2L);
            }
        });
        assertThat(clock.instant()).isEqualTo(FakeIntegrationStore.T0);
    }

    @Test
    void aDeliveryCancelledBeforeItsClaim_isNotSent() {
        store.endpoint("whe_a", "https://a.example/in", WebhookSenderTest.SECRET, 8);
        Row cancelled = store.enqueue("whe_a", "c_1", 1);
        store.enqueue("whe_a", "c_2", 1);
        // An erasure between the read and the claim.
        store.beforeClaim = () -> cancelled.state = DeliveryState.CANCELLED;
        WebhookSender sender = sender(WebhookSettings.DEFAULTS);
        assertThat(sender.round()).isEqualTo(1);
        assertThat(transport.calls).extracting(Call::conversation).containsExactly("c_2");
    }

    @Test
    void anEndpointAtItsLimit_withAWideBacklog_holdsUpNoOtherEndpoint() {
        store.endpoint("whe_a", "https://a.example/in", WebhookSenderTest.SECRET, 1);
        store.endpoint("whe_b", "https://b.example/in", WebhookSenderTest.SECRET, 8);
        for (int c = 1; c <= 20; c++) {
            store.enqueue("whe_a", "c_a" + c, 1);
        }
        store.enqueue("whe_b", "c_b", 1); // due after every one of whe_a's
        // 4 requests in all: a read of due rows is bounded by the slots, far fewer than whe_a's 20.
        WebhookSender sender = sender(WebhookSettings.DEFAULTS.maxInFlight(4));

        assertThat(sender.round())
                .as("whe_a's one slot; its backlog filled the read")
                .isEqualTo(1);
        assertThat(sender.round())
                .as("whe_a is full: not read, so whe_b's row is")
                .isEqualTo(1);
        assertThat(sender.round()).isZero();
        assertThat(transport.calls).extracting(Call::conversation).containsExactly("c_a1", "c_b");
    }
}
