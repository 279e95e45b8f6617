package dev.concierge.bot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The character n-grams of each entry's words, scored for a few candidate entries: the
 * evidence that survives a different ending or a typo the spelling correction did not catch
 * ("verify" and "verification" share most of their trigrams where the stemmer keeps them
 * apart). Scored like the entry documents' words (BM25 with the same k1 and b, each n-gram
 * weighted by how focused it is on few entries, divided by the most the question could
 * score), but outside Lucene: a question has many n-grams, and a Lucene clause for each would
 * cost more than the rest of the query; only the candidates of the first pass need them.
 *
 * <p>Built once, then only read: thread-safe.
 */
final class CharacterNgrams {

    private final int length;
    private final Map<String, Integer> ids = new HashMap<>();
    /** For each n-gram: the entries that have it, ascending, and how often. */
    private final int[][] entries;

    private final int[][] freqs;
    /** For each n-gram: its weight, see {@link TermStats#weight}. */
    private final double[] weights;

    private final double[] norms;
    private final double unknownWeight;

    /**
     * @param byEntry the analysed phrasings and keywords of each entry, in entry order
     */
    CharacterNgrams(List<List<Analysis.Terms>> byEntry, int length, float k1, float b) {
        this.length = length;
        int entryCount = byEntry.size();
        List<Map<Integer, Integer>> counts = new ArrayList<>();
        long[] lengths = new long[entryCount];
        for (int e = 0; e < entryCount; e++) {
            Map<Integer, Integer> tf = new HashMap<>();
            for (Analysis.Terms terms : byEntry.get(e)) {
                for (String g : terms.ngrams(length)) {
                    tf.merge(ids.computeIfAbsent(g, k -> ids.size()), 1, Integer::sum);
                    lengths[e]++;
                }
            }
            counts.add(tf);
        }
        int[] df = new int[ids.size()];
        counts.forEach(tf -> tf.keySet().forEach(id -> df[id]++));
        entries = new int[ids.size()][];
        freqs = new int[ids.size()][];
        for (int id = 0; id < df.length; id++) {
            entries[id] = new int[df[id]];
            freqs[id] = new int[df[id]];
        }
        int[] filled = new int[ids.size()];
        for (int e = 0; e < entryCount; e++) {
            for (Map.Entry<Integer, Integer> x : counts.get(e).entrySet()) {
                int id = x.getKey();
                entries[id][filled[id]] = e;
                freqs[id][filled[id]++] = x.getValue();
            }
        }
        weights = new double[ids.size()];
        for (int id = 0; id < weights.length; id++) {
            weights[id] = TermStats.focus(freqs[id], entryCount);
        }
        unknownWeight = TermStats.idf(0, entryCount);
        double avg = Math.max(1, Arrays.stream(lengths).sum() / (double) Math.max(1, entryCount));
        norms = new double[entryCount];
        for (int e = 0; e < entryCount; e++) {
            norms[e] = k1 * (1 - b + b * lengths[e] / avg);
        }
    }

    /**
     * The n-gram score of each candidate, in [0, 1].
     *
     * @param question   the question's words, analysed and corrected
     * @param candidates entry numbers
     * @return scores aligned with {@code candidates}
     */
    double[] score(Analysis.Terms question, int[] candidates) {
        double[] out = new double[candidates.length];
        Set<String> grams = new HashSet<>(question.ngrams(length));
        if (grams.isEmpty() || candidates.length == 0) {
            return out;
        }
        int[] sorted = candidates.clone();
        Arrays.sort(sorted);
        double[] bySorted = new double[sorted.length];
        double most = 0;
        for (String g : grams) {
            Integer id = ids.get(g);
            if (id == null) {
                most += unknownWeight;
                continue;
            }
            double w = weights[id];
            most += w;
            if (w == 0) {
                continue;
            }
            // Both lists are ascending: walk them together.
            int[] es = entries[id];
            int[] fs = freqs[id];
            for (int i = 0, j = 0; i < es.length && j < sorted.length; ) {
                if (es[i] < sorted[j]) {
                    i++;
                } else if (es[i] > sorted[j]) {
                    j++;
                } else {
                    bySorted[j] += w * fs[i] / (fs[i] + norms[es[i]]);
                    i++;
                    j++;
                }
            }
        }
        for (int c = 0; c < candidates.length; c++) {
            out[c] = most == 0 ? 0 : bySorted[Arrays.binarySearch(sorted, candidates[c])] / most;
        }
        return out;
    }
}
