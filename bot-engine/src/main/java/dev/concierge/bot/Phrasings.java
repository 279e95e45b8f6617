package dev.concierge.bot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the phrasing closest to a question among the phrasings of a few candidate entries: a
 * second-pass rescorer (in the manner of Lucene's {@code QueryRescorer}) over postings of the
 * analysed phrasings. The Lucene entry index has already picked the candidates, so only their
 * stretch of each posting list is read. Each phrasing is scored with BM25 over its words and
 * word pairs, normalised like the entry fields (divided by the most the question could score).
 *
 * <p>Phrasings are numbered in knowledge base order, so an entry's phrasings are one range of
 * numbers, and each posting list (phrasing numbers, ascending, with term frequencies) is
 * searched for that range by binary search. Everything is in primitive arrays, built once and
 * only read afterwards: thread-safe, and a question allocates only a few small arrays.
 */
final class Phrasings {

    private static final double K1 = 1.2;
    private static final double B = 0.75;

    /** The postings of one field. */
    private static final class Field {
        final Map<String, Integer> ids = new HashMap<>();
        final List<IntPairs> building = new ArrayList<>();
        int[][] docs;
        int[][] freqs;
        int[] lengths = new int[16];
        double[] norms;
        long totalLength;
    }

    /** A growable list of (phrasing, frequency) pairs. */
    private static final class IntPairs {
        int[] docs = new int[4];
        int[] freqs = new int[4];
        int size;

        void add(int doc, int freq) {
            if (size == docs.length) {
                docs = Arrays.copyOf(docs, size * 2);
                freqs = Arrays.copyOf(freqs, size * 2);
            }
            docs[size] = doc;
            freqs[size++] = freq;
        }
    }

    private final Field words = new Field();
    private final Field shingles = new Field();
    /** entryStart[e] is the number of the first phrasing of entry e; one more slot at the end. */
    private int[] entryStart = new int[16];

    private int entries;
    private int count;
    private int largestEntry;

    /** Adds the next phrasing of an entry; entries are numbered from 0 in knowledge base order. */
    void add(int entry, Analysis.Terms terms) {
        if (entry < entries - 1) {
            throw new IllegalStateException("phrasings must be added in entry order");
        }
        while (entries <= entry) {
            if (entryStart.length <= entries + 1) {
                entryStart = Arrays.copyOf(entryStart, entryStart.length * 2);
            }
            entryStart[entries++] = count;
        }
        post(words, count, terms.words());
        post(shingles, count, terms.shingles());
        count++;
        entryStart[entries] = count;
    }

    private static void post(Field field, int doc, List<String> terms) {
        if (field.lengths.length <= doc) {
            field.lengths = Arrays.copyOf(field.lengths, Math.max(doc + 1, field.lengths.length * 2));
        }
        field.lengths[doc] = terms.size();
        field.totalLength += terms.size();
        Map<Integer, Integer> tf = new HashMap<>();
        for (String t : terms) {
            Integer id = field.ids.get(t);
            if (id == null) {
                id = field.ids.size();
                field.ids.put(t, id);
                field.building.add(new IntPairs());
            }
            tf.merge(id, 1, Integer::sum);
        }
        tf.forEach((id, n) -> field.building.get(id).add(doc, n));
    }

    /** Ends building: freezes the postings and computes the length norms. */
    Phrasings finish() {
        entryStart = Arrays.copyOf(entryStart, entries + 1);
        entryStart[entries] = count;
        for (int e = 0; e < entries; e++) {
            largestEntry = Math.max(largestEntry, entryStart[e + 1] - entryStart[e]);
        }
        for (Field f : List.of(words, shingles)) {
            int n = f.building.size();
            f.docs = new int[n][];
            f.freqs = new int[n][];
            for (int i = 0; i < n; i++) {
                IntPairs p = f.building.get(i);
                f.docs[i] = Arrays.copyOf(p.docs, p.size);
                f.freqs[i] = Arrays.copyOf(p.freqs, p.size);
            }
            f.building.clear();
            double avg = Math.max(1, (double) f.totalLength / Math.max(1, count));
            f.norms = new double[count];
            for (int d = 0; d < count; d++) {
                f.norms[d] = K1 * (1 - B + B * f.lengths[d] / avg);
            }
            f.lengths = null;
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
        double[] acc = new double[largestEntry];
        for (int c = 0; c < candidates.length; c++) {
            int e = candidates[c];
            if (e < 0 || e >= entries) {
                continue;
            }
            int from = entryStart[e];
            int to = entryStart[e + 1];
            Arrays.fill(acc, 0, to - from, 0);
            accumulate(words, wordIds, wordWeights, from, to, acc);
            accumulate(shingles, shingleIds, shingleWeights, from, to, acc);
            double best = 0;
            for (int i = 0; i < to - from; i++) {
                best = Math.max(best, acc[i]);
            }
            out[c] = best;
        }
        return out;
    }

    /** Adds each query term's BM25 score to the phrasings numbered from {@code from} to {@code to}. */
    private static void accumulate(Field field, int[] ids, double[] weights, int from, int to, double[] acc) {
        for (int i = 0; i < ids.length; i++) {
            if (weights[i] == 0) {
                continue;
            }
            int[] docs = field.docs[ids[i]];
            int[] freqs = field.freqs[ids[i]];
            int k = Arrays.binarySearch(docs, from);
            for (k = k < 0 ? -k - 1 : k; k < docs.length && docs[k] < to; k++) {
                int tf = freqs[k];
                acc[docs[k] - from] += weights[i] * tf / (tf + field.norms[docs[k]]);
            }
        }
    }

    /** Each term's share of the most the question could score (unknown terms only lower the others). */
    private double[] weights(
            Field field, List<String> terms, Set<String> fuzzy, double weight, double fuzzyWeight, int[] ids) {
        double[] w = new double[terms.size()];
        double sum = 0;
        for (int i = 0; i < terms.size(); i++) {
            Integer id = field.ids.get(terms.get(i));
            int df = id == null ? 0 : field.docs[id].length;
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
