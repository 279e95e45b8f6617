package dev.concierge.server.transport;

import dev.concierge.bot.Embedder;

/**
 * How the server's FAQ bot matches and when it answers (docs/faq.md).
 *
 * @param embedder        the sentence-embedding model fused with the lexical matching, or null
 *                        for lexical matching only
 * @param targetPrecision the share of its answers the bot's calibrated threshold aims to get
 *                        right, out-of-scope questions counted as a fifth of what it is asked:
 *                        higher answers less often, and declines more questions the knowledge
 *                        base does not cover
 */
public record BotConfig(Embedder embedder, double targetPrecision) {

    /** Lexical matching, 90% of answers right. */
    public static final BotConfig DEFAULTS = new BotConfig(null, 0.9);

    /**
     * @throws IllegalArgumentException if {@code targetPrecision} is not between 0 and 1
     */
    public BotConfig {
        if (!(targetPrecision > 0 && targetPrecision < 1)) {
            throw new IllegalArgumentException("the bot's precision must be between 0 and 1, was " + targetPrecision);
        }
    }

    /** The same with another embedder. */
    public BotConfig withEmbedder(Embedder e) {
        return new BotConfig(e, targetPrecision);
    }

    /** The same with another target precision. */
    public BotConfig withTargetPrecision(double p) {
        return new BotConfig(embedder, p);
    }
}
