package dev.concierge.server.insights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * Groups similar missed questions with Lucene: every question goes into a small in-memory index
 * (stemmed, stop words removed, BM25), and searched with each question's own terms; the score
 * of another question, as a share of the best score, is their similarity (the larger of the two
 * directions). Then, greedily and newest first, each question not yet in a group takes every
 * ungrouped question at least {@code threshold} similar to it. Groups are
 * ranked by how often they were asked, then by how recently.
 */
final class QuestionGroups {
    /** The default share of a question's self-score a neighbour needs to join its group. */
    static final double DEFAULT_THRESHOLD = 0.4;

    private static final int MAX_QUESTIONS = 5_000;
    private static final int MAX_NEIGHBOURS = 1_000;

    /** A group of similar questions. */
    record Group(
            String id,
            String representative,
            int count,
            Instant lastAsked,
            List<Phrasing> questions,
            List<String> conversationIds,
            int lowConfidence) {}

    /** One distinct wording in a group, with how often it was asked. */
    record Phrasing(String text, int count) {}

    private QuestionGroups() {}

    /**
     * Groups the misses; {@code language} picks the analyzer (English stemming for "en").
     * {@code background} (the knowledge base's phrasings) is indexed too, never grouped: it
     * gives the term statistics a corpus of the shop's own language, so words every question
     * shares ("where", "my", "order") weigh little and the rare words that make two questions
     * alike ("parrot") weigh much, even when only a handful of questions were missed.
     */
    static List<Group> group(List<MissedQuestion> misses, String language, double threshold, List<String> background) {
        List<MissedQuestion> qs = misses.stream()
                .sorted(Comparator.comparing(MissedQuestion::at).reversed())
                .limit(MAX_QUESTIONS)
                .toList();
        if (qs.isEmpty()) {
            return List.of();
        }
        try (Analyzer analyzer = "en".equals(language) ? new EnglishAnalyzer() : new StandardAnalyzer();
                ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
            try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(analyzer))) {
                for (int i = 0; i < qs.size(); i++) {
                    Document d = new Document();
                    // TextField: analysed the same way as the query made from a question's terms.
                    d.add(new TextField("text", qs.get(i).text(), Field.Store.NO));
                    d.add(new StoredField("n", i));
                    w.addDocument(d);
                }
                for (String text : background) {
                    Document d = new Document();
                    d.add(new TextField("text", text, Field.Store.NO));
                    d.add(new StoredField("n", -1));
                    w.addDocument(d);
                }
            }
            // similarity[i] maps j to the score of question j against question i's terms, as a
            // share of question i's score against itself; two questions are as similar as the
            // larger of the two shares, so a short question can join a longer one.
            List<Map<Integer, Float>> similarity = new ArrayList<>();
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                for (int i = 0; i < qs.size(); i++) {
                    similarity.add(
                            neighbours(searcher, i, terms(analyzer, qs.get(i).text())));
                }
            }
            int[] groupOf = new int[qs.size()];
            Arrays.fill(groupOf, -1);
            List<List<Integer>> groups = new ArrayList<>();
            for (int i = 0; i < qs.size(); i++) {
                if (groupOf[i] >= 0) {
                    continue;
                }
                List<Integer> members = new ArrayList<>();
                members.add(i);
                groupOf[i] = groups.size();
                for (int j = i + 1; j < qs.size(); j++) {
                    if (groupOf[j] >= 0) {
                        continue;
                    }
                    float s = Math.max(
                            similarity.get(i).getOrDefault(j, 0f),
                            similarity.get(j).getOrDefault(i, 0f));
                    boolean sameWords = similarity.get(i).isEmpty()
                            && norm(qs.get(i).text()).equals(norm(qs.get(j).text()));
                    if (s >= threshold || sameWords) {
                        groupOf[j] = groups.size();
                        members.add(j);
                    }
                }
                groups.add(members);
            }
            List<Group> out = new ArrayList<>();
            for (List<Integer> members : groups) {
                out.add(describe(members.stream().map(qs::get).toList()));
            }
            out.sort(Comparator.comparingInt(Group::count)
                    .reversed()
                    .thenComparing(Comparator.comparing(Group::lastAsked).reversed()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("grouping questions failed", e);
        }
    }

    private static Group describe(List<MissedQuestion> members) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, String> wording = new LinkedHashMap<>();
        Set<String> conversations = new LinkedHashSet<>();
        Instant last = Instant.EPOCH;
        int low = 0;
        for (MissedQuestion m : members) {
            String key = norm(m.text());
            counts.merge(key, 1, Integer::sum);
            wording.putIfAbsent(key, m.text().trim());
            conversations.add(m.conversationId());
            last = m.at().isAfter(last) ? m.at() : last;
            low += m.lowConfidence() ? 1 : 0;
        }
        List<Phrasing> phrasings = counts.entrySet().stream()
                .map(e -> new Phrasing(wording.get(e.getKey()), e.getValue()))
                .sorted(Comparator.comparingInt(Phrasing::count).reversed())
                .toList();
        String representative = phrasings.get(0).text();
        // Stable across requests while the group's most asked wording stays the same.
        String id = "q" + Integer.toHexString(norm(representative).hashCode());
        return new Group(
                id,
                representative,
                members.size(),
                last,
                phrasings,
                conversations.stream().limit(20).toList(),
                low);
    }

    /** Every missed question's score against question {@code i}'s terms, as a share of its own. */
    private static Map<Integer, Float> neighbours(IndexSearcher searcher, int i, List<String> terms)
            throws IOException {
        Map<Integer, Float> out = new HashMap<>();
        if (terms.isEmpty()) {
            return out; // nothing but stop words: only the same words, letter for letter, join
        }
        BooleanQuery.Builder q = new BooleanQuery.Builder();
        new LinkedHashSet<>(terms).forEach(t -> q.add(new TermQuery(new Term("text", t)), BooleanClause.Occur.SHOULD));
        TopDocs top = searcher.search(q.build(), MAX_NEIGHBOURS);
        float self = 0;
        Map<Integer, Float> scores = new HashMap<>();
        for (ScoreDoc sd : top.scoreDocs) {
            int n = docNumber(searcher, sd);
            if (n >= 0) {
                scores.put(n, sd.score);
            }
            self = n == i ? sd.score : self;
        }
        if (self <= 0) {
            return out;
        }
        for (Map.Entry<Integer, Float> e : scores.entrySet()) {
            out.put(e.getKey(), Math.min(1f, e.getValue() / self));
        }
        return out;
    }

    private static int docNumber(IndexSearcher searcher, ScoreDoc sd) {
        try {
            return searcher.storedFields()
                    .document(sd.doc)
                    .getField("n")
                    .numericValue()
                    .intValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> terms(Analyzer analyzer, String text) throws IOException {
        List<String> out = new ArrayList<>();
        try (TokenStream ts = analyzer.tokenStream("text", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                out.add(term.toString());
            }
            ts.end();
        }
        return out;
    }

    private static String norm(String text) {
        return text.trim()
                .toLowerCase(Locale.ROOT)
                .replaceAll("[\\p{Punct}\\s]+", " ")
                .trim();
    }
}
