package dev.concierge.bot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TermStates;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;

/**
 * An immutable, searchable snapshot of a knowledge base: an in-memory Lucene index with one
 * document per entry (all its phrasings together, so evidence adds up across phrasings, plus
 * its keywords and phrases), and a forward index of the single phrasings, which rescores the
 * best entries by their closest phrasing. Thread-safe: searching only reads.
 */
final class FaqIndex implements AutoCloseable {

    /** One candidate entry and its combined score. */
    record Scored(int entry, double score) {
    }

    // Words and word pairs are TextFields of pre-analysed terms (see addText()); keywords and
    // phrases are StringFields holding one joined term each, because they must match whole.
    static final String WORDS = "w";
    static final String SHINGLES = "s";
    static final String KEYWORDS = "k";
    static final String PHRASES = "p";
    static final String NGRAMS = "g";
    /** The entry's position in the knowledge base, stored to map hits back to entries. */
    private static final String ENTRY = "e";
    private static final int MAX_QUESTION_CHARS = 500;

    private final KnowledgeBase kb;
    private final Analysis analysis;
    private final Tuning tuning;
    private final Set<Language> languages = new LinkedHashSet<>();
    private final Directory directory = new ByteBuffersDirectory();
    private final DirectoryReader reader;
    private final IndexSearcher searcher;
    private final int[] entryOfDoc;
    private final TermStats words;
    private final TermStats shingles;
    private final TermStats keywords;
    private final TermStats phrases;
    private final TermStats ngrams;
    /**
     * Term dictionary lookups, done once per term rather than once per question (TermQuery
     * accepts them); filled on first use, and only read after that.
     */
    private final Map<Term, TermStates> termStates = new ConcurrentHashMap<>();
    private final Phrasings phrasings = new Phrasings();
    private final Spelling spelling;

    FaqIndex(KnowledgeBase kb, Analysis analysis, Tuning tuning) {
        this.kb = kb;
        this.analysis = analysis;
        this.tuning = tuning;
        BM25Similarity similarity = new BM25Similarity(entryK1(kb, tuning), tuning.entryB());
        try {
            try (IndexWriter writer = writer(directory, similarity)) {
                for (int i = 0; i < kb.entries().size(); i++) {
                    FaqEntry e = kb.entries().get(i);
                    Language lang = Language.forCode(kb.languageOf(e)).orElse(Language.ENGLISH);
                    languages.add(lang);
                    Document doc = entryDocument(i, e, lang);
                    for (String q : e.questions()) {
                        Analysis.Terms terms = analysis.terms(lang, q);
                        addText(doc, terms, tuning.ngramLength());
                        phrasings.add(i, terms);
                    }
                    writer.addDocument(doc);
                }
                writer.forceMerge(1);
            }
            reader = DirectoryReader.open(directory);
            searcher = new IndexSearcher(reader);
            searcher.setSimilarity(similarity);
            searcher.setQueryCache(null);
            entryOfDoc = ordinals(reader);
            words = new TermStats(reader, WORDS);
            shingles = new TermStats(reader, SHINGLES);
            keywords = new TermStats(reader, KEYWORDS);
            phrases = new TermStats(reader, PHRASES);
            ngrams = new TermStats(reader, NGRAMS);
        } catch (IOException e) {
            throw new BotException("cannot index the knowledge base: " + e.getMessage(), e);
        }
        phrasings.finish();
        spelling = new Spelling(words);
    }

    /**
     * BM25's k1 for entry documents. An entry document is all its phrasings together, so a
     * word's frequency there counts the phrasings that use it; with b = 1 the term weight
     * becomes share / (share + k1 / average phrasings), where share is the fraction of the
     * entry's phrasings using the word. Scaling k1 with the average number of phrasings keeps
     * the saturation point at the same share whatever the size of the knowledge base.
     */
    static float entryK1(KnowledgeBase kb, Tuning tuning) {
        if (tuning.entryK1() >= 0) {
            return tuning.entryK1();
        }
        double avg = (double) kb.phrasingCount() / Math.max(1, kb.entries().size());
        return (float) Math.max(2.0, -tuning.entryK1() * avg);
    }

    KnowledgeBase knowledgeBase() {
        return kb;
    }

