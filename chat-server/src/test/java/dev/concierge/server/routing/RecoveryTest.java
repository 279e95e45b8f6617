package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Role;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.auth.Site;
import dev.concierge.server.webhook.WebhookTypes;
import dev.concierge.store.IntegrationStore.EndpointState;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a restart keeps of a conversation that is not in the other recovery tests. */
final class RecoveryTest extends WebhookFixture {
    @Test
    void siteSurvivesARestart_andItsEventsGoToItsSitesEndpoints_beforeTheVisitorIsBack() {
        sites = Map.of("demo", Site.demo(), "acme", Site.withDefaults("acme"));
        hooks.endpoints.add(endpoint("whe_acme", "acme", EndpointState.ACTIVE, WebhookTypes.ALL));
        hooks.endpoints.add(endpoint("whe_demo", "demo", EndpointState.ACTIVE, WebhookTypes.ALL));
        router(config("least-busy", 5), hooks.store);
        String c = askBot(visitorOf("acme"));
        assertThat(hooks.memory.conversation(c).orElseThrow().site()).isEqualTo("acme");
        router.close();

        // A restart; the visitor does not come back, and the idle conversation is closed.
        start();
        assertThat(conversation(c).site).isEqualTo("acme");
        clock.advance(Duration.ofMinutes(31));
        router.call(() -> {
            router.expiry.sweep();
            return null;
        });
        settleUntil(() -> hooks.rows(c).size() == 4);

        assertThat(hooks.types(c)).last().isEqualTo("conversation.closed@3.0");
        assertThat(hooks.rows(c))
                .allMatch(r -> r.site().equals("acme") && r.endpointIds().equals(java.util.List.of("whe_acme")));
        assertThat(hooks.memory.conversation(c).orElseThrow().site()).isEqualTo("acme");
    }

    @Test
    void aConversationStartedWithoutASite_belongsToTheOnlySiteConfigured() {
        sites = Map.of("acme", Site.withDefaults("acme"));
        router(config("least-busy", 5), hooks.store);
        Recorder v = visitorOf(null);
        router.request(v, Role.VISITOR, new ClientMessage.Send("s1", null, "Hello", null));
        settleUntil(() -> !v.all(ServerMessage.Ack.class).isEmpty());
        String c = v.last(ServerMessage.Ack.class).conversationId();
        assertThat(hooks.memory.conversation(c).orElseThrow().site()).isEqualTo("acme");
    }

    private void start() {
        router(config("least-busy", 5), hooks.store);
        router.call(() -> {
            Recovery.recover(router, id -> Optional.empty());
            return null;
        });
    }
}
