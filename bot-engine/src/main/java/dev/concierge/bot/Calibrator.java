package dev.concierge.bot;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Fits {@link Confidence} on the knowledge base itself, never on test data: k-fold
 * cross-validation over the phrasings (each held-out phrasing is asked of an index built
 * without it). Each held-out question gives two samples: the ranking as it is (right or wrong),
 * and the ranking with its own entry removed, which is what an out-of-scope question close to
 * the knowledge base looks like (always wrong). A logistic model is fitted on them, and the
 * threshold is the lowest confidence at which the held-out answers reach the target precision.
 */
final class Calibrator {

    private static final int FOLDS = 5;
    private static final int MAX_QUESTIONS = 1200;
    /** Each held-out question gives one in-scope and one out-of-scope sample: this weight
     *  makes out-of-scope questions a fifth of what the bot is asked. */
    private static final double OUT_OF_SCOPE_WEIGHT = 0.25;
    /** Below this many held-out questions the threshold is not estimated but taken from the prior. */
    private static final int MIN_QUESTIONS = 60;
    /** Strength of the pull towards the prior weights, in samples. */
    private static final double PRIOR_STRENGTH = 10;

    private static final double MIN_THRESHOLD = 0.05;
    private static final double MAX_THRESHOLD = 0.95;

    /** One held-out question: its features, whether the answer would be right, its weight. */
    record Sample(double[] features, boolean correct, double weight) {}

    private Calibrator() {}

    static Confidence calibrate(KnowledgeBase kb, Analysis analysis, Tuning tuning, double targetPrecision, long seed) {
        List<int[]> phrasings = new ArrayList<>();
        for (int e = 0; e < kb.entries().size(); e++) {
            for (int q = 0; q < kb.entries().get(e).questions().size(); q++) {
                phrasings.add(new int[] {e, q});
            }
        }
        if (kb.entries().size() < 3
                || phrasings.size() < 2 * kb.entries().size()
                || phrasings.size() < MIN_QUESTIONS / 2) {
            return Confidence.DEFAULT;
        }
        Random random = new Random(seed);
        List<List<int[]>> byFold = stratifiedFolds(kb, random);
        // A big knowledge base needs only one or two folds to give enough held-out questions,
        // which keeps loading fast.
        int foldSize = (phrasings.size() + FOLDS - 1) / FOLDS;
        int folds = Math.min(FOLDS, (MAX_QUESTIONS + foldSize - 1) / foldSize);
        List<Sample> samples = new ArrayList<>();
        for (int fold = 0; fold < folds && fold < byFold.size(); fold++) {
            List<int[]> hidden = byFold.get(fold);
            ask(
                    kb,
                    hidden,
                    hidden.subList(0, Math.min(hidden.size(), MAX_QUESTIONS / folds)),
                    analysis,
                    tuning,
                    samples);
        }
        Confidence model = new Confidence(fit(samples), Confidence.DEFAULT.threshold());
        return samples.size() < 2 * MIN_QUESTIONS
                ? model
                : model.withThreshold(threshold(samples, model, targetPrecision));
    }

    /** Folds of a fifth of the phrasings each, drawn at random. */
    private static List<List<int[]>> randomFolds(List<int[]> phrasings, Random random) {
        List<int[]> shuffled = new ArrayList<>(phrasings);
        Collections.shuffle(shuffled, random);
        int foldSize = (shuffled.size() + FOLDS - 1) / FOLDS;
        List<List<int[]>> out = new ArrayList<>();
        for (int start = 0; start < shuffled.size(); start += foldSize) {
            out.add(shuffled.subList(start, Math.min(shuffled.size(), start + foldSize)));
        }
        return out;
    }