    /**
     * Ranks the entries for a question.
     *
     * @return up to {@code n} candidates, best first; empty when nothing matches at all
     */
    List<Scored> rank(String question, int n) {
        String q = question.length() > MAX_QUESTION_CHARS ? question.substring(0, MAX_QUESTION_CHARS) : question;
        double[] scores = new double[kb.entries().size()];
        boolean[] seen = new boolean[scores.length];
        try {
            for (Language lang : languages) {
                Spelling.Corrected corrected = spelling.correct(analysis.terms(lang, q), analysis, lang);
                QueryTerms terms = QueryTerms.of(corrected.terms(), tuning.ngramLength());
                double[] byLanguage = new double[scores.length];
                boolean[] matched = new boolean[scores.length];
                scoreEntries(terms, corrected.fuzzy(), byLanguage, matched);
                addClosestPhrasings(terms, corrected.fuzzy(), byLanguage, matched);
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = Math.max(scores[i], byLanguage[i]);
                    seen[i] |= matched[i];
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Scored> out = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (seen[i]) {
                out.add(new Scored(i, scores[i]));
            }
        }
        out.sort((a, b) -> Double.compare(b.score(), a.score()));
        return out.size() > n ? List.copyOf(out.subList(0, n)) : out;
    }

    private void scoreEntries(QueryTerms t, Set<String> fuzzy, double[] into, boolean[] matched) throws IOException {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        int clauses = addNormalized(b, WORDS, t.words(), fuzzy, words, tuning.words())
                + addNormalized(b, SHINGLES, t.shingles(), fuzzy, shingles, tuning.shingles())
                + addNormalized(b, NGRAMS, t.ngrams(), Set.of(), ngrams, tuning.ngrams());
        for (String key : t.keyTerms()) {
            clauses += addKey(b, KEYWORDS, key, keywords, tuning.keywords())
                    + addKey(b, PHRASES, key, phrases, tuning.phrases());
        }
        if (clauses == 0) {
            return;
        }
        for (ScoreDoc sd : searcher.search(b.build(), into.length).scoreDocs) {
            int entry = entryOfDoc[sd.doc];
            matched[entry] = true;
            into[entry] += sd.score;
        }
    }

    /** Adds the score of the closest phrasing of each of the best entries so far. */
    private void addClosestPhrasings(QueryTerms t, Set<String> fuzzy, double[] into, boolean[] matched) {
        if (tuning.bestPhrasing() <= 0) {
            return;
        }
        int[] best = IntStream.range(0, into.length).filter(i -> matched[i]).boxed()
                .sorted((a, c) -> Double.compare(into[c], into[a]))
                .limit(tuning.rerankEntries()).mapToInt(Integer::intValue).toArray();
        double[] closest = phrasings.closest(t, fuzzy, best, tuning.shingles(), tuning.fuzzyWeight());
        for (int i = 0; i < best.length; i++) {
            into[best[i]] += tuning.bestPhrasing() * closest[i];
        }
    }

    /** A fixed bonus for every entry that has this keyword or phrase. */
    private int addKey(BooleanQuery.Builder b, String field, String key, TermStats stats, double weight) {
        if (!stats.contains(key) || weight <= 0) {
            return 0;
        }
        b.add(new BoostQuery(new ConstantScoreQuery(termQuery(field, key)), (float) weight),
                BooleanClause.Occur.SHOULD);
        return 1;
    }

    /**
     * Adds one clause per term, boosted so that the field contributes at most {@code weight}:
     * each term's BM25 score is below its idf, so the field's score is divided by the sum of the
     * question's idfs there. Words matched only by spelling correction count for less.
     */
    private int addNormalized(BooleanQuery.Builder b, String field, List<String> terms, Set<String> fuzzy,
                                     TermStats stats, double weight) {
        if (terms.isEmpty() || weight <= 0) {
            return 0;
        }
        double sum = 0;
        for (String term : terms) {
            sum += tuning.focus() ? stats.weight(term) : stats.idf(term);
        }
        int added = 0;
        for (String term : terms) {
            if (!stats.contains(term)) {
                continue;
            }
            double boost = weight / sum * (fuzzy.contains(term) ? tuning.fuzzyWeight() : 1.0);
            if (tuning.focus()) {
                boost *= stats.weight(term) / stats.idf(term);
            }
            if (boost <= 0) {
                continue;
            }

            b.add(new BoostQuery(termQuery(field, term), (float) boost), BooleanClause.Occur.SHOULD);
            added++;
        }
        return added;
    }

    /** A query for a term known to be in the index, with its dictionary lookup cached. */
    private TermQuery termQuery(String field, String text) {
        Term term = new Term(field, text);
        return new TermQuery(term, termStates.computeIfAbsent(term, this::lookUp));
    }

    private TermStates lookUp(Term term) {
        try {
            TermStates states = TermStates.build(searcher, term, true);
            for (LeafReaderContext leaf : reader.leaves()) {
                states.get(leaf); // loads every leaf now, so that later readers only read
            }
            return states;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Document entryDocument(int ordinal, FaqEntry e, Language lang) {
        Document d = new Document();
        d.add(new StoredField(ENTRY, ordinal));
        // Keywords also count as words: a keyword is evidence even when no phrasing uses it.
        for (String k : e.keywords()) {
            Analysis.Terms terms = analysis.terms(lang, k);
            addText(d, terms, tuning.ngramLength());
            d.add(new StringField(KEYWORDS, QueryTerms.joined(terms), Field.Store.NO));
        }
        for (String p : e.phrases()) {
            d.add(new StringField(PHRASES, QueryTerms.joined(analysis.terms(lang, p)), Field.Store.NO));
        }
        return d;
    }

    /**
     * Adds a text's words and word pairs. The terms are analysed already, in the entry's own
     * language, and joined with spaces for the writer's whitespace analyzer (no term contains
     * one): so one writer serves entries of every language.
     */
    private static void addText(Document d, Analysis.Terms terms, int ngramLength) {
        d.add(new TextField(WORDS, String.join(" ", terms.words()), Field.Store.NO));
        d.add(new TextField(NGRAMS, String.join(" ", terms.ngrams(ngramLength)), Field.Store.NO));
        d.add(new TextField(SHINGLES, String.join(" ", terms.shingles()), Field.Store.NO));
    }

    private static IndexWriter writer(Directory dir, BM25Similarity similarity) throws IOException {
        IndexWriterConfig config = new IndexWriterConfig(new WhitespaceAnalyzer());
        config.setSimilarity(similarity);
        config.setRAMBufferSizeMB(256);
        return new IndexWriter(dir, config);
    }

    private static int[] ordinals(IndexReader reader) {
        int[] out = new int[reader.maxDoc()];
        try {
            var stored = reader.storedFields();
            for (int doc = 0; doc < out.length; doc++) {
                out[doc] = stored.document(doc).getField(ENTRY).numericValue().intValue();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            reader.close();
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
