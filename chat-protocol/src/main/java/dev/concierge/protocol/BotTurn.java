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
    public BotTurn {
        suggestions = suggestions == null ? List.of() : List.copyOf(suggestions);
    }

    /** A bot turn without the entry's question. */
    public BotTurn(
            boolean answered, String entryId, double confidence, List<Suggestion> suggestions, boolean humanOffered) {
        this(answered, entryId, confidence, suggestions, humanOffered, null, null);
    }

    /** A bot turn that answers no particular message. */
    public BotTurn(
            boolean answered,
            String entryId,
            double confidence,
            List<Suggestion> suggestions,
            boolean humanOffered,
            String entryQuestion) {
        this(answered, entryId, confidence, suggestions, humanOffered, entryQuestion, null);
    }

    /** This turn, answering the visitor's message with {@code seq}. */
    public BotTurn withReplyTo(long seq) {
        return new BotTurn(answered, entryId, confidence, suggestions, humanOffered, entryQuestion, seq);
    }
}