    /**
     * Folds of a fifth of the phrasings each, taken evenly from every entry: fold f hides the
     * phrasings an entry deals to it in turn (from a random start), so no entry loses more than
     * a fifth of its phrasings (rounded up) in one fold. Random folds can leave an entry of five
     * phrasings with two, a knowledge base harsher than the one that answers.
     */
    static List<List<int[]>> stratifiedFolds(KnowledgeBase kb, Random random) {
        List<List<int[]>> out = new ArrayList<>();
        for (int f = 0; f < FOLDS; f++) {
            out.add(new ArrayList<>());
        }
        for (int e = 0; e < kb.entries().size(); e++) {
            List<Integer> order = new ArrayList<>();
            for (int q = 0; q < kb.entries().get(e).questions().size(); q++) {
                order.add(q);
            }
            Collections.shuffle(order, random);
            int start = random.nextInt(FOLDS);
            for (int i = 0; i < order.size(); i++) {
                out.get((start + i) % FOLDS).add(new int[] {e, order.get(i)});
            }
        }
        for (List<int[]> fold : out) {
            Collections.shuffle(fold, random);
        }
        return out;
    }

    /** Asks held-out phrasings of an index built without the hidden ones, and records samples. */
    private static void ask(
            KnowledgeBase kb,
            List<int[]> hidden,
            List<int[]> asked,
            Analysis analysis,
            Tuning tuning,
            List<Sample> samples) {
        try (FaqIndex index = new FaqIndex(without(kb, hidden), analysis, tuning)) {
            for (int[] p : asked) {
                String question = kb.entries().get(p[0]).questions().get(p[1]);
                List<FaqIndex.Scored> ranking = index.rank(question, 4);
                boolean right = !ranking.isEmpty() && ranking.get(0).entry() == p[0];
                samples.add(new Sample(Confidence.features(ranking), right, 1.0));
                List<FaqIndex.Scored> others = new ArrayList<>(ranking);
                others.removeIf(s -> s.entry() == p[0]);
                samples.add(new Sample(Confidence.features(others), false, OUT_OF_SCOPE_WEIGHT));
            }
        }
    }

    /** The knowledge base without the hidden phrasings (an entry may be left with none). */
    private static KnowledgeBase without(KnowledgeBase kb, List<int[]> hiddenPhrasings) {
        boolean[][] hidden = new boolean[kb.entries().size()][];
        for (int e = 0; e < hidden.length; e++) {
            hidden[e] = new boolean[kb.entries().get(e).questions().size()];
        }
        for (int[] p : hiddenPhrasings) {
            hidden[p[0]][p[1]] = true;
        }
        List<FaqEntry> entries = new ArrayList<>();
        for (int e = 0; e < kb.entries().size(); e++) {
            FaqEntry entry = kb.entries().get(e);
            List<String> kept = new ArrayList<>();
            for (int q = 0; q < entry.questions().size(); q++) {
                if (!hidden[e][q]) {
                    kept.add(entry.questions().get(q));
                }
            }
            entries.add(new FaqEntry(
                    entry.id(),
                    kept,
                    entry.keywords(),
                    entry.phrases(),
                    entry.answer(),
                    entry.tags(),
                    entry.language(),
                    entry.followUps()));
        }
        return new KnowledgeBase(kb.language(), entries);
    }

    /** The lowest threshold at which the weighted precision of held-out answers reaches the target. */
    private static double threshold(List<Sample> samples, Confidence model, double target) {
        List<double[]> scored = new ArrayList<>();
        for (Sample s : samples) {
            scored.add(new double[] {model.of(s.features()), s.correct() ? s.weight() : 0, s.weight()});
        }
        scored.sort((a, b) -> Double.compare(b[0], a[0]));
        double right = 0;
        double all = 0;
        double best = MAX_THRESHOLD;
        for (double[] s : scored) {
            right += s[1];
            all += s[2];
            if (all >= 5 && right / all >= target) {
                best = s[0];
            }
        }
        return Math.max(MIN_THRESHOLD, Math.min(MAX_THRESHOLD, best));
    }

