package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The bot's side of a bot turn: which FAQ entry, how sure, what else it suggests.
 * {@code entryQuestion} is the answering entry's question (its title) as it was when the bot
 * answered, so agents see what was answered without looking the id up; null for turns that
 * did not answer and for turns stored before it was recorded. {@code replyTo} is the {@code seq} of
 * the visitor's message this turn answers, so a client pairs a question with its answer by seq
 * rather than by arrival order; null for turns stored before it was recorded.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BotTurn(
        boolean answered,
        String entryId,
        double confidence,
        List<Suggestion> suggestions,
        boolean humanOffered,
        String entryQuestion,
        Long replyTo) {
    /**
     * Copies {@code suggestions}.
     *
     * @param answered whether the bot answered from an FAQ entry
     * @param entryId the answering entry's id; null when it did not answer
     * @param confidence how sure the bot was, from 0 to 1
     * @param suggestions other entries it suggests (none when null)
     * @param humanOffered whether the bot offered a person
     * @param entryQuestion the answering entry's question when it answered; may be null
     * @param replyTo the seq of the visitor's message this turn answers; null on turns stored before
     *     it was recorded
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
        this(answered, entryId, confidence, suggestions, humanOffered, null, null);
    }

    /**
     * A bot turn that answers no particular message.
     *
     * @param answered whether the bot answered from an FAQ entry
     * @param entryId the answering entry's id; null when it did not answer
     * @param confidence how sure the bot was, from 0 to 1
     * @param suggestions other entries it suggests (none when null)
     * @param humanOffered whether the bot offered a person
     * @param entryQuestion the answering entry's question when it answered; may be null
     */
    public BotTurn(
            boolean answered,
            String entryId,
            double confidence,
            List<Suggestion> suggestions,
            boolean humanOffered,
            String entryQuestion) {
        this(answered, entryId, confidence, suggestions, humanOffered, entryQuestion, null);
    }

    /**
     * This turn, answering the visitor's message with {@code seq}.
     *
     * @param seq the seq of the visitor's message
     * @return a copy of this turn with {@code replyTo} set
     */
    public BotTurn withReplyTo(long seq) {
        return new BotTurn(answered, entryId, confidence, suggestions, humanOffered, entryQuestion, seq);
    }
}
