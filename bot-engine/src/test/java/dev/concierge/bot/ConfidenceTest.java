package dev.concierge.bot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.bot.testing.SampleFaq;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ConfidenceTest {

    @Test
    void confidence_isInUnitIntervalAndRisesWithScoreAndMargin() {
        Confidence c = Confidence.DEFAULT;
        double weak = c.of(List.of(new FaqIndex.Scored(0, 0.2), new FaqIndex.Scored(1, 0.19)));
        double strong = c.of(List.of(new FaqIndex.Scored(0, 1.5), new FaqIndex.Scored(1, 0.19)));
        double clear = c.of(List.of(new FaqIndex.Scored(0, 1.5), new FaqIndex.Scored(1, 0.1)));
        assertThat(List.of(weak, strong, clear)).allSatisfy(v -> assertThat(v).isBetween(0.0, 1.0));
        assertThat(strong).isGreaterThan(weak);
        assertThat(clear).isGreaterThanOrEqualTo(strong);
        assertThat(c.of(List.of())).isLessThan(0.1);
    }

    @Test
    void candidates_rankedBelowTheBestHaveLowerConfidence() {
        Confidence c = Confidence.DEFAULT;
        List<FaqIndex.Scored> ranking =
                List.of(new FaqIndex.Scored(0, 1.2), new FaqIndex.Scored(1, 0.8), new FaqIndex.Scored(2, 0.3));
        assertThat(c.ofCandidate(ranking, 0)).isEqualTo(c.of(ranking));
        assertThat(c.ofCandidate(ranking, 1)).isLessThan(c.ofCandidate(ranking, 0));
        assertThat(c.ofCandidate(ranking, 2)).isLessThan(c.ofCandidate(ranking, 1));
    }

    @Test
    void calibrate_choosesThresholdFromKnowledgeBaseDeterministically() {
        KnowledgeBase kb = KnowledgeBaseFile.read(SampleFaq.FILE);
        try (Analysis analysis = new Analysis(Map.of())) {
            Confidence a = Calibrator.calibrate(kb, analysis, Tuning.DEFAULT, 0.9, 7);
            Confidence b = Calibrator.calibrate(kb, analysis, Tuning.DEFAULT, 0.9, 7);
            Confidence stricter = Calibrator.calibrate(kb, analysis, Tuning.DEFAULT, 0.97, 7);
            assertThat(a.threshold()).isEqualTo(b.threshold()).isBetween(0.05, 0.95);
            assertThat(a.weights()).containsExactly(b.weights());
            assertThat(stricter.threshold()).isGreaterThanOrEqualTo(a.threshold());
        }
    }

    @Test
    void calibrate_fallsBackOnTinyKnowledgeBase() {
        KnowledgeBase kb = new KnowledgeBase("en", List.of(FaqEntry.of("a", List.of("Hello world?"), "A.")));
        try (Analysis analysis = new Analysis(Map.of())) {
            assertThat(Calibrator.calibrate(kb, analysis, Tuning.DEFAULT, 0.9, 1))
                    .isSameAs(Confidence.DEFAULT);
        }
    }

    @Test
    void answer_exactQuestionIsMoreConfidentThanVagueOne() {
        FaqBot bot = SampleFaq.bot();
        assertThat(bot.answer("How do I reset my password?").confidence())
                .isGreaterThan(bot.answer("something about my account maybe").confidence());
    }

    @Test
    void calibrationFolds_takeEvenlyFromEveryEntry() {
        List<FaqEntry> entries = new java.util.ArrayList<>();
        for (int e = 0; e < 20; e++) {
            List<String> qs = new java.util.ArrayList<>();
            for (int q = 0; q < (e % 2 == 0 ? 5 : 12); q++) {
                qs.add("question " + q + " of " + e);
            }
            entries.add(FaqEntry.of("e" + e, qs, "a"));
        }
        KnowledgeBase kb = new KnowledgeBase("en", entries);
        List<List<int[]>> folds = Calibrator.stratifiedFolds(kb, new java.util.Random(3));
        assertThat(folds).hasSize(5);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (List<int[]> fold : folds) {
            int[] perEntry = new int[20];
            for (int[] p : fold) {
                perEntry[p[0]]++;
                assertThat(seen.add(p[0] + "/" + p[1])).isTrue();
            }
            for (int e = 0; e < 20; e++) {
                // Five phrasings: one hidden per fold; twelve: two or three.
                assertThat(perEntry[e]).isBetween(e % 2 == 0 ? 1 : 2, e % 2 == 0 ? 1 : 3);
            }
        }
        assertThat(seen).hasSize(10 * 5 + 10 * 12);
    }

    @Test
    void fit_convergesOnScoresFourTimesTheLexicalRange() {
        // Held-out samples shaped like the fused engine's with its weights summing to 4 rather
        // than 1: scores up to 6, a right answer likelier the higher the score and the margin.
        // A full Newton step from the prior overshoots there and the fit runs away.
        java.util.Random random = new java.util.Random(11);
        List<Calibrator.Sample> samples = new java.util.ArrayList<>();
        for (int i = 0; i < 600; i++) {
            double score = 2 + 4 * random.nextDouble();
            double margin = score * 0.4 * random.nextDouble();
            boolean right = random.nextDouble() < 1 / (1 + Math.exp(-(3 * (score - 4) + 4 * (margin - 0.6))));
            samples.add(new Calibrator.Sample(new double[] {score, margin, margin / score}, right, 1.0));
            double other = score * (0.7 + 0.2 * random.nextDouble());
            samples.add(new Calibrator.Sample(new double[] {other, 0.05 * other, 0.05}, false, 0.25));
        }
        Confidence model = new Confidence(Calibrator.fit(samples), 0.5);
        assertThat(java.util.Arrays.stream(model.weights()).allMatch(Double::isFinite))
                .isTrue();
        double right = 0;
        double wrong = 0;
        int rights = 0;
        for (Calibrator.Sample s : samples) {
            if (s.correct()) {
                right += model.of(s.features());
                rights++;
            } else {
                wrong += model.of(s.features());
            }
        }
        assertThat(right / rights).isGreaterThan(wrong / (samples.size() - rights) + 0.2);
    }
}