    /**
     * Weighted logistic regression by Newton's method, with a Gaussian prior centred on the
     * default weights: with few samples the fit stays near them, with many the data decides.
     */
    static double[] fit(List<Sample> samples) {
        int d = Confidence.FEATURES + 1;
        double[] prior = Confidence.DEFAULT.weights();
        double[] w = prior.clone();
        // The prior is worth PRIOR_STRENGTH samples in every feature, whatever its scale: each
        // weight's pull is what that many samples (at p = 1/2) add to its curvature. One pull
        // for all would hold the weights of small features (the margins, mostly below 0.3) at
        // their defaults long after the data has spoken for the score.
        double[] lambda = new double[d];
        double total = 0;
        for (Sample s : samples) {
            total += s.weight();
            double[] x = withBias(s.features());
            for (int i = 0; i < d; i++) {
                lambda[i] += s.weight() * x[i] * x[i];
            }
        }
        for (int i = 0; i < d; i++) {
            lambda[i] = PRIOR_STRENGTH * 0.25 * lambda[i] / Math.max(1e-9, total) + 1e-6;
        }
        for (int iter = 0; iter < 25; iter++) {
            double[] grad = new double[d];
            double[][] hess = new double[d][d];
            for (Sample s : samples) {
                double[] x = withBias(s.features());
                double z = 0;
                for (int i = 0; i < d; i++) {
                    z += w[i] * x[i];
                }
                double p = 1 / (1 + Math.exp(-z));
                double y = s.correct() ? 1 : 0;
                for (int i = 0; i < d; i++) {
                    grad[i] += s.weight() * (p - y) * x[i];
                    for (int j = 0; j < d; j++) {
                        hess[i][j] += s.weight() * p * (1 - p) * x[i] * x[j];
                    }
                }
            }
            for (int i = 0; i < d; i++) {
                grad[i] += lambda[i] * (w[i] - prior[i]);
                hess[i][i] += lambda[i];
            }
            double[] step = solve(hess, grad);
            // Step control: a full Newton step can overshoot when the features are large (the
            // fused engine's scores), and the fit then runs away; halve it until the penalised
            // loss goes down.
            double before = loss(samples, w, prior, lambda);
            double scale = 1;
            double[] next = new double[d];
            for (int halving = 0; halving < 30; halving++) {
                for (int i = 0; i < d; i++) {
                    next[i] = w[i] - scale * step[i];
                }
                if (loss(samples, next, prior, lambda) <= before) {
                    break;
                }
                scale /= 2;
            }
            double change = 0;
            for (int i = 0; i < d; i++) {
                change += Math.abs(next[i] - w[i]);
                w[i] = next[i];
            }
            if (change < 1e-6) {
                break;
            }
        }
        return w;
    }

    /** The weighted negative log-likelihood of the samples plus the prior's penalty. */
    private static double loss(List<Sample> samples, double[] w, double[] prior, double[] lambda) {
        double out = 0;
        for (Sample s : samples) {
            double[] x = withBias(s.features());
            double z = 0;
            for (int i = 0; i < w.length; i++) {
                z += w[i] * x[i];
            }
            // log(1 + e^-z) for a right sample, log(1 + e^z) for a wrong one, without overflow.
            double m = s.correct() ? -z : z;
            out += s.weight() * (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m)));
        }
        for (int i = 0; i < w.length; i++) {
            out += 0.5 * lambda[i] * (w[i] - prior[i]) * (w[i] - prior[i]);
        }
        return out;
    }

    private static double[] withBias(double[] f) {
        double[] x = new double[f.length + 1];
        x[0] = 1;
        System.arraycopy(f, 0, x, 1, f.length);
        return x;
    }

    /** Gaussian elimination with partial pivoting; the system is small and positive definite. */
    private static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n] = b[i];
        }
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) {
                    pivot = r;
                }
            }
            double[] tmp = m[c];
            m[c] = m[pivot];
            m[pivot] = tmp;
            for (int r = c + 1; r < n; r++) {
                double f = m[r][c] / m[c][c];
                for (int k = c; k <= n; k++) {
                    m[r][k] -= f * m[c][k];
                }
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = m[r][n];
            for (int k = r + 1; k < n; k++) {
                s -= m[r][k] * x[k];
            }
            x[r] = s / m[r][r];
        }
        return x;
    }
}
