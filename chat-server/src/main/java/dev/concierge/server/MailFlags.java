package dev.concierge.server;

import dev.concierge.server.mail.DevMailbox;
import dev.concierge.server.mail.ImapSettings;
import dev.concierge.server.mail.MailSettings;
import dev.concierge.server.routing.MailPolicyConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The email flags of {@code serve} (docs/email.md): {@code --smtp}, {@code --mail-from}, the
 * mail policy's delays and limits, {@code --imap} and its companions, and the development
 * mailbox's switches. Collected while the command line is read, then checked together and
 * handed to the builder by {@link #configure}.
 */
final class MailFlags {
    private Optional<String> smtp = Optional.empty();
    private Optional<String> mailFrom = Optional.empty();
    private MailPolicyConfig policy = MailPolicyConfig.DEFAULTS;
    private boolean policyGiven;
    private Optional<Boolean> devMailboxFlag = Optional.empty();
    private Optional<String> imap = Optional.empty();
    private Optional<Duration> imapPoll = Optional.empty();
    private Optional<String> replyDomain = Optional.empty();

    /** Takes {@code flag} if it is one of the switches (no value); whether it was. */
    boolean takeSwitch(String flag) {
        if (flag.equals("--no-dev-mailbox") || flag.equals("--dev-mailbox")) {
            devMailboxFlag = Optional.of(flag.equals("--dev-mailbox"));
            return true;
        }
        return false;
    }

    /** Takes {@code flag} with its {@code value} if it is an email flag; whether it was. */
    boolean take(String flag, String value) {
        switch (flag) {
            case "--smtp" -> smtp = Optional.of(value);
            case "--mail-from" -> mailFrom = Optional.of(value);
            // When mail is sent and how much (docs/email.md): seconds, and counts.
            case "--mail-reply-delay" -> {
                policy = policy.withReplyDelay(Duration.ofSeconds(ServeOptions.number(flag, value, 0)));
                policyGiven = true;
            }
            case "--mail-alert-after" -> {
                int seconds = ServeOptions.number(flag, value, 1);
                policy = new MailPolicyConfig(
                        policy.transcriptsPerVisitor(),
                        policy.mailsPerAddress(),
                        policy.mailsPerSite(),
                        policy.replyDelay(),
                        Duration.ofSeconds(seconds));
                policyGiven = true;
            }
            case "--mail-transcripts-per-visitor" -> {
                int n = ServeOptions.number(flag, value, 0);
                policy = new MailPolicyConfig(
                        n, policy.mailsPerAddress(), policy.mailsPerSite(), policy.replyDelay(), policy.alertAfter());
                policyGiven = true;
            }
            case "--mail-per-address" -> {
                int n = ServeOptions.number(flag, value, 0);
                policy = new MailPolicyConfig(
                        policy.transcriptsPerVisitor(),
                        n,
                        policy.mailsPerSite(),
                        policy.replyDelay(),
                        policy.alertAfter());
                policyGiven = true;
            }
            case "--mail-per-site" -> {
                int n = ServeOptions.number(flag, value, 0);
                policy = new MailPolicyConfig(
                        policy.transcriptsPerVisitor(),
                        policy.mailsPerAddress(),
                        n,
                        policy.replyDelay(),
                        policy.alertAfter());
                policyGiven = true;
            }
            case "--imap" -> imap = Optional.of(value);
            case "--imap-poll" -> imapPoll = Optional.of(Duration.ofSeconds(ServeOptions.number(flag, value, 1)));
            case "--mail-reply-domain" -> replyDomain = Optional.of(value);
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks the flags together and tells the builder through {@code set}: real mail with
     * {@code --smtp}, else the development mailbox when asked for or, by default, when {@code
     * demo} (the zero-configuration demo); replies read with {@code --imap}. Credentials and the
     * reply-token key come from {@code environment}. Returns whether the development mailbox is on.
     */
    boolean configure(
            Function<String, String> environment,
            boolean demo,
            boolean cluster,
            BiConsumer<String, Consumer<ChatServer.Builder>> set,
            List<String> notices) {
        boolean devMailbox = false;
        if (policyGiven) {
            MailPolicyConfig chosen = policy;
            set.accept("--mail-reply-delay", b -> b.mailPolicy(chosen));
        }
        if (smtp.isPresent() != mailFrom.isPresent()) {
            throw new ServeOptions.UsageException("--smtp and --mail-from go together: the server's mail needs both");
        }
        if (smtp.isPresent()) {
            MailSettings mail;
            try {
                mail = new MailSettings(
                        URI.create(smtp.get()),
                        Optional.ofNullable(environment.apply(ServeOptions.SMTP_USER_ENV))
                                .filter(s -> !s.isBlank()),
                        Optional.ofNullable(environment.apply(ServeOptions.SMTP_PASSWORD_ENV)),
                        mailFrom.get());
            } catch (IllegalArgumentException e) {
                throw new ServeOptions.UsageException("--smtp/--mail-from: " + e.getMessage());
            }
            set.accept("--smtp", b -> b.mail(mail));
            notices.add("Email follow-up on, sent through "
                    + mail.smtp().getScheme() + "://" + mail.smtp().getHost() + ":"
                    + mail.smtp().getPort() + " (docs/email.md)");
        } else if (devMailboxFlag.orElse(demo)) {
            // No mail server: the mails are kept for the development mailbox page, so the demo shows
            // what it would send. On by default only for the demo itself (the demo agents, bound to
            // loopback, no proxy in front); a server with a team file asks for it with --dev-mailbox.
            if (cluster) {
                throw new ServeOptions.UsageException(
                        "--dev-mailbox: a cluster's nodes would each keep their own mails; "
                                + "give --smtp and --mail-from");
            }
            devMailbox = true;
            MailSettings dev = MailSettings.devMailbox(DevMailbox.DEMO_FROM);
            set.accept("development mailbox", b -> b.mail(dev));
        }
        if ((imapPoll.isPresent() || replyDomain.isPresent()) && imap.isEmpty()) {
            throw new ServeOptions.UsageException("--imap-poll and --mail-reply-domain go with --imap");
        }
        if (imap.isPresent()) {
            if (smtp.isEmpty()) {
                throw new ServeOptions.UsageException(
                        "--imap reads replies to the server's mail: give --smtp and --mail-from too");
            }
            String secret = environment.apply(ServeOptions.REPLY_SECRET_ENV);
            if (secret == null || secret.isBlank()) {
                throw new ServeOptions.UsageException("--imap needs the reply-token key in "
                        + ServeOptions.REPLY_SECRET_ENV + " (at least 32 characters; environment only)");
            }
            ImapSettings replies;
            try {
                String from = mailFrom.get();
                String smtpUri = smtp.get();
                replies = new ImapSettings(
                        URI.create(imap.get()),
                        Optional.ofNullable(environment.apply(ServeOptions.IMAP_USER_ENV))
                                .filter(s -> !s.isBlank()),
                        Optional.ofNullable(environment.apply(ServeOptions.IMAP_PASSWORD_ENV)),
                        imapPoll.orElse(ImapSettings.DEFAULT_POLL),
                        secret,
                        Optional.ofNullable(environment.apply(ServeOptions.REPLY_SECRET_PREVIOUS_ENV))
                                .filter(s -> !s.isBlank()),
                        replyDomain.orElseGet(
                                () -> new MailSettings(URI.create(smtpUri), Optional.empty(), Optional.empty(), from)
                                        .messageIdDomain()));
            } catch (IllegalArgumentException e) {
                throw new ServeOptions.UsageException("--imap: " + e.getMessage());
            }
            set.accept("--imap", b -> b.replies(replies));
            notices.add("Replies by email are read from " + replies.imap().getScheme() + "://"
                    + replies.imap().getHost() + ":" + replies.imap().getPort() + "/" + replies.folder()
                    + " (docs/email.md)");
        }
        return devMailbox;
    }
}
