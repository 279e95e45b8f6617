package dev.concierge.server.transport;

import dev.concierge.server.attach.AttachmentSettings;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.AuthConfig;
import dev.concierge.server.auth.SecurityConfig;
import dev.concierge.server.auth.Site;
import dev.concierge.server.cluster.ClusterSettings;
import dev.concierge.server.mail.ImapSettings;
import dev.concierge.server.mail.MailSettings;
import dev.concierge.server.routing.MailPolicyConfig;
import dev.concierge.server.routing.RetentionConfig;
import dev.concierge.server.routing.RoutingConfig;
import dev.concierge.server.webhook.WebhookSettings;
import dev.concierge.store.ConversationStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The server's immutable configuration, built by {@link ChatServer.Builder}. {@code mail} is null
 * when the server sends no email; {@code mailPolicy} says when it writes mail and how much;
 * {@code imap} is null when it reads no replies by email; {@code webhooks} says how webhooks are
 * delivered; {@code attachments} holds the limits of attachments; {@code bot} says how the FAQ bot
 * matches and when it answers.
 */
public record ServerConfig(
        String host,
        int port,
        Path faq,
        Path dataDir,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        ConversationStore store,
        List<AgentAccount> agents,
        Clock clock,
        RoutingConfig routing,
        Path agentsFile,
        int maxFrameBytes,
        Duration agentSessionTtl,
        int botThreads,
        SecurityConfig security,
        Map<String, Site> sites,
        AuthConfig auth,
        RetentionConfig retention,
        ClusterSettings cluster,
        MailSettings mail,
        MailPolicyConfig mailPolicy,
        ImapSettings imap,
        WebhookSettings webhooks,
        AttachmentSettings attachments,
        BotConfig bot) {}
