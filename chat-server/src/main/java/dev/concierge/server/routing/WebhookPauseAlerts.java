package dev.concierge.server.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.Site;
import dev.concierge.server.webhook.PauseAlerts;
import dev.concierge.server.webhook.WebhookSender;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.IntegrationStore.Endpoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The email alerts of the webhook endpoints the sender pauses (docs/email.md, "When mail is
 * sent"): one {@value #KIND} mail to each agent whose {@code emailAlerts} has it (admins only),
 * in the language of the endpoint's site, counted against the mail limits like every automatic
 * mail, on the router thread that counts them. One over a limit is not written and is logged:
 * there is no conversation to note it in. None while the server sends no email.
 *
 * <p>The payload holds what the mail tells, as it was at the pause: the endpoint's id, URL
 * without its query, description, the reason, the time and the deliveries waiting. The row's
 * conversation is {@code webhook:} and the endpoint's id, so that the alerts of one endpoint form
 * one thread in a mail client; its seq is the endpoint's version as read before the pause, which
 * grows with every pause and so makes each pause's Message-IDs its own. An alert counts against
 * the limits when it is made, before the pause is written: if the endpoint stopped being active
 * meanwhile (an admin paused or disabled it), the alert is counted but not written, the safe side.
 */
public final class WebhookPauseAlerts implements PauseAlerts {
    private static final Logger log = LoggerFactory.getLogger(WebhookPauseAlerts.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The kind of the alert's outbox rows, and the name of the alert in {@code emailAlerts}. */
    static final String KIND = AgentAccount.WEBHOOK_PAUSED;

    private final Router router;

    /** The alerts of {@code router}'s mail policy, when it has one. */
    public WebhookPauseAlerts(Router router) {
        this.router = Objects.requireNonNull(router, "router");
    }

    @Override
    public List<OutboundMail> mails(Endpoint endpoint, String reason, Instant at, long waiting) {
        return router.call(() -> router.outbound
                .mail()
                .map(policy -> policy.webhookPaused(this, endpoint, reason, at, waiting))
                .orElse(List.of()));
    }

    @Override
    public void enqueued(List<OutboundMail> mails) {
        router.outbound.wakeMailSender();
    }

    /**
     * The alerts to each of {@code agents} (who asked for them), within {@code limits}, their
     * Message-IDs ending in {@code @messageIdDomain}. Router thread.
     */
    List<OutboundMail> mails(
            List<AgentAccount> agents,
            MailLimits limits,
            String messageIdDomain,
            Endpoint endpoint,
            String reason,
            Instant at,
            long waiting) {
        String site = endpoint.site();
        ObjectNode payload = JSON.createObjectNode()
                .put("language", router.site(site).flatMap(Site::language).orElse("en"))
                .put("endpointId", endpoint.id())
                .put("url", WebhookSender.withoutQuery(endpoint.url()))
                .put("reason", reason)
                .put("pausedAt", at.toString())
                .put("waiting", waiting);
        Optional.ofNullable(endpoint.description())
                .filter(d -> !d.isBlank())
                .ifPresent(d -> payload.put("description", d));
        long seq = Math.max(1, endpoint.version());
        List<OutboundMail> out = new ArrayList<>();
        int n = 0;
        for (AgentAccount agent : agents) {
            String to = agent.email().orElseThrow();
            Optional<MailLimits.Refusal> refusal = limits.check(Optional.empty(), to, site, at);
            if (refusal.isPresent()) {
                log.warn(
                        "the alert of webhook endpoint {}'s pause to {} is not sent: over {}",
                        endpoint.id(),
                        MailPolicy.masked(to),
                        refusal.get().reason());
                continue;
            }
            try {
                out.add(new OutboundMail(
                        "webhook." + endpoint.id() + "." + seq + "." + KIND + "." + n++ + "@" + messageIdDomain,
                        "webhook:" + endpoint.id(),
                        seq,
                        KIND,
                        site,
                        to,
                        payload.deepCopy().put("agentName", agent.name()).toString(),
                        at));
                limits.count(Optional.empty(), to, site, at);
            } catch (IllegalArgumentException e) {
                log.info("no alert of webhook endpoint {}'s pause: {}", endpoint.id(), e.getMessage());
            }
        }
        return out;
    }
}
