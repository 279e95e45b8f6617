package dev.concierge.bot;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A question analysed once for every field it is matched against.
 *
 * @param words    distinct stemmed words, stop words dropped
 * @param shingles distinct adjacent word pairs, stop words kept
 * @param keyTerms every run of one to four words, joined with '_', to look keywords and
 *                 phrases up (they are indexed the same way) as exact terms
 */
record QueryTerms(List<String> words, List<String> shingles, List<String> keyTerms) {

    private static final int MAX_KEY_WORDS = 4;

    static QueryTerms of(Analysis.Terms terms) {
        List<String> all = terms.all();
        LinkedHashSet<String> keys = new LinkedHashSet<>();
        for (int i = 0; i < all.size(); i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = i; j < Math.min(all.size(), i + MAX_KEY_WORDS); j++) {
                if (j > i) {
                    sb.append('_');
                }
                sb.append(all.get(j));
                keys.add(sb.toString());
            }
        }
        return new QueryTerms(distinct(terms.words()), distinct(terms.shingles()), List.copyOf(keys));
    }

    /** A keyword or phrase as one term: its analysed words joined with '_'. */
    static String joined(Analysis.Terms terms) {
        return String.join("_", terms.all());
    }

    private static List<String> distinct(List<String> terms) {
        return new ArrayList<>(new LinkedHashSet<>(terms));
    }
}
