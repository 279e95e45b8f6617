package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.auth.AgentAccount;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.InMemoryConversationStore;
import dev.concierge.store.IntegrationStore.Endpoint;
import dev.concierge.store.IntegrationStore.EndpointState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The alerts of a webhook endpoint the sender pauses, decided on the router: to the agents who
 * asked for {@code webhook_paused} only, with what the mail tells in the payload, counted against
 * the mail limits like every automatic mail; none while the server sends no email.
 */
final class WebhookPauseAlertsTest extends RouterFixture {
    private final InMemoryConversationStore store = new InMemoryConversationStore(clock);

    static Endpoint endpoint(long version) {
        Instant t = Instant.parse("2026-12-03T09:00:00Z");
        return new Endpoint(
                "whe_1",
                "demo",
                "https://crm.example/hooks?token=s3cret#x",
                "CRM",
                List.of("message.created"),
                "whsec_c2VjcmV0",
                null,
                null,
                8,
                EndpointState.ACTIVE,
                null,
                null,
                t,
                12,
                null,
                t,
                t,
                version);
    }

    static AgentAccount admin(String id, List<String> alerts) {
        return AgentAccount.withPassword(id, "Admin " + id, id, "pw", 1000)
                .withRoles(List.of(AgentAccount.ADMIN))
                .withEmailAlerts(id + "@team.example", alerts);
    }

    @Test
    void theAdminsWhoAsked_getOneAlertEach_withinTheMailLimits() {
        router(config("least-busy", 5), store);
        AtomicInteger wakes = new AtomicInteger();
        MailPolicyConfig twoPerAddress = new MailPolicyConfig(3, 2, 500, Duration.ofMinutes(2), Duration.ofMinutes(5));
        router.sendMail(
                "northwind.example",
                wakes::incrementAndGet,
                twoPerAddress,
                () -> List.of(
                        admin("ana", List.of("webhook_paused")),
                        admin("bo", List.of("follow_up")),
                        admin("cy", List.of("follow_up", "webhook_paused"))));
        WebhookPauseAlerts alerts = new WebhookPauseAlerts(router);
        Instant at = clock.instant();

        List<OutboundMail> first = alerts.mails(endpoint(3), "receiver answered 410 Gone", at, 7);

        assertThat(first).extracting(OutboundMail::recipient).containsExactly("ana@team.example", "cy@team.example");
        assertThat(first).allSatisfy(m -> {
            assertThat(m.kind()).isEqualTo("webhook_paused");
            assertThat(m.conversationId()).isEqualTo("webhook:whe_1");
            assertThat(m.seq()).isEqualTo(3);
            assertThat(m.site()).isEqualTo("demo");
            assertThat(m.createdAt()).isEqualTo(at);
            assertThat(m.messageId())
                    .startsWith("webhook.whe_1.3.webhook_paused.")
                    .endsWith("@northwind.example");
            assertThat(m.payload())
                    .contains(
                            "\"language\":\"en\"",
                            "\"endpointId\":\"whe_1\"",
                            "\"url\":\"https://crm.example/hooks\"",
                            "\"description\":\"CRM\"",
                            "\"reason\":\"receiver answered 410 Gone\"",
                            "\"pausedAt\":\"" + at + "\"",
                            "\"waiting\":7")
                    .doesNotContain("s3cret");
        });
        assertThat(first.get(0).messageId()).isNotEqualTo(first.get(1).messageId());
        assertThat(first.get(0).payload()).contains("\"agentName\":\"Admin ana\"");

        // Two mails per address in 24 hours: the second pause is told, the third is not.
        assertThat(alerts.mails(endpoint(5), "again", at.plusSeconds(60), 7)).hasSize(2);
        assertThat(alerts.mails(endpoint(7), "and again", at.plusSeconds(120), 7))
                .isEmpty();
        clock.advance(Duration.ofHours(24));
        assertThat(alerts.mails(endpoint(9), "a day later", clock.instant(), 0)).hasSize(2);

        alerts.enqueued(first);
        assertThat(wakes).hasValue(1);
    }

    @Test
    void withoutEmail_aPauseHasNoAlerts() {
        router(config("least-busy", 5), store);
        assertThat(new WebhookPauseAlerts(router).mails(endpoint(3), "receiver answered 410 Gone", clock.instant(), 1))
                .isEmpty();
    }
}
