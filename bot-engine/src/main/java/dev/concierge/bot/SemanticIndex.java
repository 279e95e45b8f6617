package dev.concierge.bot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;

/**
 * The semantic half of a {@link FaqIndex}: one Lucene document per phrasing holding its
 * embedding in a {@link KnnFloatVectorField} (an HNSW graph, dot product of unit vectors, i.e.
 * cosine similarity), searched for the phrasings nearest to the question. An entry's semantic
 * score is the similarity of its closest phrasing (plus, if weighted, of its second closest),
 * and it is fused with the lexical score (see {@link Semantics.Fusion}). Immutable and
 * thread-safe.
 */
final class SemanticIndex implements AutoCloseable {

    private static final String VECTOR = "v";
    private static final String PHRASING = "i";
    /** The constant of reciprocal-rank fusion: ranks below it matter about as much as each other. */
    private static final int RRF_K = 60;
    /** Words shorter than this are taken as typed (as the lexical matching's typo tolerance does). */
    private static final int MIN_TYPO_LENGTH = 4;

    private static final Pattern WORD = Pattern.compile("\\p{L}+");

    private final Semantics semantics;
    private final Directory directory = new ByteBuffersDirectory();
    private final DirectoryReader reader;
    private final IndexSearcher searcher;
    /** The entry of each phrasing, and the phrasing of each document. */
    private final int[] entryOfPhrasing;

    private final int[] phrasingOfDoc;
    /** The words of the phrasings, as spelt there, and typo tolerance towards them. */
    private final TermStats words;

    private final Spelling spelling;

    SemanticIndex(KnowledgeBase kb, Semantics semantics) {
        this.semantics = semantics;
        List<String> texts = new ArrayList<>();
        List<Integer> entries = new ArrayList<>();
        for (int i = 0; i < kb.entries().size(); i++) {
            for (String q : kb.entries().get(i).questions()) {
                texts.add(q);
                entries.add(i);
            }
        }
        entryOfPhrasing = entries.stream().mapToInt(Integer::intValue).toArray();
        Map<String, Integer> counts = new HashMap<>();
        for (String t : texts) {
            for (String w : new HashSet<>(wordsOf(t))) {
                counts.merge(w, 1, Integer::sum);
            }
        }
        words = new TermStats(counts, texts.size());
        spelling = new Spelling(words);
        List<float[]> vectors = semantics.phrasings(texts);
        try {
            IndexWriterConfig config = new IndexWriterConfig();
            // One segment, one graph: nothing to merge, and one graph to search.
            config.setRAMBufferSizeMB(512);
            try (IndexWriter writer = new IndexWriter(directory, config)) {
                for (int p = 0; p < texts.size(); p++) {
                    Document d = new Document();
                    d.add(new KnnFloatVectorField(VECTOR, vectors.get(p), VectorSimilarityFunction.DOT_PRODUCT));
                    d.add(new StoredField(PHRASING, p));
                    writer.addDocument(d);
                }
            }
            reader = DirectoryReader.open(directory);
            searcher = new IndexSearcher(reader);
            searcher.setQueryCache(null);
            phrasingOfDoc = new int[reader.maxDoc()];
            var stored = reader.storedFields();
            for (int doc = 0; doc < phrasingOfDoc.length; doc++) {
                phrasingOfDoc[doc] =
                        stored.document(doc).getField(PHRASING).numericValue().intValue();
            }
        } catch (IOException e) {
            throw new BotException("cannot index the knowledge base's embeddings: " + e.getMessage(), e);
        }
    }

