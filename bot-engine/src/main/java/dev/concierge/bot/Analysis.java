package dev.concierge.bot;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.synonym.SolrSynonymParser;
import org.apache.lucene.analysis.synonym.SynonymMap;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * The analyzers of every supported language, each with its synonyms: the bundled file
 * {@code synonyms/<lang>.txt} (Solr format) plus any file the caller adds. Synonym entries and
 * stop words are put through the language's stemmer, so they meet the text where the chain
 * looks for them. Immutable and thread-safe (Lucene analyzers reuse their components per
 * thread).
 */
final class Analysis implements AutoCloseable {

    /**
     * A text after analysis.
     *
     * @param all   every term, in order
     * @param words the terms that are not stop words, in order
     */
    record Terms(List<String> all, List<String> words) {

        /** Adjacent pairs over all terms, joined with '_' ("sign in" stays apart from "sign up"). */
        List<String> shingles() {
            List<String> out = new ArrayList<>();
            for (int i = 0; i + 1 < all.size(); i++) {
                out.add(all.get(i) + '_' + all.get(i + 1));
            }
            return out;
        }

        /**
         * Character n-grams of the words (stop words dropped), each word framed by '^' and '$',
         * so that "verify" and "verification" share most of theirs even where the stemmer
         * leaves them apart; a word shorter than the n-gram is one term.
         */
        List<String> ngrams(int n) {
            List<String> out = new ArrayList<>();
            for (String w : words) {
                String framed = '^' + w + '$';
                if (framed.length() <= n) {
                    out.add(framed);
                    continue;
                }
                for (int i = 0; i + n <= framed.length(); i++) {
                    out.add(framed.substring(i, i + n));
                }
            }
            return out;
        }
    }

    private final Map<Language, TextAnalyzer> analyzers = new EnumMap<>(Language.class);
    private final Map<Language, CharArraySet> stopWords = new EnumMap<>(Language.class);
    /** The sentence embeddings beside the terms, or null for lexical matching only. */
    private final Semantics semantics;

    /**
     * @param extraSynonyms synonym files (Solr format) by language code, added to the bundled ones
     */
    Analysis(Map<String, List<Path>> extraSynonyms) {
        this(extraSynonyms, null);
    }

    /**
     * @param extraSynonyms synonym files (Solr format) by language code, added to the bundled ones
     * @param semantics     the sentence embeddings and their fusion, or null for none
     */
    Analysis(Map<String, List<Path>> extraSynonyms, Semantics semantics) {
        this.semantics = semantics;
        for (Language lang : Language.values()) {
            CharArraySet stops = new CharArraySet(lang.stopWords().size(), false);
            try (Analyzer stemming = stemmingAnalyzer(lang)) {
                analyzers.put(
                        lang,
                        new TextAnalyzer(
                                lang, synonyms(lang, extraSynonyms.getOrDefault(lang.code(), List.of()), stemming)));
                for (Object word : lang.stopWords()) {
                    stops.addAll(analyse(stemming, new String((char[]) word)));
                }
            }
            stopWords.put(lang, CharArraySet.unmodifiableSet(stops));
        }
    }

    /** Analyses a text in a language. */
    Terms terms(Language language, String text) {
        String expanded = language.expandsNegatedContractions() ? TextAnalyzer.expandContractions(text) : text;
        List<String> all = analyse(analyzers.get(language), expanded);
        CharArraySet stops = stopWords.get(language);
        List<String> words = new ArrayList<>(all.size());
        for (String t : all) {
            if (!stops.contains(t)) {
                words.add(t);
            }
        }
        return new Terms(all, words);
    }

    /** The sentence embeddings and their fusion, or null when matching is lexical only. */
    Semantics semantics() {
        return semantics;
    }

    /** Whether a stemmed term is a stop word of the language. */
    boolean isStopWord(Language language, String term) {
        return stopWords.get(language).contains(term);
    }

    /** The stemmed stop words of a language, for tests and documentation. */
    Set<Object> stopWords(Language language) {
        return stopWords.get(language);
    }

    private static List<String> analyse(Analyzer analyzer, String text) {
        List<String> out = new ArrayList<>();
        try (TokenStream ts = analyzer.tokenStream("f", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                out.add(term.toString());
            }
            ts.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @Override
    public void close() {
        analyzers.values().forEach(Analyzer::close);
    }

    private static SynonymMap synonyms(Language lang, List<Path> extra, Analyzer stemming) {
        String resource = "synonyms/" + lang.code() + ".txt";
        try {
            SolrSynonymParser parser = new SolrSynonymParser(true, false, stemming);
            boolean any = false;
            try (InputStream in = Analysis.class.getResourceAsStream(resource)) {
                if (in != null) {
                    parser.parse(new InputStreamReader(in, StandardCharsets.UTF_8));
                    any = true;
                }
            }
            for (Path p : extra) {
                try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                    parser.parse(r);
                    any = true;
                } catch (ParseException | IllegalArgumentException e) {
                    throw new BotException(p + ": bad synonym file: " + e.getMessage(), e);
                } catch (IOException e) {
                    throw new BotException(p + ": cannot read synonyms: " + e.getMessage(), e);
                }
            }
            return any ? parser.build() : null;
        } catch (ParseException e) {
            throw new BotException(resource + ": bad synonym file: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BotException("cannot read synonyms for '" + lang.code() + "': " + e.getMessage(), e);
        }
    }

    /** Reads synonym file entries the way the chain sees them at the synonym filter: stemmed. */
    private static Analyzer stemmingAnalyzer(Language lang) {
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String fieldName) {
                Tokenizer t = new StandardTokenizer();
                return new TokenStreamComponents(t, TextAnalyzer.stemmed(lang, t));
            }
        };
    }
}
