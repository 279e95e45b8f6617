package dev.concierge.bot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typo tolerance: a question word the knowledge base never uses is replaced by the closest
 * word it does use, within one edit (two for long words; a transposition is one edit), with
 * the same first letter; among equally close words the one that shares the longest start with
 * it (people mistype the ends of words more often than their beginnings: "mony" is "money"
 * rather than "many"), then the most common one. Candidates are found through an
 * index of the vocabulary's deletions built once per snapshot (the "symmetric delete" method),
 * so a lookup costs microseconds; only unknown words are looked up, so a correct question
 * costs nothing.
 */
final class Spelling {

    /**
     * A question after correction.
     *
     * @param terms the analysed question with unknown words replaced
     * @param fuzzy the replacements, which count for less than exact matches
     */
    record Corrected(Analysis.Terms terms, Set<String> fuzzy) {}

    private static final int MIN_LENGTH = 4;
    private static final int TWO_EDITS_FROM = 8;

    private final TermStats vocabulary;
    private final Map<String, List<String>> deletions = new HashMap<>();

    Spelling(TermStats vocabulary) {
        this.vocabulary = vocabulary;
        for (String term : vocabulary.all().keySet()) {
            if (term.length() >= MIN_LENGTH - 1 && !isNumber(term)) {
                for (String d : deletes(term, maxEdits(term.length() + 1))) {
                    deletions.computeIfAbsent(d, k -> new ArrayList<>(2)).add(term);
                }
            }
        }
    }

    Corrected correct(Analysis.Terms terms, Analysis analysis, Language lang) {
        Map<String, String> fixes = null;
        for (String w : terms.words()) {
            if (!vocabulary.contains(w) && w.length() >= MIN_LENGTH && !isNumber(w)) {
                String fix = closest(w);
                if (fix != null && !analysis.isStopWord(lang, fix)) {
                    if (fixes == null) {
                        fixes = new HashMap<>();
                    }
                    fixes.put(w, fix);
                }
            }
        }
        if (fixes == null) {
            return new Corrected(terms, Set.of());
        }
        return new Corrected(
                new Analysis.Terms(replace(terms.all(), fixes), replace(terms.words(), fixes)),
                new HashSet<>(fixes.values()));
    }

    /** The closest known word, or null when none is close enough. */
    String closest(String word) {
        int maxEdits = maxEdits(word.length());
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int bestPrefix = -1;
        int bestFreq = -1;
        for (String d : deletes(word, maxEdits)) {
            for (String candidate : deletions.getOrDefault(d, List.of())) {
                if (candidate.charAt(0) != word.charAt(0)) {
                    continue;
                }
                int distance = distance(word, candidate);
                int prefix = commonPrefix(word, candidate);
                int freq = vocabulary.docFreq(candidate);
                if (distance <= maxEdits
                        && (distance < bestDistance
                                || distance == bestDistance
                                        && (prefix > bestPrefix || prefix == bestPrefix && freq > bestFreq))) {
                    best = candidate;
                    bestDistance = distance;
                    bestPrefix = prefix;
                    bestFreq = freq;
                }
            }
        }
        return best;
    }

    /** The length of the common start of two words. */
    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private static int maxEdits(int length) {
        return length >= TWO_EDITS_FROM ? 2 : 1;
    }

    /** The word and every string made by deleting up to {@code edits} characters from it. */
    private static Set<String> deletes(String word, int edits) {
        Set<String> out = new HashSet<>();
        out.add(word);
        List<String> frontier = List.of(word);
        for (int e = 0; e < edits; e++) {
            List<String> next = new ArrayList<>();
            for (String w : frontier) {
                for (int i = 0; i < w.length(); i++) {
                    String d = w.substring(0, i) + w.substring(i + 1);
                    if (out.add(d)) {
                        next.add(d);
                    }
                }
            }
            frontier = next;
        }
        return out;
    }

    /** Optimal string alignment distance: Levenshtein with adjacent transpositions. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private static List<String> replace(List<String> terms, Map<String, String> fixes) {
        List<String> out = new ArrayList<>(terms.size());
        for (String t : terms) {
            out.add(fixes.getOrDefault(t, t));
        }
        return out;
    }

    private static boolean isNumber(String w) {
        for (int i = 0; i < w.length(); i++) {
            if (!Character.isDigit(w.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
