package dev.concierge.bot;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A question the bot did not answer, or answered with low confidence: one line of the
 * unanswered-questions report an FAQ owner reads to improve the knowledge base.
 *
 * @param at         when the question was asked (from the bot's clock)
 * @param question   the visitor's question, verbatim
 * @param confidence the confidence of the best candidate, in [0, 1]
 * @param candidates the best candidates, best first (possibly empty)
 */
public record Miss(Instant at, String question, double confidence, List<Suggestion> candidates) {
    /**
     * Checks the components and copies the candidate list.
     *
     * @param at see the record component
     * @param question see the record component
     * @param confidence see the record component
     * @param candidates see the record component
     */
    public Miss {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(question, "question");
        candidates = List.copyOf(candidates);
    }
}
