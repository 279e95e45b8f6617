package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The bot's side of a bot turn: which FAQ entry, how sure, what else it suggests.
 * {@code entryQuestion} is the answering entry's question (its title) as it was when the bot
 * answered, so agents see what was answered without looking the id up; null for turns that
 * did not answer and for turns stored before it was recorded.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BotTurn(
        boolean answered,
        String entryId,
        double confidence,
        List<Suggestion> suggestions,
        boolean humanOffered,
        String entryQuestion) {
    public BotTurn {
        suggestions = suggestions == null ? List.of() : List.copyOf(suggestions);
    }

    /** A bot turn without the entry's question. */
    public BotTurn(
            boolean answered, String entryId, double confidence, List<Suggestion> suggestions, boolean humanOffered) {
        this(answered, entryId, confidence, suggestions, humanOffered, null);
    }
}
