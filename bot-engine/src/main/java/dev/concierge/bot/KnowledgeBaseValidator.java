package dev.concierge.bot;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks a knowledge base before it is indexed; errors name the source, the entry and the field. */
final class KnowledgeBaseValidator {

    private KnowledgeBaseValidator() {}

    /**
     * Validates a knowledge base.
     *
     * @param source where it came from (a file name, or "in-memory knowledge base")
     * @throws BotException on the first problem found
     */
    static void validate(KnowledgeBase kb, String source) {
        if (Language.forCode(kb.language()).isEmpty()) {
            throw new BotException(source + ": field 'language': unknown language '" + kb.language() + "' (supported: "
                    + Language.codes() + ")");
        }
        if (kb.entries().isEmpty()) {
            throw new BotException(source + ": field 'entries': the knowledge base has no entries");
        }
        Set<String> ids = new HashSet<>();
        List<FaqEntry> entries = kb.entries();
        for (int i = 0; i < entries.size(); i++) {
            FaqEntry e = entries.get(i);
            String where = where(source, i, e);
            if (e.id() == null || e.id().isBlank()) {
                throw new BotException(where + " field 'id' is missing or blank");
            }
            if (!ids.add(e.id())) {
                throw new BotException(where + " field 'id': duplicate id '" + e.id() + "'");
            }
            if (e.questions().isEmpty()) {
                throw new BotException(where + " field 'questions' is empty: give at least one phrasing");
            }
            checkItems(e.questions(), "questions", where);
            checkItems(e.keywords(), "keywords", where);
            checkItems(e.phrases(), "phrases", where);
            checkItems(e.tags(), "tags", where);
            if (e.answer() == null || e.answer().isBlank()) {
                throw new BotException(where + " field 'answer' is missing or blank");
            }
            if (e.ownLanguage().isPresent() && Language.forCode(e.language()).isEmpty()) {
                throw new BotException(where + " field 'language': unknown language '" + e.language() + "' (supported: "
                        + Language.codes() + ")");
            }
        }
        for (int i = 0; i < entries.size(); i++) {
            FaqEntry e = entries.get(i);
            for (String f : e.followUps()) {
                if (!ids.contains(f)) {
                    throw new BotException(where(source, i, e) + " field 'followUps': no entry with id '" + f + "'");
                }
            }
        }
    }

    private static String where(String source, int index, FaqEntry e) {
        String where = source + ": entry #" + (index + 1);
        if (e.id() != null && !e.id().isBlank()) {
            where += " (id '" + e.id() + "')";
        }
        return where + ":";
    }

    private static void checkItems(List<String> items, String field, String where) {
        for (int i = 0; i < items.size(); i++) {
            String s = items.get(i);
            if (s == null || s.isBlank()) {
                throw new BotException(where + " field '" + field + "' item #" + (i + 1) + " is blank");
            }
        }
    }
}
