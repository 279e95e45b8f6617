package dev.concierge.bot;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The evaluation command: measures the bot on a labelled data set.
 *
 * <pre>
 * bot-eval (--train TRAIN.csv | --faq FAQ.json) --test TEST.csv [--shots N | --shots 1,3,5,10,all]
 *          [--oos-label LABEL] [--oos-every K] [--language en] [--engine lexical|semantic|fused]
 *          [--fusion sum|rrf] [--weights LEXICAL,SEMANTIC[,SECOND[,NEAREST]]] [--precision P]
 * </pre>
 *
 * <p>CSV files have a header row, the question in the first column and the label in the
 * second. Each training label becomes one FAQ entry whose phrasings are its rows (only the
 * first N with {@code --shots N}); with {@code --faq} the knowledge base is a knowledge base
 * file instead and the test labels are entry ids. Test rows labelled with the out-of-scope label
 * have no right entry, and the right behaviour is not to answer. With {@code --oos-every K} the
 * same run is made a second time with every K-th entry (the 1st, the (K+1)-th…) left out of the
 * knowledge base and its test questions counted as out of scope, which measures declining
 * questions close to the knowledge base.
 *
 * <p>With one number of shots it prints a table and, as its last line, one JSON object with
 * {@code top1, top3, answeredAccuracy, coverage, inScopeAccuracy, oosRecall, p50Ms, p99Ms,
 * engine, entries, phrasings} (and {@code heldOut} with {@code --oos-every}). With a list of
 * shots ({@code all} for every phrasing) it prints one table row per number and one JSON line
 * per row. The definitions are in docs/faq.md.
 *
 * <p>{@code --engine} picks the matching: {@code lexical} (the default, the bot engine alone),
 * {@code semantic} (sentence embeddings alone) or {@code fused} (both); the last two need an
 * {@link Embedder} on the class path (the {@code bot-semantic} module). {@code --fusion} and
 * {@code --weights} change how they are fused, for choosing the defaults on training data.
 * {@code --precision} sets the precision the calibrated threshold aims for (0.9 by default, as
 * on a server; {@code serve --bot-precision}), and the engine's name then says so.
 */
public final class BotEval {

    /** The default matching engine: lexical (docs/faq.md, "How matching works"). */
    static final String ENGINE = "lexical";

    /**
     * A matching engine: its name as printed, and how it sets up the bot's builder.
     *
     * @param name      "lexical", or the model and the fusion
     * @param configure applied to the builder of every bot measured
     */
    record Engine(String name, UnaryOperator<FaqBot.Builder> configure) {
        static final Engine LEXICAL = new Engine(ENGINE, b -> b);
    }

    private static final String HELD_OUT_LABEL = "<held out>";

    private static final String USAGE = "usage: bot-eval (--train TRAIN.csv | --faq FAQ.json) --test TEST.csv"
            + " [--shots N | --shots 1,3,5,10,all] [--oos-label LABEL] [--oos-every K] [--language en]"
            + " [--engine lexical|semantic|fused] [--fusion sum|rrf] [--weights LEXICAL,SEMANTIC[,SECOND[,NEAREST]]]"
            + " [--precision P]";

    private BotEval() {}

    /**
     * One measured configuration.
     *
     * @param shots   phrasings per entry, 0 for all
     * @param result  the figures with the whole knowledge base
     * @param heldOut the figures with every K-th entry left out as out of scope, or null
     */
    record Measured(int shots, Evaluation.Result result, Evaluation.Result heldOut) {}

