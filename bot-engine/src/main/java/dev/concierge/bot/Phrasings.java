package dev.concierge.bot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the phrasing closest to a question among the phrasings of a few candidate entries: a
 * second-pass rescorer (in the manner of Lucene's {@code QueryRescorer}) over small per-entry
 * postings of the analysed phrasings. The Lucene entry index has already picked the
 * candidates, so only their postings are read; each phrasing is scored with BM25 over its words
 * and word pairs, normalised like the entry fields (divided by the most the question could
 * score).
 */
final class Phrasings {

    private static final double K1 = 1.2;
    private static final double B = 0.75;

    /** The terms of one field: global ids and document frequencies over all phrasings. */
    private static final class Field {
        final Map<String, Integer> ids = new HashMap<>();
        final List<Integer> docFreq = new ArrayList<>();
        long totalLength;
    }

    /** One entry's phrasings: for each term id, pairs of (phrasing, term frequency). */
    private static final class EntryPostings {
        final Map<Integer, int[]> words = new HashMap<>();
        final Map<Integer, int[]> shingles = new HashMap<>();
        final List<int[]> lengths = new ArrayList<>();
        double[] wordNorms = new double[0];
        double[] shingleNorms = new double[0];
    }

    private final Field words = new Field();
    private final Field shingles = new Field();
    private final List<EntryPostings> entries = new ArrayList<>();
    private int count;

    /** Adds the next phrasing of an entry; entries are numbered from 0 in knowledge base order. */
    void add(int entry, Analysis.Terms terms) {
        while (entries.size() <= entry) {
            entries.add(new EntryPostings());
        }
        EntryPostings e = entries.get(entry);
        int local = e.lengths.size();
        e.lengths.add(new int[] {terms.words().size(), terms.shingles().size()});
        post(words, e.words, local, terms.words());
        post(shingles, e.shingles, local, terms.shingles());
        count++;
    }

    private static void post(Field field, Map<Integer, int[]> postings, int local, List<String> terms) {
        field.totalLength += terms.size();
        Map<Integer, Integer> tf = new HashMap<>();
        for (String t : terms) {
            Integer id = field.ids.get(t);
            if (id == null) {
                id = field.ids.size();
                field.ids.put(t, id);
                field.docFreq.add(0);
            }
            tf.merge(id, 1, Integer::sum);
        }
        tf.forEach((id, n) -> {
            field.docFreq.set(id, field.docFreq.get(id) + 1);
            int[] old = postings.getOrDefault(id, new int[0]);
            int[] grown = java.util.Arrays.copyOf(old, old.length + 2);
            grown[old.length] = local;
            grown[old.length + 1] = n;
            postings.put(id, grown);
        });
    }

    /** Ends building: computes the length norms. */
    Phrasings finish() {
        double avgWords = Math.max(1, (double) words.totalLength / Math.max(1, count));
        double avgShingles = Math.max(1, (double) shingles.totalLength / Math.max(1, count));
        for (EntryPostings e : entries) {
            e.wordNorms = new double[e.lengths.size()];
            e.shingleNorms = new double[e.lengths.size()];
            for (int i = 0; i < e.lengths.size(); i++) {
                e.wordNorms[i] = K1 * (1 - B + B * e.lengths.get(i)[0] / avgWords);
                e.shingleNorms[i] = K1 * (1 - B + B * e.lengths.get(i)[1] / avgShingles);
            }
        }
        return this;
    }

    /**
     * The score of each candidate entry's closest phrasing.
     *
     * @param candidates entry numbers
     * @return scores aligned with {@code candidates}
     */
    double[] closest(QueryTerms t, Set<String> fuzzy, int[] candidates, double shingleWeight, double fuzzyWeight) {
        int[] wordIds = new int[t.words().size()];
        double[] wordWeights = weights(words, t.words(), fuzzy, 1.0, fuzzyWeight, wordIds);
        int[] shingleIds = new int[t.shingles().size()];
        double[] shingleWeights = weights(shingles, t.shingles(), fuzzy, shingleWeight, fuzzyWeight, shingleIds);
        double[] out = new double[candidates.length];
        for (int c = 0; c < candidates.length; c++) {
            if (candidates[c] >= entries.size()) {
                continue;
            }
            EntryPostings e = entries.get(candidates[c]);
            double[] acc = new double[e.lengths.size()];
            accumulate(e.words, e.wordNorms, wordIds, wordWeights, acc);
            accumulate(e.shingles, e.shingleNorms, shingleIds, shingleWeights, acc);
            for (double s : acc) {
                out[c] = Math.max(out[c], s);
            }
        }
        return out;
    }

    private static void accumulate(Map<Integer, int[]> postings, double[] norms, int[] ids, double[] weights,
                                   double[] acc) {
        for (int i = 0; i < ids.length; i++) {
            if (weights[i] == 0) {
                continue;
            }
            int[] p = postings.get(ids[i]);
            if (p == null) {
                continue;
            }
            for (int k = 0; k < p.length; k += 2) {
                int tf = p[k + 1];
                acc[p[k]] += weights[i] * tf / (tf + norms[p[k]]);
            }
        }
    }

    /** Each term's share of the most the question could score (unknown terms only lower the others). */
    private double[] weights(Field field, List<String> terms, Set<String> fuzzy, double weight, double fuzzyWeight,
                             int[] ids) {
        double[] w = new double[terms.size()];
        double sum = 0;
        for (int i = 0; i < terms.size(); i++) {
            Integer id = field.ids.get(terms.get(i));
            int df = id == null ? 0 : field.docFreq.get(id);
            double idf = Math.log(1 + (count - df + 0.5) / (df + 0.5));
            sum += idf;
            ids[i] = id == null ? -1 : id;
            w[i] = id == null ? 0 : idf * (fuzzy.contains(terms.get(i)) ? fuzzyWeight : 1);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = sum == 0 ? 0 : weight * w[i] / sum;
        }
        return w;
    }
}
