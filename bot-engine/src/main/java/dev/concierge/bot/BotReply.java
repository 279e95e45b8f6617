package dev.concierge.bot;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the bot says to one visitor message.
 *
 * @param kind        what sort of reply this is
 * @param text        the text to show the visitor (for {@link Kind#ANSWER} the entry's answer)
 * @param entryId     the FAQ entry used, for {@link Kind#ANSWER}; empty otherwise
 * @param confidence  the confidence in the best entry, in [0, 1] (1 for small talk and requests
 *                    for a human, which are recognised by rule)
 * @param suggestions for {@link Kind#NOT_SURE}, up to three "did you mean" entries, best first;
 *                    for {@link Kind#ANSWER}, the entry's follow-up suggestions; otherwise empty
 */
public record BotReply(
        Kind kind, String text, Optional<String> entryId, double confidence, List<Suggestion> suggestions) {

    /** The sorts of reply. */
    public enum Kind {
        /** A confident answer from one FAQ entry. */
        ANSWER,
        /** Not confident enough to answer: offers suggestions and a human. */
        NOT_SURE,
        /** A greeting, thanks or goodbye, answered with a canned reply. */
        SMALL_TALK,
        /** The visitor asked for a person; the conversation should be handed off. */
        HUMAN_REQUEST
    }

    /**
     * Checks the components and copies the suggestion list.
     *
     * @param kind see the record component
     * @param text see the record component
     * @param entryId see the record component
     * @param confidence see the record component
     * @param suggestions see the record component
     */
    public BotReply {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(entryId, "entryId");
        suggestions = List.copyOf(suggestions);
    }

    /**
     * Whether the bot answered from the knowledge base.
     *
     * @return true for {@link Kind#ANSWER}
     */
    public boolean answered() {
        return kind == Kind.ANSWER;
    }
}
