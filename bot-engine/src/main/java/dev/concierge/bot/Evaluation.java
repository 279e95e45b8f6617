package dev.concierge.bot;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The logic of {@link BotEval}: builds a knowledge base from labelled training questions (one
 * entry per label, its rows as phrasings, the label as answer), asks every test question as a
 * visitor would and scores the replies.
 */
final class Evaluation {

    /** One labelled question. */
    record Row(String text, String label) {}

    /**
     * The figures of one run; see docs/faq.md for their definitions.
     *
     * @param top3      share of in-scope questions whose entry is among the bot's three best
     *                  candidates (the answer or the "did you mean" suggestions), whatever the
     *                  confidence
     * @param oosRecall null when the test set has no out-of-scope questions
     * @param cpuP50Ms  median CPU time of the answering thread per question: unlike wall-clock
     *                  latency, it does not grow when other processes share the machine
     */
    record Result(
            double top1,
            double top3,
            double answeredAccuracy,
            double coverage,
            double inScopeAccuracy,
            Double oosRecall,
            double p50Ms,
            double p99Ms,
            int entries,
            int phrasings,
            int inScope,
            int outOfScope,
            int answered,
            int answeredRight,
            int oosAnswered,
            double threshold,
            long buildMs,
            double cpuP50Ms,
            double cpuP99Ms) {}

    private static final int WARM_UP_QUESTIONS = 5_000;

    private Evaluation() {}

    /** Reads a CSV file with a header row: first column the question, second the label. */
    static List<Row> readCsv(Path file) {
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        List<Row> rows = new ArrayList<>();
        try (MappingIterator<String[]> it = mapper.readerFor(String[].class).readValues(file.toFile())) {
            boolean header = true;
            int line = 0;
            while (it.hasNext()) {
                String[] cells = it.next();
                line++;
                if (header) {
                    header = false;
                    continue;
                }
                if (cells.length == 1 && cells[0].isBlank()) {
                    continue;
                }
                if (cells.length < 2) {
                    throw new BotException(file + ": row " + line + ": expected two columns, question and label");
                }
                rows.add(new Row(cells[0], cells[1].trim()));
            }
        } catch (IOException e) {
            throw new BotException(file + ": cannot read CSV: " + e.getMessage(), e);
        }
        return rows;
    }

    /**
     * One entry per label, in order of first appearance; with {@code shots > 0} only the first
     * rows of each label. Rows with the out-of-scope label make no entry.
     */
    static KnowledgeBase knowledgeBase(List<Row> train, int shots, String language, Optional<String> oosLabel) {
        Map<String, List<String>> byLabel = new LinkedHashMap<>();
        for (Row r : train) {
            if (oosLabel.isPresent() && oosLabel.get().equals(r.label())
                    || r.text().isBlank()) {
                continue;
            }
            List<String> questions = byLabel.computeIfAbsent(r.label(), k -> new ArrayList<>());
            if (shots <= 0 || questions.size() < shots) {
                questions.add(r.text());
            }
        }
        List<FaqEntry> entries = new ArrayList<>();
        byLabel.forEach((label, questions) -> entries.add(FaqEntry.of(label, questions, label)));
        return new KnowledgeBase(language, entries);
    }

    /**
     * The knowledge base with only the first {@code shots} phrasings of each entry
     * ({@code shots <= 0}: all of them); keywords and phrases are kept.
     */
    static KnowledgeBase firstShots(KnowledgeBase kb, int shots) {
        if (shots <= 0) {
            return kb;
        }
        List<FaqEntry> entries = new ArrayList<>();
        for (FaqEntry e : kb.entries()) {
            List<String> qs = e.questions();
            entries.add(new FaqEntry(
                    e.id(),
                    qs.size() > shots ? qs.subList(0, shots) : qs,
                    e.keywords(),
                    e.phrases(),
                    e.answer(),
                    e.tags(),
                    e.language(),
                    e.followUps()));
        }
        return new KnowledgeBase(kb.language(), entries);
    }

