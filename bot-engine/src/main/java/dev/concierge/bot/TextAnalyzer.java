package dev.concierge.bot;

import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.FlattenGraphFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.synonym.SynonymGraphFilter;
import org.apache.lucene.analysis.synonym.SynonymMap;

/**
 * The analysis chain of one language. The same chain reads the knowledge base and the visitor's
 * question, so both meet on the same terms; it runs once per text, and the fields (words,
 * word pairs, keyword terms) are derived from its output by {@link Analysis}.
 *
 * <p>Chain: standard tokenizer → elision → lower case → accent folding (visitors often type
 * without accents) → stemmer → synonyms (each group reduced to its first member, in the
 * knowledge base and in questions alike, which keeps the token stream flat; the synonym file
 * is stemmed the same way, so one line covers every inflection). English contractions are
 * expanded before, so that "can't" keeps its "not".
 */
final class TextAnalyzer extends Analyzer {

    private static final Pattern NEGATED = Pattern.compile("(?i)\\b(?:(can)['’]?t|(can)not|(wo)n['’]t|(\\w+)n['’]t"
            + "|(do|does|did|is|was|are|were|have|has|had|could|would|should|must|need)nt)\\b");

    private static final Pattern CONTRACTED = Pattern.compile("(?i)\\b(\\w+)['’](m|re|ve|ll|d)\\b");

    /**
     * Contractions as visitors type them without the apostrophe, and chat spellings, with what
     * they stand for. Only forms that are not English words themselves: "were", "ill", "id",
     * "its", "well", "shed", "hell" and "lets" are left alone. ("didnt", "cant"… are negations,
     * handled by {@link #NEGATED}.)
     */
    private static final Map<String, String> UNMARKED = Map.ofEntries(
            Map.entry("im", "i am"),
            Map.entry("ive", "i have"),
            Map.entry("youre", "you are"),
            Map.entry("youve", "you have"),
            Map.entry("youll", "you will"),
            Map.entry("theyre", "they are"),
            Map.entry("theyve", "they have"),
            Map.entry("weve", "we have"),
            Map.entry("wont", "will not"),
            Map.entry("whats", "what is"),
            Map.entry("wheres", "where is"),
            Map.entry("hows", "how is"),
            Map.entry("whos", "who is"),
            Map.entry("thats", "that is"),
            Map.entry("theres", "there is"),
            Map.entry("heres", "here is"),
            Map.entry("u", "you"),
            Map.entry("ur", "your"),
            Map.entry("pls", "please"),
            Map.entry("plz", "please"),
            Map.entry("wanna", "want to"),
            Map.entry("gonna", "going to"));

    private static final Pattern UNMARKED_WORD = Pattern.compile(
            "(?i)(?<![\\w'’.])(?:" + String.join("|", new TreeSet<>(UNMARKED.keySet())) + ")(?![\\w'’]|\\.\\w)");

    /** "what's", "where's", "it's": "is" (after these words 's is not a possessive). */
    private static final Pattern CONTRACTED_IS =
            Pattern.compile("(?i)\\b(what|where|how|who|that|there|here|it|he|she|when|why)['’]s\\b");

    private final Language language;
    private final SynonymMap synonyms;

    /** @param synonyms synonyms over stemmed words, or null */
    TextAnalyzer(Language language, SynonymMap synonyms) {
        this.language = language;
        this.synonyms = synonyms;
    }

    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer source = new StandardTokenizer();
        TokenStream ts = stemmed(language, source);
        if (synonyms != null && synonyms.fst != null) {
            ts = new FlattenGraphFilter(new SynonymGraphFilter(ts, synonyms, true));
        }
        return new TokenStreamComponents(source, ts);
    }

    /** The start of every chain, also used to read synonym files and stop lists. */
    static TokenStream stemmed(Language language, Tokenizer source) {
        TokenStream ts = language.elide(source);
        ts = new LowerCaseFilter(ts);
        ts = new ASCIIFoldingFilter(ts);
        return language.stem(ts);
    }

    /**
     * Rewrites English contractions: negated ones ("can't", "didnt", "won't") so that the "not"
     * survives, "I'm", "we're", "I've", "you'll", "I'd", "what's" into their words, and the same
     * typed without an apostrophe ("im", "ive", "whats", "wont") with a few chat spellings ("u",
     * "pls"), so that a question typed in a hurry meets the knowledge base on the same terms.
     */
    static String expandContractions(String text) {
        String unmarked = expandUnmarked(text);
        if (unmarked.indexOf('\'') < 0 && unmarked.indexOf('’') < 0) {
            return expandNegations(unmarked);
        }
        String is = CONTRACTED_IS.matcher(expandNegations(unmarked)).replaceAll("$1 is");
        Matcher m = CONTRACTED.matcher(is);
        StringBuilder sb = new StringBuilder(is.length() + 8);
        while (m.find()) {
            String tail =
                    switch (m.group(2).toLowerCase(Locale.ROOT)) {
                        case "m" -> "am";
                        case "re" -> "are";
                        case "ve" -> "have";
                        case "ll" -> "will";
                        default -> "would";
                    };
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + " " + tail));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Rewrites the apostrophe-less forms of {@link #UNMARKED}. */
    private static String expandUnmarked(String text) {
        Matcher m = UNMARKED_WORD.matcher(text);
        if (!m.find()) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 8);
        do {
            m.appendReplacement(sb, UNMARKED.get(m.group().toLowerCase(Locale.ROOT)));
        } while (m.find());
        m.appendTail(sb);
        return sb.toString();
    }

    private static String expandNegations(String text) {
        if (text.indexOf('t') < 0 && text.indexOf('T') < 0) {
            return text;
        }
        Matcher m = NEGATED.matcher(text);
        if (!m.find()) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 8);
        do {
            String stem = m.group(1) != null
                    ? m.group(1)
                    : m.group(2) != null
                            ? m.group(2)
                            : m.group(3) != null ? "will" : m.group(4) != null ? m.group(4) : m.group(5);
            m.appendReplacement(sb, Matcher.quoteReplacement(stem + " not"));
        } while (m.find());
        m.appendTail(sb);
        return sb.toString();
    }
}
