package dev.concierge.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The parts of matching beyond analysis: term focus, character n-grams, closest phrasing, the first pass. */
final class MatchingTest {

    private static final Analysis ANALYSIS = new Analysis(Map.of());

    @AfterAll
    static void close() {
        ANALYSIS.close();
    }

    private static Analysis.Terms terms(String text) {
        return ANALYSIS.terms(Language.ENGLISH, text);
    }

    @Test
    void focus_wordUsedMostlyByOneEntryOutweighsWordSpreadEvenly() {
        double concentrated = TermStats.focus(new int[] {8, 1, 1}, 20);
        double even = TermStats.focus(new int[] {3, 3, 3}, 20);
        double everywhere = TermStats.focus(new int[] {1, 1, 1, 1}, 4);
        assertThat(concentrated).isGreaterThan(even);
        assertThat(TermStats.focus(new int[] {5}, 20)).isEqualTo(TermStats.idf(1, 20), within(1e-12));
        assertThat(everywhere).isZero();
        assertThat(TermStats.focus(new int[] {2}, 1)).isPositive();
    }

    @Test
    void idWords_splitAtSeparatorsAndCaseChangesWithoutNumbers() {
        assertThat(FaqIndex.idWords("refund-time")).isEqualTo("refund time");
        assertThat(FaqIndex.idWords("card_arrival")).isEqualTo("card arrival");
        assertThat(FaqIndex.idWords("orderStatus")).isEqualTo("order Status");
        assertThat(FaqIndex.idWords("faq-12")).isEqualTo("faq");
        assertThat(FaqIndex.idWords("42")).isEmpty();
    }

    @Test
    void entryId_countsAsOnePhrasing() {
        // No phrasing says "exchange rate"; only the id of the first entry does.
        KnowledgeBase kb = new KnowledgeBase(
                "en",
                List.of(
                        FaqEntry.of("exchange-rate", List.of("What is my money worth abroad?"), "a"),
                        FaqEntry.of("card-payment", List.of("Was the rate applied to my card payment right?"), "b"),
                        FaqEntry.of("q3", List.of("How do I change my address?"), "c")));
        try (FaqIndex index = new FaqIndex(kb, ANALYSIS, Tuning.DEFAULT)) {
            assertThat(index.rank("what is the exchange rate", 3).get(0).entry())
                    .isZero();
        }
    }

    @Test
    void ngrams_frameEachWordAndKeepShortWordsWhole() {
        Analysis.Terms t = new Analysis.Terms(List.of("the", "verify", "id"), List.of("verify", "id"));
        assertThat(t.ngrams(3)).containsExactly("^ve", "ver", "eri", "rif", "ify", "fy$", "^id", "id$");
        assertThat(t.ngrams(4)).endsWith("^id$");
    }

    @Test
    void characterNgrams_matchAnotherFormOfTheWordOnlyAmongCandidates() {
        List<List<Analysis.Terms>> entries = List.of(
                List.of(terms("How do I verify my identity?")),
                List.of(terms("Where is my parcel?")),
                List.of(terms("Can I change my address?")));
        CharacterNgrams ngrams = new CharacterNgrams(entries, 3, 2f, 1f);
        Analysis.Terms question = terms("identification verification");
        double[] scores = ngrams.score(question, new int[] {1, 0, 2});
        assertThat(scores[1]).isGreaterThan(scores[0]).isGreaterThan(0.1).isLessThanOrEqualTo(1.0);
        assertThat(scores[2]).isLessThan(scores[1]);
        assertThat(ngrams.score(question, new int[0])).isEmpty();
        assertThat(ngrams.score(terms("zzzz qqqq"), new int[] {0, 1, 2})).containsOnly(0.0);
    }

    @Test
    void closestPhrasing_scoresEachCandidateByItsBestPhrasingOnly() {
        Phrasings p = new Phrasings();
        p.add(0, terms("How do I reset my password?"));
        p.add(0, terms("I forgot my password"));
        p.add(2, terms("Where is my order?")); // entry 1 has no phrasing
        p.add(2, terms("Has my order shipped yet?"));
        p.finish();
        QueryTerms q = QueryTerms.of(terms("has my order shipped"));
        double[] s = p.closest(q, Set.of(), new int[] {2, 1, 0, 7}, 0.5, 0.8);
        assertThat(s[0]).isGreaterThan(0.5);
        assertThat(s[1]).isZero();
        assertThat(s[2]).isLessThan(s[0]);
        assertThat(s[3]).isZero();
    }

    @Test
    void rank_onKnowledgeBaseLargerThanTheFirstPass_findsTheEntry() {
        List<FaqEntry> entries = new ArrayList<>();
        for (int i = 0; i < FaqIndex.FIRST_PASS * 3; i++) {
            entries.add(FaqEntry.of(
                    "e" + i,
                    List.of("How do I configure device number " + i + " at home?", "Setting up device " + i),
                    "A" + i));
        }
        entries.add(FaqEntry.of("descale", List.of("How do I descale the espresso machine at home?"), "Descale."));
        KnowledgeBase kb = new KnowledgeBase("en", entries);
        try (FaqIndex index = new FaqIndex(kb, ANALYSIS, Tuning.DEFAULT)) {
            List<FaqIndex.Scored> ranking = index.rank("descaling my espresso machine", 4);
            assertThat(ranking).hasSizeLessThanOrEqualTo(4);
            assertThat(kb.entries().get(ranking.get(0).entry()).id()).isEqualTo("descale");
            assertThat(index.rank("how do I configure device 42", 10))
                    .hasSize(10)
                    .isSortedAccordingTo((a, b) -> Double.compare(b.score(), a.score()));
        }
    }
}
