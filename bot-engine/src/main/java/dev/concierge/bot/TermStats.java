package dev.concierge.bot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.util.BytesRef;

/**
 * The document frequency of every term of one field, read once when the index is built, so
 * that a question's best possible score is known without a dictionary lookup per term. An
 * unknown term gets the idf of a term in no document: a question full of words the knowledge
 * base never uses can only score low.
 */
final class TermStats {

    private final Map<String, Integer> docFreq = new HashMap<>();
    private final Map<String, Double> weight = new HashMap<>();
    private final int docCount;

    TermStats(IndexReader reader, String field) {
        try {
            this.docCount = Math.max(1, reader.getDocCount(field));
            Terms terms = MultiTerms.getTerms(reader, field);
            if (terms != null) {
                TermsEnum it = terms.iterator();
                PostingsEnum postings = null;
                for (BytesRef t = it.next(); t != null; t = it.next()) {
                    String term = t.utf8ToString();
                    docFreq.put(term, it.docFreq());
                    postings = it.postings(postings, PostingsEnum.FREQS);
                    weight.put(term, focus(postings));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The statistics of words counted elsewhere (no index): document frequencies only. */
    TermStats(Map<String, Integer> docFreq, int docCount) {
        this.docFreq.putAll(docFreq);
        this.docCount = Math.max(1, docCount);
    }

    boolean contains(String term) {
        return docFreq.containsKey(term);
    }

    int docFreq(String term) {
        return docFreq.getOrDefault(term, 0);
    }

    /** Lucene's BM25 idf of a term. */
    double idf(String term) {
        return idf(docFreq(term), docCount);
    }

    /**
     * How much a term says about which document (entry) is meant, in [0, the idf of a term in one
     * document]: the idf of a term in one document, times one minus the entropy of the term's
     * occurrences over the documents (relative to the most it can be). A word that one entry uses
     * in most of its phrasings and others once each says more than its document frequency
     * alone tells; a word spread evenly says nothing. Unknown terms get the full weight, like
     * {@link #idf}.
     */
    double weight(String term) {
        Double w = weight.get(term);
        return w == null ? idf(term) : w;
    }

    private double focus(PostingsEnum postings) throws IOException {
        double total = 0;
        double sumFLogF = 0;
        for (int doc = postings.nextDoc(); doc != PostingsEnum.NO_MORE_DOCS; doc = postings.nextDoc()) {
            int f = postings.freq();
            total += f;
            sumFLogF += f * Math.log(f);
        }
        return focus(total, sumFLogF, docCount);
    }

    /** {@link #weight} of a term with these frequencies in the documents that have it. */
    static double focus(int[] freqs, int docCount) {
        double total = 0;
        double sumFLogF = 0;
        for (int f : freqs) {
            total += f;
            sumFLogF += f * Math.log(f);
        }
        return focus(total, sumFLogF, docCount);
    }

    private static double focus(double total, double sumFLogF, int docCount) {
        double top = idf(1, docCount);
        if (docCount < 2 || total == 0) {
            return top;
        }
        double entropy = Math.log(total) - sumFLogF / total;
        return top * Math.max(0, 1 - entropy / Math.log(docCount));
    }

    /** Lucene's BM25 idf. */
    static double idf(int docFreq, int docCount) {
        return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
    }

    /** Every term with its document frequency. */
    Map<String, Integer> all() {
        return Collections.unmodifiableMap(docFreq);
    }
}