    /**
     * The entries held out as out of scope: every {@code every}-th entry in order, starting with
     * the first (the 1st, 6th, 11th… for 5).
     */
    static Set<String> heldOut(KnowledgeBase kb, int every) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < kb.entries().size(); i += every) {
            out.add(kb.entries().get(i).id());
        }
        return out;
    }

    /** The knowledge base without the given entries; their follow-ups to them are dropped. */
    static KnowledgeBase without(KnowledgeBase kb, Set<String> ids) {
        List<FaqEntry> entries = new ArrayList<>();
        for (FaqEntry e : kb.entries()) {
            if (!ids.contains(e.id())) {
                entries.add(new FaqEntry(
                        e.id(),
                        e.questions(),
                        e.keywords(),
                        e.phrases(),
                        e.answer(),
                        e.tags(),
                        e.language(),
                        e.followUps().stream().filter(f -> !ids.contains(f)).toList()));
            }
        }
        return new KnowledgeBase(kb.language(), entries);
    }

    /** The test rows with the labels {@code ids} turned into the out-of-scope label. */
    static List<Row> relabelled(List<Row> test, Set<String> ids, String oosLabel) {
        return test.stream()
                .map(r -> ids.contains(r.label()) ? new Row(r.text(), oosLabel) : r)
                .toList();
    }

    /** Builds the bot, warms it up on training questions, then asks every test question. */
    static Result run(KnowledgeBase kb, List<Row> test, Optional<String> oosLabel) {
        return run(kb, test, oosLabel, b -> b);
    }

    /** The same, with the bot's builder set up by {@code engine} (see {@link BotEval.Engine}). */
    static Result run(
            KnowledgeBase kb, List<Row> test, Optional<String> oosLabel, UnaryOperator<FaqBot.Builder> engine) {
        Objects.requireNonNull(test, "test");
        long start = System.nanoTime();
        try (FaqBot bot =
                engine.apply(FaqBot.builder().knowledgeBase(kb).maxMisses(0)).build()) {
            long buildMs = (System.nanoTime() - start) / 1_000_000;
            warmUp(bot, kb);
            // The garbage of building this bot (and, in a table, of the bots before it) is
            // collected now rather than during the timed questions: a server builds a bot once.
            System.gc();
            double[] latencies = new double[test.size()];
            double[] cpu = new double[test.size()];
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            boolean cpuTime = threads.isCurrentThreadCpuTimeSupported();
            int inScope = 0;
            int outOfScope = 0;
            int top1Right = 0;
            int top3Right = 0;
            int answered = 0;
            int answeredRight = 0;
            int oosAnswered = 0;
            for (int i = 0; i < test.size(); i++) {
                Row row = test.get(i);
                long c0 = cpuTime ? threads.getCurrentThreadCpuTime() : 0;
                long t0 = System.nanoTime();
                BotReply reply = bot.answer(row.text());
                latencies[i] = (System.nanoTime() - t0) / 1e6;
                cpu[i] = cpuTime ? (threads.getCurrentThreadCpuTime() - c0) / 1e6 : 0;
                boolean oos = oosLabel.isPresent() && oosLabel.get().equals(row.label());
                Optional<String> best = reply.answered()
                        ? reply.entryId()
                        : reply.suggestions().stream().findFirst().map(Suggestion::entryId);
                if (oos) {
                    outOfScope++;
                    if (reply.answered()) {
                        oosAnswered++;
                    }
                    continue;
                }
                inScope++;
                if (best.isPresent() && best.get().equals(row.label())) {
                    top1Right++;
                }
                if (reply.answered()) {
                    answered++;
                    if (reply.entryId().get().equals(row.label())) {
                        answeredRight++;
                    }
                }
            }
            // After the timed questions, so that its garbage is not collected during them: is the
            // right entry among the three best candidates, whatever the reply?
            for (Row row : test) {
                boolean oos = oosLabel.isPresent() && oosLabel.get().equals(row.label());
                if (!oos && bot.candidates(row.text(), 3).contains(row.label())) {
                    top3Right++;
                }
            }
            Arrays.sort(latencies);
            Arrays.sort(cpu);
            return new Result(
                    ratio(top1Right, inScope),
                    ratio(top3Right, inScope),
                    ratio(answeredRight, answered),
                    ratio(answered, inScope),
                    ratio(answeredRight, inScope),
                    outOfScope == 0 ? null : ratio(outOfScope - oosAnswered, outOfScope),
                    percentile(latencies, 0.50),
                    percentile(latencies, 0.99),
                    kb.entries().size(),
                    kb.phrasingCount(),
                    inScope,
                    outOfScope,
                    answered,
                    answeredRight,
                    oosAnswered,
                    bot.threshold(),
                    buildMs,
                    percentile(cpu, 0.50),
                    percentile(cpu, 0.99));
        }
    }

    /**
     * Asks training phrasings (one of each entry in turn, then the next of each, and again from
     * the start when they run out) until the JIT compiler has settled, so that the latencies
     * are those of a bot that has been serving for a while, as on a server.
     */
    private static void warmUp(FaqBot bot, KnowledgeBase kb) {
        int n = 0;
        int longest =
                kb.entries().stream().mapToInt(e -> e.questions().size()).max().orElse(0);
        while (n < WARM_UP_QUESTIONS && longest > 0) {
            for (int round = 0; round < longest && n < WARM_UP_QUESTIONS; round++) {
                for (FaqEntry e : kb.entries()) {
                    if (round < e.questions().size() && n++ < WARM_UP_QUESTIONS) {
                        bot.answer(e.questions().get(round));
                    }
                }
            }
        }
    }

    private static double ratio(int a, int b) {
        return b == 0 ? 0 : (double) a / b;
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
