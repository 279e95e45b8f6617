package dev.concierge.server.routing;

import java.time.Duration;

/**
 * How long conversations and visitor data stay (docs/storage.md, "Retention and erasure").
 *
 * @param botIdleClose a conversation with the bot with no event for this long closes itself
 *                     (reason {@code inactive})
 * @param queuedVisitorGoneAfter a queued conversation whose visitor has had no socket open for this
 *                               long becomes a follow-up when the visitor can be reached (an email
 *                               address or a verified identity), else closes (reason
 *                               {@code visitor_left})
 * @param retainClosed closed conversations last changed longer ago than this are purged with
 *                     their events and, once they have none left, their visitors; zero keeps them
 *                     forever
 * @param purgeInterval how often the purge runs
 */
public record RetentionConfig(
        Duration botIdleClose, Duration queuedVisitorGoneAfter, Duration retainClosed, Duration purgeInterval) {
    /** The defaults: 30 minutes, 15 minutes, 90 days, every hour. */
    public static final RetentionConfig DEFAULTS = new RetentionConfig(
            Duration.ofMinutes(30), Duration.ofMinutes(15), Duration.ofDays(90), Duration.ofHours(1));

    public RetentionConfig {
        positive(botIdleClose, "botIdleClose");
        positive(queuedVisitorGoneAfter, "queuedVisitorGoneAfter");
        if (retainClosed == null || retainClosed.isNegative()) {
            throw new IllegalArgumentException(
                    "retainClosed must be zero (keep forever) or positive, was " + retainClosed);
        }
        positive(purgeInterval, "purgeInterval");
    }

    /** Whether closed conversations are ever purged. */
    boolean purges() {
        return !retainClosed.isZero();
    }

    private static void positive(Duration d, String field) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + d);
        }
    }
}
