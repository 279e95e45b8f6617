package dev.concierge.bot;

import java.util.List;
import java.util.Optional;

/**
 * One entry of the knowledge base: several phrasings of one question and its prewritten answer.
 * Lists are copied and a {@code null} list reads as empty; validation (non-blank id, at least
 * one question, an answer) happens when a bot is built, so that errors can name the file.
 *
 * @param id        unique id, e.g. {@code order-status}
 * @param questions phrasings of the question, the first one is shown in suggestions
 * @param keywords  words or short terms that point strongly at this entry (e.g. {@code track})
 * @param phrases   multi-word phrases that, when present in a question, point very strongly at
 *                  this entry (e.g. {@code order status})
 * @param answer    the answer text, may contain links
 * @param tags      tags, by convention the department ({@code orders}, {@code billing}, ...)
 * @param language  ISO 639-1 code; {@code null} means the knowledge base's language
 * @param followUps ids of entries to suggest after this answer
 */
public record FaqEntry(
        String id,
        List<String> questions,
        List<String> keywords,
        List<String> phrases,
        String answer,
        List<String> tags,
        String language,
        List<String> followUps) {

    /**
     * Copies the lists, reading {@code null} as empty.
     *
     * @param id see the record component
     * @param questions see the record component
     * @param keywords see the record component
     * @param phrases see the record component
     * @param answer see the record component
     * @param tags see the record component
     * @param language see the record component
     * @param followUps see the record component
     */
    public FaqEntry {
        questions = copy(questions);
        keywords = copy(keywords);
        phrases = copy(phrases);
        tags = copy(tags);
        followUps = copy(followUps);
    }

    /**
     * A minimal entry: id, phrasings and answer, in the knowledge base's language.
     *
     * @param id        unique id
     * @param questions phrasings of the question
     * @param answer    the answer text
     * @return the entry
     */
    public static FaqEntry of(String id, List<String> questions, String answer) {
        return new FaqEntry(id, questions, List.of(), List.of(), answer, List.of(), null, List.of());
    }

    /**
     * The first question, which stands for the entry in suggestions.
     *
     * @return the first phrasing, or the id when there is none
     */
    public String title() {
        return questions.isEmpty() ? String.valueOf(id) : questions.get(0);
    }

    /**
     * The entry's own language, if it sets one.
     *
     * @return the language code, or empty when the entry inherits the knowledge base's
     */
    public Optional<String> ownLanguage() {
        return Optional.ofNullable(language).filter(l -> !l.isBlank());
    }

    private static List<String> copy(List<String> list) {
        return list == null ? List.of() : List.copyOf(list);
    }
}
