package dev.concierge.bot;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.de.GermanAnalyzer;
import org.apache.lucene.analysis.de.GermanLightStemFilter;
import org.apache.lucene.analysis.de.GermanNormalizationFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.es.SpanishAnalyzer;
import org.apache.lucene.analysis.es.SpanishLightStemFilter;
import org.apache.lucene.analysis.fr.FrenchAnalyzer;
import org.apache.lucene.analysis.fr.FrenchLightStemFilter;
import org.apache.lucene.analysis.it.ItalianAnalyzer;
import org.apache.lucene.analysis.it.ItalianLightStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.nl.DutchAnalyzer;
import org.apache.lucene.analysis.pt.PortugueseAnalyzer;
import org.apache.lucene.analysis.pt.PortugueseLightStemFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.util.ElisionFilter;
import org.tartarus.snowball.ext.DutchStemmer;

/**
 * The languages the bot analyses, with what analysis needs to know about each: stop words
 * (minus the ones that carry meaning in a question: negations), the stemmer, elided articles.
 */
enum Language {
    ENGLISH(
            "en",
            Stop.ENGLISH,
            List.of("no", "not", "nor", "never", "none", "nothing", "without"),
            List.of(),
            ts -> new PorterStemFilter(new EnglishPossessiveFilter(ts))),
    FRENCH(
            "fr",
            FrenchAnalyzer.getDefaultStopSet(),
            List.of("ne", "pas", "non", "jamais", "aucun", "aucune", "rien", "sans", "ni", "plus"),
            List.of("l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"),
            FrenchLightStemFilter::new),
    GERMAN(
            "de",
            GermanAnalyzer.getDefaultStopSet(),
            List.of(
                    "nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "ohne",
                    "nichts"),
            List.of(),
            ts -> new GermanLightStemFilter(new GermanNormalizationFilter(ts))),
    SPANISH(
            "es",
            SpanishAnalyzer.getDefaultStopSet(),
            List.of("no", "ni", "nunca", "sin", "nada", "ningún", "ninguna", "ninguno", "tampoco", "jamás"),
            List.of(),
            SpanishLightStemFilter::new),
    ITALIAN(
            "it",
            ItalianAnalyzer.getDefaultStopSet(),
            List.of("non", "mai", "senza", "nessun", "nessuno", "nessuna", "niente", "né"),
            List.of(
                    "c", "l", "all", "dall", "dell", "nell", "sull", "coll", "pell", "gl", "agl", "dagl", "degl",
                    "negl", "sugl", "un", "m", "t", "s", "v", "d"),
            ItalianLightStemFilter::new),
    PORTUGUESE(
            "pt",
            PortugueseAnalyzer.getDefaultStopSet(),
            List.of("não", "nunca", "sem", "nenhum", "nenhuma", "nada", "nem"),
            List.of(),
            PortugueseLightStemFilter::new),
    DUTCH(
            "nl",
            DutchAnalyzer.getDefaultStopSet(),
            List.of("niet", "geen", "nooit", "zonder", "niets"),
            List.of(),
            ts -> new SnowballFilter(ts, new DutchStemmer()));

    private final String code;
    private final CharArraySet stopWords;
    private final CharArraySet elisions;
    private final UnaryOperator<TokenStream> stemmer;

    Language(
            String code,
            CharArraySet defaultStops,
            List<String> kept,
            List<String> elisions,
            UnaryOperator<TokenStream> stemmer) {
        this.code = code;
        // Stop words are matched after accent folding, so the list is folded too.
        CharArraySet stops = new CharArraySet(defaultStops.size(), true);
        for (Object word : defaultStops) {
            String w = new String((char[]) word);
            if (!kept.contains(w)) {
                stops.add(fold(w));
            }
        }
        this.stopWords = CharArraySet.unmodifiableSet(stops);
        this.elisions = CharArraySet.unmodifiableSet(new CharArraySet(elisions, true));
        this.stemmer = stemmer;
    }

    /** Folds accents the way {@link ASCIIFoldingFilter} does, for word lists. */
    static String fold(String word) {
        char[] out = new char[word.length() * 4];
        int n = ASCIIFoldingFilter.foldToASCII(word.toCharArray(), 0, out, 0, word.length());
        return new String(out, 0, n);
    }

    /** The ISO 639-1 code, e.g. {@code en}. */
    String code() {
        return code;
    }

    /** Stop words dropped from the word field: the language's usual list minus negations, folded. */
    CharArraySet stopWords() {
        return stopWords;
    }

    /** Adds elision handling (French {@code l'}, Italian {@code dell'}) where the language has it. */
    TokenStream elide(TokenStream ts) {
        return elisions.isEmpty() ? ts : new ElisionFilter(ts, elisions);
    }

    /** Adds the language's stemmer. */
    TokenStream stem(TokenStream ts) {
        return stemmer.apply(ts);
    }

    /** Whether contractions such as "can't" must be expanded to keep the negation. */
    boolean expandsNegatedContractions() {
        return this == ENGLISH;
    }

    /**
     * Looks a language up by its code.
     *
     * @param code an ISO 639-1 code, any case
     * @return the language, or empty when it is not supported
     */
    static Optional<Language> forCode(String code) {
        if (code == null) {
            return Optional.empty();
        }
        String c = code.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(l -> l.code.equals(c)).findFirst();
    }

    /** The supported codes, for error messages. */
    static List<String> codes() {
        return Arrays.stream(values()).map(Language::code).toList();
    }

    /**
     * English function words: pronouns, determiners, auxiliaries and the commonest
     * prepositions. Longer than Lucene's list (measured: it helps most with few phrasings per
     * entry), but it keeps what separates questions: negations, question words (how, why,
     * when, where, what), modals (can, will, should) and particles (up, in, out, off, on).
     */
    private static final class Stop {
        static final CharArraySet ENGLISH = new CharArraySet(
                List.of(
                        "i", "me", "my", "myself", "we", "our", "ours", "you", "your", "yours", "he", "him", "his",
                        "she", "her", "it", "its", "they", "them", "their", "this", "that", "these", "those", "am",
                        "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do", "does",
                        "did", "doing", "a", "an", "the", "and", "but", "if", "or", "because", "as", "while", "of",
                        "at", "by", "for", "with", "about", "into", "to", "from", "then", "there", "such", "so", "than",
                        "s", "t", "just"),
                true);
    }
}
