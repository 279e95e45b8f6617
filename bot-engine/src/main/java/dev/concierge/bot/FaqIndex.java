package dev.concierge.bot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    record Scored(int entry, double score) {}

    // Words and word pairs are TextFields of pre-analysed terms (see addText()); keywords and
    // phrases are StringFields holding one joined term each, because they must match whole.
    static final String WORDS = "w";
    static final String SHINGLES = "s";
    static final String KEYWORDS = "k";
    static final String PHRASES = "p";
    /** The entry's position in the knowledge base, stored to map hits back to entries. */
    private static final String ENTRY = "e";

    private static final int MAX_QUESTION_CHARS = 500;
    /**
     * How many entries the first pass keeps. Only the best few can be the answer or a
     * suggestion; keeping more only costs time on a big knowledge base.
     */
    static final int FIRST_PASS = 50;

    private static final Comparator<Scored> BEST_FIRST = (a, b) -> Double.compare(b.score(), a.score());

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
    /**
     * Term dictionary lookups, done once per term rather than once per question (TermQuery
     * accepts them); filled on first use, and only read after that.
     */
    private final Map<Term, TermStates> termStates = new ConcurrentHashMap<>();

    private final Phrasings phrasings = new Phrasings();
    private final CharacterNgrams ngrams;
    private final Spelling spelling;
    /** The vector search over the phrasings' embeddings, or null when matching is lexical only. */
    private final SemanticIndex semantic;

    FaqIndex(KnowledgeBase kb, Analysis analysis, Tuning tuning) {
        this.kb = kb;
        this.analysis = analysis;
        this.tuning = tuning;
        BM25Similarity similarity = new BM25Similarity(entryK1(kb, tuning), tuning.entryB());
        List<List<Analysis.Terms>> texts = new ArrayList<>();
        try {
            try (IndexWriter writer = writer(directory, similarity)) {
                for (int i = 0; i < kb.entries().size(); i++) {
                    FaqEntry e = kb.entries().get(i);
                    Language lang = Language.forCode(kb.languageOf(e)).orElse(Language.ENGLISH);
                    languages.add(lang);
                    List<Analysis.Terms> entryTexts = new ArrayList<>();
                    Document doc = entryDocument(i, e, lang, entryTexts);
                    for (String q : e.questions()) {
                        Analysis.Terms terms = analysis.terms(lang, q);
                        addText(doc, terms);
                        entryTexts.add(terms);
                        phrasings.add(i, terms);
                    }
                    // The id names the entry ("refund-time", "card_arrival"): its words count as
                    // one more phrasing. An opaque id ("faq-12") adds a word every entry shares,
                    // which term focus weighs at nothing, and no number.
                    Analysis.Terms name = analysis.terms(lang, idWords(e.id()));
                    if (!name.words().isEmpty()) {
                        addText(doc, name);
                        entryTexts.add(name);
                        phrasings.add(i, name);
                    }
                    texts.add(entryTexts);
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
        } catch (IOException e) {
            throw new BotException("cannot index the knowledge base: " + e.getMessage(), e);
        }
        phrasings.finish();
        ngrams = new CharacterNgrams(texts, tuning.ngramLength(), similarity.getK1(), similarity.getB());
        spelling = new Spelling(words);
        Semantics semantics = analysis.semantics();
        semantic = semantics != null && semantics.serves(kb) ? new SemanticIndex(kb, semantics) : null;
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

    /**
     * The words of an entry id: split at anything but letters and at lower-to-upper case
     * changes ("refund-time", "card_arrival", "orderStatus"); numbers are dropped.
     */
    static String idWords(String id) {
        return id.replaceAll("(\\p{Ll})(\\p{Lu})", "$1 $2")
                .replaceAll("[^\\p{L}]+", " ")
                .trim();
    }

    KnowledgeBase knowledgeBase() {
        return kb;
    }

    /**
     * Ranks the entries for a question: the entry documents pick at most
     * {@link #FIRST_PASS} candidates, and the best {@link Tuning#rerankEntries()} of them are
     * rescored by their closest phrasing. Work per question is bounded by the question, not
     * by the size of the knowledge base.
     *
     * @return up to {@code n} candidates, best first; empty when nothing matches at all
     */
    List<Scored> rank(String question, int n) {
        String q = question.length() > MAX_QUESTION_CHARS ? question.substring(0, MAX_QUESTION_CHARS) : question;
        List<Scored> best = List.of();
        try {
            for (Language lang : languages) {
                Spelling.Corrected corrected = spelling.correct(analysis.terms(lang, q), analysis, lang);
                QueryTerms terms = QueryTerms.of(corrected.terms());
                Scored[] ranked = scoreEntries(terms, corrected.fuzzy());
                addNgrams(corrected.terms(), ranked);
                addClosestPhrasings(terms, corrected.fuzzy(), ranked);
                best = best.isEmpty() ? Arrays.asList(ranked) : merged(best, ranked);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Scored> out = new ArrayList<>(semantic == null ? best : semantic.fuse(q, best));
        out.sort(BEST_FIRST);
        return out.size() > n ? List.copyOf(out.subList(0, n)) : out;
    }

    /** Each entry's better score of two languages' rankings. */
    private static List<Scored> merged(List<Scored> a, Scored[] b) {
        Map<Integer, Scored> byEntry = new HashMap<>();
        for (Scored s : a) {
            byEntry.put(s.entry(), s);
        }
        for (Scored s : b) {
            byEntry.merge(s.entry(), s, (x, y) -> x.score() >= y.score() ? x : y);
        }
        return new ArrayList<>(byEntry.values());
    }

    /** The best entries by their entry document, best first, at most {@link #FIRST_PASS}. */
    private Scored[] scoreEntries(QueryTerms t, Set<String> fuzzy) throws IOException {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        int clauses = addNormalized(b, WORDS, t.words(), fuzzy, words, tuning.words())
                + addNormalized(b, SHINGLES, t.shingles(), fuzzy, shingles, tuning.shingles());
        for (String key : t.keyTerms()) {
            clauses += addKey(b, KEYWORDS, key, keywords, tuning.keywords())
                    + addKey(b, PHRASES, key, phrases, tuning.phrases());
        }
        if (clauses == 0) {
            return new Scored[0];
        }
        ScoreDoc[] hits = searcher.search(b.build(), FIRST_PASS).scoreDocs;
        Scored[] out = new Scored[hits.length];
        for (int i = 0; i < hits.length; i++) {
            out[i] = new Scored(entryOfDoc[hits[i].doc], hits[i].score);
        }
        return out;
    }

    /** Adds the character n-gram score to each candidate, and sorts them again, best first. */
    private void addNgrams(Analysis.Terms question, Scored[] ranked) {
        if (tuning.ngrams() <= 0 || ranked.length == 0) {
            return;
        }
        int[] candidates = new int[ranked.length];
        for (int i = 0; i < ranked.length; i++) {
            candidates[i] = ranked[i].entry();
        }
        double[] scores = ngrams.score(question, candidates);
        for (int i = 0; i < ranked.length; i++) {
            ranked[i] = new Scored(candidates[i], ranked[i].score() + tuning.ngrams() * scores[i]);
        }
        Arrays.sort(ranked, BEST_FIRST);
    }

    /** Adds the score of the closest phrasing to each of the best entries (ranked best first). */
    private void addClosestPhrasings(QueryTerms t, Set<String> fuzzy, Scored[] ranked) {
        if (tuning.bestPhrasing() <= 0 || ranked.length == 0) {
            return;
        }
        int[] best = new int[Math.min(ranked.length, tuning.rerankEntries())];
        for (int i = 0; i < best.length; i++) {
            best[i] = ranked[i].entry();
        }
        double[] closest = phrasings.closest(t, fuzzy, best, tuning.shingles(), tuning.fuzzyWeight());
        for (int i = 0; i < best.length; i++) {
            ranked[i] = new Scored(best[i], ranked[i].score() + tuning.bestPhrasing() * closest[i]);
        }
    }

    /** A fixed bonus for every entry that has this keyword or phrase. */
    private int addKey(BooleanQuery.Builder b, String field, String key, TermStats stats, double weight) {
        if (!stats.contains(key) || weight <= 0) {
            return 0;
        }
        b.add(
                new BoostQuery(new ConstantScoreQuery(termQuery(field, key)), (float) weight),
                BooleanClause.Occur.SHOULD);
        return 1;
    }

    /**
     * Adds one clause per term, boosted so that the field contributes at most {@code weight}:
     * each term's BM25 score is below its idf, so the field's score is divided by the sum of the
     * question's idfs there. Words matched only by spelling correction count for less.
     */
    private int addNormalized(
            BooleanQuery.Builder b,
            String field,
            List<String> terms,
            Set<String> fuzzy,
            TermStats stats,
            double weight) {
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

    private Document entryDocument(int ordinal, FaqEntry e, Language lang, List<Analysis.Terms> texts) {
        Document d = new Document();
        d.add(new StoredField(ENTRY, ordinal));
        // Keywords also count as words: a keyword is evidence even when no phrasing uses it.
        for (String k : e.keywords()) {
            Analysis.Terms terms = analysis.terms(lang, k);
            addText(d, terms);
            texts.add(terms);
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
    private static void addText(Document d, Analysis.Terms terms) {
        d.add(new TextField(WORDS, String.join(" ", terms.words()), Field.Store.NO));
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
        if (semantic != null) {
            semantic.close();
        }
        try {
            reader.close();
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
