package dev.concierge.server.routing;

import java.time.Duration;

/**
 * When the router writes mail to the outbox and how much (docs/email.md, "When mail is sent" and
 * "Limits"). The constructor rejects a bad value naming the field.
 *
 * @param transcriptsPerVisitor transcripts a visitor may ask for per hour ({@code transcript_email});
 *                              0 turns transcripts off
 * @param mailsPerAddress mails of any kind to one recipient address per 24 hours; over it an
 *                        automatic mail is skipped (a note tells the agents) and a visitor's
 *                        request is refused
 * @param mailsPerSite mails of any kind for one site per hour
 * @param replyDelay how long an agent's message to a visitor who is not connected waits before it
 *                   is mailed; read in the chat by then, it is not mailed
 * @param alertAfter how long a queued visitor waits before the agents who asked for it get a
 *                   {@code long_wait} alert by email
 */
public record MailPolicyConfig(
        int transcriptsPerVisitor, int mailsPerAddress, int mailsPerSite, Duration replyDelay, Duration alertAfter) {
    /** The defaults: 3 transcripts per visitor per hour, 10 mails per address per day, 500 per site per hour, 2 and 5 minutes. */
    public static final MailPolicyConfig DEFAULTS =
            new MailPolicyConfig(3, 10, 500, Duration.ofMinutes(2), Duration.ofMinutes(5));

    /** Checks every field. */
    public MailPolicyConfig {
        notNegative(transcriptsPerVisitor, "transcriptsPerVisitor");
        notNegative(mailsPerAddress, "mailsPerAddress");
        notNegative(mailsPerSite, "mailsPerSite");
        if (replyDelay == null || replyDelay.isNegative()) {
            throw new IllegalArgumentException("replyDelay must be zero or positive, was " + replyDelay);
        }
        if (alertAfter == null || alertAfter.isNegative() || alertAfter.isZero()) {
            throw new IllegalArgumentException("alertAfter must be positive, was " + alertAfter);
        }
    }

    /** This configuration with another {@link #replyDelay}. */
    public MailPolicyConfig withReplyDelay(Duration replyDelay) {
        return new MailPolicyConfig(transcriptsPerVisitor, mailsPerAddress, mailsPerSite, replyDelay, alertAfter);
    }

    private static void notNegative(int value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be zero or more, was " + value);
        }
    }
}
