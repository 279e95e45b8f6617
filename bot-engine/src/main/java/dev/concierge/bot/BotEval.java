package dev.concierge.bot;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The evaluation command: measures the bot on a labelled data set.
 *
 * <pre>
 * bot-eval --train TRAIN.csv --test TEST.csv [--shots N] [--oos-label LABEL] [--language en]
 * </pre>
 *
 * <p>CSV files have a header row, the question in the first column and the label in the
 * second. Each training label becomes one FAQ entry whose phrasings are its rows (only the
 * first N with {@code --shots N}); test rows labelled with the out-of-scope label have no right
 * entry, and the right behaviour is not to answer. Prints a table and, as its last line, one
 * JSON object with {@code top1, answeredAccuracy, coverage, inScopeAccuracy, oosRecall, p50Ms,
 * p99Ms, entries, phrasings}. The definitions are in docs/faq.md.
 */
public final class BotEval {

    private static final String USAGE =
            "usage: bot-eval --train TRAIN.csv --test TEST.csv [--shots N] [--oos-label LABEL] [--language en]";

    private BotEval() {}

    /**
     * Runs the evaluation and prints the table and the JSON line to standard output.
     *
     * @param args the command line, see the class documentation
     */
    public static void main(String[] args) {
        try {
            run(args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        } catch (BotException e) {
            System.err.println("bot-eval: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Runs the evaluation, printing to {@code out}.
     *
     * @param args the command line
     * @param out  where the table and the JSON line go
     * @return the figures
     * @throws IllegalArgumentException on a bad command line
     * @throws BotException             when a file cannot be read
     */
    static Evaluation.Result run(String[] args, PrintStream out) {
        Path train = null;
        Path test = null;
        int shots = 0;
        String language = "en";
        Optional<String> oosLabel = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--train" -> train = Path.of(value);
                case "--test" -> test = Path.of(value);
                case "--shots" -> shots = positive(flag, value);
                case "--oos-label" -> oosLabel = Optional.of(value);
                case "--language" -> language = value;
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if (train == null || test == null) {
            throw new IllegalArgumentException("--train and --test are required");
        }
        KnowledgeBase kb = Evaluation.knowledgeBase(Evaluation.readCsv(train), shots, language, oosLabel);
        List<Evaluation.Row> testRows = Evaluation.readCsv(test);
        Evaluation.Result r = Evaluation.run(kb, testRows, oosLabel);
        print(r, train, test, shots, out);
        return r;
    }

    private static int positive(String flag, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " needs a positive whole number, got '" + value + "'");
    }

    static void print(Evaluation.Result r, Path train, Path test, int shots, PrintStream out) {
        out.printf(
                Locale.ROOT, "bot-eval  train=%s%s  test=%s%n", train, shots > 0 ? " (" + shots + "-shot)" : "", test);
        out.printf(Locale.ROOT, "| %-34s | %16s |%n", "measure", "value");
        out.printf(Locale.ROOT, "|%s|%s|%n", "-".repeat(36), "-".repeat(18));
        row(out, "entries / phrasings", r.entries() + " / " + r.phrasings());
        row(out, "test questions in scope / out", r.inScope() + " / " + r.outOfScope());
        row(out, "threshold (calibrated on the KB)", fmt(r.threshold()));
        row(out, "build + calibration", r.buildMs() + " ms");
        row(out, "top-1 accuracy", pct(r.top1()));
        row(out, "coverage (in-scope answered)", pct(r.coverage()) + " (" + r.answered() + ")");
        row(out, "answered accuracy", pct(r.answeredAccuracy()) + " (" + r.answeredRight() + ")");
        row(out, "in-scope accuracy", pct(r.inScopeAccuracy()));
        row(out, "out-of-scope recall", r.oosRecall() == null ? "n/a" : pct(r.oosRecall()));
        row(out, "latency p50 / p99", fmt(r.p50Ms()) + " / " + fmt(r.p99Ms()) + " ms");
        row(out, "CPU time p50 / p99", fmt(r.cpuP50Ms()) + " / " + fmt(r.cpuP99Ms()) + " ms");
        out.printf(
                Locale.ROOT,
                "{\"top1\":%s,\"answeredAccuracy\":%s,\"coverage\":%s,\"inScopeAccuracy\":%s,"
                        + "\"oosRecall\":%s,\"p50Ms\":%s,\"p99Ms\":%s,\"entries\":%d,\"phrasings\":%d}%n",
                num(r.top1()),
                num(r.answeredAccuracy()),
                num(r.coverage()),
                num(r.inScopeAccuracy()),
                r.oosRecall() == null ? "null" : num(r.oosRecall()),
                num(r.p50Ms()),
                num(r.p99Ms()),
                r.entries(),
                r.phrasings());
    }

    private static void row(PrintStream out, String name, String value) {
        out.printf(Locale.ROOT, "| %-34s | %16s |%n", name, value);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
