package dev.concierge.bot;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A knowledge base: its default language and its entries, in file order. Usually read from a
 * file by {@link FaqBot#load(java.nio.file.Path)}; build one in memory for
 * {@link FaqBot#create(KnowledgeBase)}.
 *
 * @param language the default language (ISO 639-1, e.g. {@code en}) of entries that set none
 * @param entries  the entries, in order
 */
public record KnowledgeBase(String language, List<FaqEntry> entries) {

    /**
     * Checks the components and copies the entry list.
     *
     * @param language see the record component
     * @param entries see the record component
     */
    public KnowledgeBase {
        Objects.requireNonNull(language, "language");
        entries = List.copyOf(entries);
    }

    /**
     * Finds an entry by id.
     *
     * @param id the entry id
     * @return the entry, or empty when there is none with that id
     */
    public Optional<FaqEntry> entry(String id) {
        Objects.requireNonNull(id, "id");
        for (FaqEntry e : entries) {
            if (id.equals(e.id())) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * The language an entry is written in: its own, or else the knowledge base's.
     *
     * @param entry an entry of this knowledge base
     * @return the language code
     */
    public String languageOf(FaqEntry entry) {
        return entry.ownLanguage().orElse(language);
    }

    /**
     * The number of phrasings (questions) over all entries.
     *
     * @return the total phrasing count
     */
    public int phrasingCount() {
        int n = 0;
        for (FaqEntry e : entries) {
            n += e.questions().size();
        }
        return n;
    }
}
