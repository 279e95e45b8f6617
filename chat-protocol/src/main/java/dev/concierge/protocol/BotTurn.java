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
    /**
     * Copies {@code suggestions}.
     *
     * @param answered whether the bot answered from an FAQ entry
     * @param entryId the answering entry's id; null when it did not answer
     * @param confidence how sure the bot was, from 0 to 1
     * @param suggestions other entries it suggests (none when null)
     * @param humanOffered whether the bot offered a person
     * @param entryQuestion the answering entry's question when it answered; may be null
     */
    public BotTurn {
        suggestions = suggestions == null ? List.of() : List.copyOf(suggestions);
    }

    /**
     * A bot turn without the entry's question.
     *
     * @param answered whether the bot answered from an FAQ entry
     * @param entryId the answering entry's id; null when it did not answer
     * @param confidence how sure the bot was, from 0 to 1
     * @param suggestions other entries it suggests (none when null)
     * @param humanOffered whether the bot offered a person
     */
    public BotTurn(
            boolean answered, String entryId, double confidence, List<Suggestion> suggestions, boolean humanOffered) {
        this(answered, entryId, confidence, suggestions, humanOffered, null);
    }
}