    /**
     * Fuses the semantic ranking of a question with its lexical one.
     *
     * @param question the question, as asked
     * @param lexical  the lexical candidates with their scores, in any order
     * @return the candidates of either ranking with their fused scores, in any order
     */
    List<FaqIndex.Scored> fuse(String question, List<FaqIndex.Scored> lexical) {
        Semantics.Weights w = semantics.weights();
        Nearest found = nearest(semantics.question(question, this::forModel), w.nearest());
        Map<Integer, double[]> nearest = found.entries();
        // An entry none of whose phrasings is among the nearest is at most as close as the
        // farthest of them: that bound stands for its similarity.
        double floor = found.farthest();
        Map<Integer, double[]> both = new HashMap<>(); // entry -> {lexical, semantic}
        for (FaqIndex.Scored s : lexical) {
            both.put(s.entry(), new double[] {s.score(), Double.NaN});
        }
        for (Map.Entry<Integer, double[]> e : nearest.entrySet()) {
            double[] sims = e.getValue();
            double second = sims[1] > Double.NEGATIVE_INFINITY ? sims[1] : floor;
            double sem = Math.max(0, sims[0]) + w.second() * Math.max(0, second);
            both.computeIfAbsent(e.getKey(), k -> new double[] {0, Double.NaN})[1] = sem;
        }
        double floorScore = (1 + w.second()) * Math.max(0, floor);
        List<FaqIndex.Scored> out = new ArrayList<>(both.size());
        if (w.fusion() == Semantics.Fusion.RRF) {
            Map<Integer, Integer> lexRank = ranks(both, 0);
            Map<Integer, Integer> semRank = ranks(both, 1);
            for (Integer entry : both.keySet()) {
                double score = w.lexical() / (RRF_K + lexRank.get(entry)) + w.semantic() / (RRF_K + semRank.get(entry));
                out.add(new FaqIndex.Scored(entry, score * RRF_K));
            }
            return out;
        }
        for (Map.Entry<Integer, double[]> e : both.entrySet()) {
            double[] s = e.getValue();
            double sem = Double.isNaN(s[1]) ? floorScore : s[1];
            if (w.lexical() == 0 && Double.isNaN(s[1])) {
                continue; // ranked by the semantic score alone: only its own candidates
            }
            out.add(new FaqIndex.Scored(e.getKey(), w.lexical() * s[0] + w.semantic() * sem));
        }
        return out;
    }

    /**
     * A question as the model is given it: contractions expanded as for the lexical matching
     * ("cant" would be the noun to the model, "u" nothing), and a word the model has no token
     * for that is one or two typing slips from a word of the phrasings spelt as there
     * ("recieve" -> "receive", "orderd" -> "ordered"; the model cuts an unknown word into pieces
     * that mean little). Words the model knows stay as typed, even if the phrasings never use
     * them: it knows what "parcel" means.
     */
    String forModel(String question) {
        String text = TextAnalyzer.expandContractions(question);
        Matcher m = WORD.matcher(text);
        StringBuilder out = null;
        int last = 0;
        while (m.find()) {
            String word = m.group().toLowerCase(Locale.ROOT);
            if (word.length() < MIN_TYPO_LENGTH
                    || words.contains(word)
                    || semantics.embedder().knows(word)) {
                continue;
            }
            String fix = spelling.closest(word);
            if (fix != null) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 8);
                }
                out.append(text, last, m.start()).append(fix);
                last = m.end();
            }
        }
        return out == null ? text : out.append(text, last, text.length()).toString();
    }

    /** The lower-case words of a text. */
    private static List<String> wordsOf(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            out.add(m.group().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** Ranks (1 = best) of the entries by one of their two scores; a missing score ranks last. */
    private static Map<Integer, Integer> ranks(Map<Integer, double[]> both, int which) {
        List<Map.Entry<Integer, double[]>> sorted = new ArrayList<>(both.entrySet());
        sorted.sort((a, b) -> Double.compare(
                Double.isNaN(b.getValue()[which]) ? -1 : b.getValue()[which],
                Double.isNaN(a.getValue()[which]) ? -1 : a.getValue()[which]));
        Map<Integer, Integer> out = new HashMap<>();
        for (int i = 0; i < sorted.size(); i++) {
            out.put(sorted.get(i).getKey(), i + 1);
        }
        return out;
    }

    /**
     * The entries of the nearest phrasings, and the similarity of the farthest of those.
     */
    private record Nearest(Map<Integer, double[]> entries, double farthest) {}

    /**
     * The entries of the {@code k} phrasings nearest to a vector, each with the cosine
     * similarities of its closest and second closest of them (negative infinity if only one).
     */
    private Nearest nearest(float[] vector, int k) {
        ScoreDoc[] hits;
        try {
            hits = searcher.search(new KnnFloatVectorQuery(VECTOR, vector, k), k).scoreDocs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<Integer, double[]> out = new HashMap<>();
        double farthest = hits.length == 0 ? 0 : Double.MAX_VALUE;
        for (ScoreDoc hit : hits) {
            // Lucene scores a dot product of unit vectors as (1 + cosine) / 2.
            double cosine = 2.0 * hit.score - 1.0;
            farthest = Math.min(farthest, cosine);
            int entry = entryOfPhrasing[phrasingOfDoc[hit.doc]];
            double[] sims = out.get(entry);
            if (sims == null) {
                out.put(entry, new double[] {cosine, Double.NEGATIVE_INFINITY});
            } else if (cosine > sims[0]) {
                sims[1] = sims[0];
                sims[0] = cosine;
            } else if (cosine > sims[1]) {
                sims[1] = cosine;
            }
        }
        return new Nearest(out, farthest);
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
