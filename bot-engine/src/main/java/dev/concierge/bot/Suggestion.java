package dev.concierge.bot;

import java.util.Objects;

/**
 * A "did you mean" candidate: an entry the bot considered, shown by its first question.
 *
 * @param entryId    the id of the FAQ entry; pass it to {@link FaqBot#answerEntry(String)} when the
 *                   visitor picks it
 * @param question   the entry's first question, as written in the knowledge base
 * @param confidence the bot's confidence in this entry, in [0, 1]
 */
public record Suggestion(String entryId, String question, double confidence) {
    /**
     * Checks that the id and question are present.
     *
     * @param entryId see the record component
     * @param question see the record component
     * @param confidence see the record component
     */
    public Suggestion {
        Objects.requireNonNull(entryId, "entryId");
        Objects.requireNonNull(question, "question");
    }
}
