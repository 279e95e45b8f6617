package dev.concierge.bot;

/**
 * The weights of the matcher. Chosen once, on general grounds and measured on public data
 * (docs/faq.md); not a public knob. The score of each field is divided by the most the question
 * could score there, so the weights compare like with like.
 *
 * @param words        weight of the words of all an entry's phrasings together
 * @param shingles     weight of the word pairs of all an entry's phrasings together
 * @param keywords     bonus for each keyword of the entry found in the question
 * @param phrases      bonus for each phrase of the entry found in the question
 * @param bestPhrasing weight of the single closest phrasing
 * @param entryK1      BM25 k1 of entry documents; negative means that many times the average
 *                     number of phrasings per entry (see {@link FaqIndex#entryK1})
 * @param entryB       BM25 b of entry documents
 * @param rerankEntries among how many best entries the closest phrasing is looked for
 * @param fuzzyWeight  weight of a misspelt word matched to a known one, relative to an exact match
 * @param ngrams       weight of the character n-grams of the words of all an entry's phrasings
 * @param ngramLength  length of those n-grams
 * @param focus        weigh entry terms by how focused they are on few entries ({@link TermStats#weight})
 *                     rather than by their idf
 */
record Tuning(
        double words,
        double shingles,
        double keywords,
        double phrases,
        double bestPhrasing,
        float entryK1,
        float entryB,
        int rerankEntries,
        double fuzzyWeight,
        double ngrams,
        int ngramLength,
        boolean focus) {

    static final Tuning DEFAULT = new Tuning(1.0, 0.5, 0.4, 0.6, 0.5, -0.05f, 1f, 10, 0.8, 0.3, 3, true);
}
