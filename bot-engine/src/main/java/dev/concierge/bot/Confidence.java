package dev.concierge.bot;

import java.util.List;

/**
 * Turns the matcher's raw scores into a confidence in [0, 1]: a logistic model over features of
 * the ranking (how well the best entry matches, and by how much it beats the runner-up), fitted
 * by {@link Calibrator} on held-out phrasings of the knowledge base itself.
 *
 * @param weights   bias first, then one weight per feature
 * @param threshold the confidence below which the bot does not answer
 */
record Confidence(double[] weights, double threshold) {

    /**
     * The prior: what calibration gives on a typical small knowledge base (the sample shop FAQ,
     * 37 entries). Used as is when there are too few phrasings to calibrate on, and as the
     * centre that fitting shrinks towards otherwise.
     */
    static final Confidence DEFAULT = new Confidence(new double[] {-3.0, 2.5, 1.0, 1.5}, 0.6);

    /** The number of features, bias excluded. */
    static final int FEATURES = 3;

    /** Features of a ranking, best first; the ranking may be empty. */
    static double[] features(List<FaqIndex.Scored> ranking) {
        return ranking.isEmpty() ? new double[FEATURES] : features(ranking, 0);
    }

    /**
     * Features of one candidate: how well it matches, and by how much it beats the best other
     * candidate (negative for any but the first).
     */
    static double[] features(List<FaqIndex.Scored> ranking, int position) {
        double score = ranking.get(position).score();
        double other = 0;
        for (int i = 0; i < ranking.size(); i++) {
            if (i != position) {
                other = Math.max(other, ranking.get(i).score());
            }
        }
        double margin = score - other;
        return new double[] {score, margin, score <= 0 ? 0 : margin / score};
    }

    /** The confidence of the best entry of a ranking. */
    double of(List<FaqIndex.Scored> ranking) {
        return of(features(ranking));
    }

    double of(double[] features) {
        double z = weights[0];
        for (int i = 0; i < features.length; i++) {
            z += weights[i + 1] * features[i];
        }
        return 1 / (1 + Math.exp(-z));
    }

    /** The confidence of any candidate of a ranking: the model applied as if it were the answer. */
    double ofCandidate(List<FaqIndex.Scored> ranking, int position) {
        return of(features(ranking, position));
    }

    /** The same model with another threshold. */
    Confidence withThreshold(double t) {
        return new Confidence(weights, t);
    }
}