    /**
     * Runs the evaluation and prints the table and the JSON line to standard output.
     *
     * @param args the command line, see the class documentation
     */
    public static void main(String[] args) {
        try {
            runAll(args, System.out);
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
     * @return the figures of the last (with one number of shots, the only) configuration
     * @throws IllegalArgumentException on a bad command line
     * @throws BotException             when a file cannot be read
     */
    static Evaluation.Result run(String[] args, PrintStream out) {
        List<Measured> all = runAll(args, out);
        return all.get(all.size() - 1).result();
    }

    /** Runs every configuration of the command line, printing to {@code out}. */
    static List<Measured> runAll(String[] args, PrintStream out) {
        Path train = null;
        Path faq = null;
        Path test = null;
        List<Integer> shots = List.of(0);
        boolean table = false;
        int oosEvery = 0;
        String language = "en";
        Optional<String> oosLabel = Optional.empty();
        String engineName = ENGINE;
        Semantics.Weights weights = Semantics.Weights.DEFAULT;
        double precision = 0;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--train" -> train = Path.of(value);
                case "--faq" -> faq = Path.of(value);
                case "--test" -> test = Path.of(value);
                case "--shots" -> {
                    shots = shotList(value);
                    table = value.contains(",") || value.equals("all");
                }
                case "--oos-label" -> oosLabel = Optional.of(value);
                case "--oos-every" -> oosEvery = positive(flag, value);
                case "--language" -> language = value;
                case "--engine" -> engineName = value;
                case "--fusion" -> weights = withFusion(weights, value);
                case "--weights" -> weights = withWeights(weights, value);
                case "--precision" -> precision = precision(value);
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if ((train == null) == (faq == null) || test == null) {
            throw new IllegalArgumentException("--test and one of --train and --faq are required");
        }
        Engine engine = withPrecision(engine(engineName, weights), precision);
        KnowledgeBase full = faq != null
                ? KnowledgeBaseFile.read(faq)
                : Evaluation.knowledgeBase(Evaluation.readCsv(train), 0, language, oosLabel);
        List<Evaluation.Row> testRows = Evaluation.readCsv(test);
        Path source = faq != null ? faq : train;
        List<Measured> measured = new ArrayList<>();
        for (int n : shots) {
            KnowledgeBase kb = Evaluation.firstShots(full, n);
            Evaluation.Result r = Evaluation.run(kb, testRows, oosLabel, engine.configure());
            Evaluation.Result held = null;
            if (oosEvery > 0) {
                Set<String> ids = Evaluation.heldOut(kb, oosEvery);
                String label = oosLabel.orElse(HELD_OUT_LABEL);
                held = Evaluation.run(
                        Evaluation.without(kb, ids),
                        Evaluation.relabelled(testRows, ids, label),
                        Optional.of(label),
                        engine.configure());
            }
            measured.add(new Measured(n, r, held));
            if (!table) {
                print(engine.name(), r, held, oosEvery, source, test, n, out);
            }
        }
        if (table) {
            printTable(engine.name(), measured, oosEvery, source, test, out);
        }
        return measured;
    }

    /**
     * The engine of a name: {@code lexical}; {@code semantic}, the embedder's similarity alone;
     * {@code fused}, both with the given weights.
     */
    static Engine engine(String name, Semantics.Weights weights) {
        if (name.equals(ENGINE)) {
            return Engine.LEXICAL;
        }
        if (!name.equals("semantic") && !name.equals("fused")) {
            throw new IllegalArgumentException("--engine is lexical, semantic or fused, got '" + name + "'");
        }
        Embedder embedder = Embedder.find()
                .orElseThrow(() -> new BotException(
                        "--engine " + name + " needs an embedder on the class path (the bot-semantic module)"));
        Semantics.Weights w = name.equals("semantic")
                ? new Semantics.Weights(Semantics.Fusion.SUM, 0, 1, weights.second(), weights.nearest())
                : weights;
        String described = name.equals("semantic")
                ? String.format(Locale.ROOT, "semantic (%s)", embedder.name())
                : String.format(
                        Locale.ROOT,
                        "fused (%s, %s %.2f/%.2f/%.2f)",
                        embedder.name(),
                        w.fusion().name().toLowerCase(Locale.ROOT),
                        w.lexical(),
                        w.semantic(),
                        w.second());
        return new Engine(described, b -> b.embedder(embedder).semanticWeights(w));
    }

    /** The engine with the calibration's target precision set, or as it is for 0. */
    private static Engine withPrecision(Engine engine, double precision) {
        if (precision == 0) {
            return engine;
        }
        String name = String.format(Locale.ROOT, "%s, precision %.2f", engine.name(), precision);
        return new Engine(name, b -> engine.configure().apply(b).targetPrecision(precision));
    }

    private static double precision(String value) {
        try {
            double p = Double.parseDouble(value);
            if (p > 0 && p < 1) {
                return p;
            }
        } catch (NumberFormatException e) {
            // told below
        }
        throw new IllegalArgumentException("--precision is a number between 0 and 1, got '" + value + "'");
    }

    private static Semantics.Weights withFusion(Semantics.Weights w, String value) {
        Semantics.Fusion fusion =
                switch (value) {
                    case "sum" -> Semantics.Fusion.SUM;
                    case "rrf" -> Semantics.Fusion.RRF;
                    default -> throw new IllegalArgumentException("--fusion is sum or rrf, got '" + value + "'");
                };
        return new Semantics.Weights(fusion, w.lexical(), w.semantic(), w.second(), w.nearest());
    }

    private static Semantics.Weights withWeights(Semantics.Weights w, String value) {
        String[] parts = value.split(",");
        try {
            return new Semantics.Weights(
                    w.fusion(),
                    Double.parseDouble(parts[0]),
                    parts.length > 1 ? Double.parseDouble(parts[1]) : w.semantic(),
                    parts.length > 2 ? Double.parseDouble(parts[2]) : w.second(),
                    parts.length > 3 ? Integer.parseInt(parts[3]) : w.nearest());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--weights needs numbers: LEXICAL,SEMANTIC[,SECOND[,NEAREST]]");
        }
    }

    /** "5", "1,3,5,10,all": numbers of phrasings per entry, 0 standing for all. */
    private static List<Integer> shotList(String value) {
        List<Integer> out = new ArrayList<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            out.add(p.equals("all") ? 0 : positive("--shots", p));
        }
        return out;
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

    static void print(
            String engine,
            Evaluation.Result r,
            Evaluation.Result held,
            int oosEvery,
            Path train,
            Path test,
            int shots,
            PrintStream out) {
        out.printf(
                Locale.ROOT, "bot-eval  train=%s%s  test=%s%n", train, shots > 0 ? " (" + shots + "-shot)" : "", test);
        out.printf(Locale.ROOT, "| %-34s | %16s |%n", "measure", "value");
        out.printf(Locale.ROOT, "|%s|%s|%n", "-".repeat(36), "-".repeat(18));
        row(out, "engine", engine);
        row(out, "entries / phrasings", r.entries() + " / " + r.phrasings());
        row(out, "test questions in scope / out", r.inScope() + " / " + r.outOfScope());
        row(out, "threshold (calibrated on the KB)", fmt(r.threshold()));
        row(out, "build + calibration", r.buildMs() + " ms");
        row(out, "top-1 accuracy", pct(r.top1()));
        row(out, "top-3 accuracy", pct(r.top3()));
        row(out, "coverage (in-scope answered)", pct(r.coverage()) + " (" + r.answered() + ")");
        row(out, "answered accuracy", pct(r.answeredAccuracy()) + " (" + r.answeredRight() + ")");
        row(out, "in-scope accuracy", pct(r.inScopeAccuracy()));
        row(out, "out-of-scope recall", r.oosRecall() == null ? "n/a" : pct(r.oosRecall()));
        row(out, "latency p50 / p99", fmt(r.p50Ms()) + " / " + fmt(r.p99Ms()) + " ms");
        row(out, "CPU time p50 / p99", fmt(r.cpuP50Ms()) + " / " + fmt(r.cpuP99Ms()) + " ms");
        if (held != null) {
            row(out, "every " + oosEvery + "th entry held out: entries", String.valueOf(held.entries()));
            row(out, "  held-out questions declined", pct(held.oosRecall()));
            row(out, "  in-scope answered / right", pct(held.coverage()) + " / " + pct(held.answeredAccuracy()));
        }
        out.println(json(engine, r, held, shots));
    }

    /** One row per number of shots: the matching, the threshold's trade-off, latency, out of scope. */
    static void printTable(String engine, List<Measured> rows, int oosEvery, Path train, Path test, PrintStream out) {
        out.printf(Locale.ROOT, "bot-eval  engine=%s  train=%s  test=%s%n", engine, train, test);
        String oos = oosEvery > 0 ? " | held out 1/" + oosEvery + ": declined, answered, right" : "";
        out.printf(
                Locale.ROOT,
                "| %5s | %9s | %6s | %6s | %8s | %17s | %9s | %13s%s |%n",
                "shots",
                "phrasings",
                "top-1",
                "top-3",
                "answered",
                "right if answered",
                "threshold",
                "p99 ms (CPU)",
                oos);
        out.printf(
                Locale.ROOT,
                "|-------|-----------|--------|--------|----------|-------------------|-----------|---------------%s|%n",
                oosEvery > 0 ? "|" + "-".repeat(oos.length() - 2) : "");
        for (Measured m : rows) {
            Evaluation.Result r = m.result();
            String held = m.heldOut() == null
                    ? ""
                    : String.format(
                            Locale.ROOT,
                            " | %-" + (oos.length() - 3) + "s",
                            pct(m.heldOut().oosRecall()) + ", "
                                    + pct(m.heldOut().coverage()) + ", "
                                    + pct(m.heldOut().answeredAccuracy()));
            out.printf(
                    Locale.ROOT,
                    "| %5s | %9d | %6s | %6s | %8s | %17s | %9s | %13s%s |%n",
                    m.shots() == 0 ? "all" : String.valueOf(m.shots()),
                    r.phrasings(),
                    pct(r.top1()),
                    pct(r.top3()),
                    pct(r.coverage()),
                    pct(r.answeredAccuracy()),
                    fmt(r.threshold()),
                    String.format(Locale.ROOT, "%.2f (%.2f)", r.p99Ms(), r.cpuP99Ms()),
                    held);
        }
        for (Measured m : rows) {
            out.println(json(engine, m.result(), m.heldOut(), m.shots()));
        }
    }

    private static String json(String engine, Evaluation.Result r, Evaluation.Result held, int shots) {
        String heldOut = held == null
                ? ""
                : String.format(
                        Locale.ROOT,
                        "\"heldOut\":{\"entries\":%d,\"oosRecall\":%s,\"coverage\":%s,\"answeredAccuracy\":%s},",
                        held.entries(),
                        held.oosRecall() == null ? "null" : num(held.oosRecall()),
                        num(held.coverage()),
                        num(held.answeredAccuracy()));
        return String.format(
                Locale.ROOT,
                "{\"top1\":%s,\"top3\":%s,\"answeredAccuracy\":%s,\"coverage\":%s,\"inScopeAccuracy\":%s,"
                        + "\"oosRecall\":%s,\"p50Ms\":%s,\"p99Ms\":%s,\"cpuP99Ms\":%s,\"threshold\":%s,\"shots\":%s,\"engine\":\"%s\","
                        + "%s\"entries\":%d,\"phrasings\":%d}",
                num(r.top1()),
                num(r.top3()),
                num(r.answeredAccuracy()),
                num(r.coverage()),
                num(r.inScopeAccuracy()),
                r.oosRecall() == null ? "null" : num(r.oosRecall()),
                num(r.p50Ms()),
                num(r.p99Ms()),
                num(r.cpuP99Ms()),
                num(r.threshold()),
                shots == 0 ? "\"all\"" : String.valueOf(shots),
                engine,
                heldOut,
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
