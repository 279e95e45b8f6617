package dev.concierge.bot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.MultiTerms;
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
    private final int docCount;

    TermStats(IndexReader reader, String field) {
        try {
            this.docCount = Math.max(1, reader.getDocCount(field));
            Terms terms = MultiTerms.getTerms(reader, field);
            if (terms != null) {
                TermsEnum it = terms.iterator();
                for (BytesRef t = it.next(); t != null; t = it.next()) {
                    docFreq.put(t.utf8ToString(), it.docFreq());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean contains(String term) {
        return docFreq.containsKey(term);
    }

    int docFreq(String term) {
        return docFreq.getOrDefault(term, 0);
    }

    /** Lucene's BM25 idf of a term. */
    double idf(String term) {
        int df = docFreq(term);
        return Math.log(1 + (docCount - df + 0.5) / (df + 0.5));
    }

    /** Every term with its document frequency. */
    Map<String, Integer> all() {
        return Collections.unmodifiableMap(docFreq);
    }
}
