package dev.concierge.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.bot.testing.SampleFaq;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the evaluation command on a sample of Banking77 kept with the tests
 * ({@code src/test/resources/banking77-sample}: ten intents with 30 training and 20 test
 * questions each, and 20 test questions of five more intents as out-of-scope ones; CC BY 4.0,
 * see the NOTICE there). docs/faq.md says where the full set is for {@code bot-eval}.
 */
final class BotEvalSmokeTest {

    private static final int LABELS = 10;
    private static final String OUT_OF_SCOPE = "out_of_scope";

    @TempDir
    Path dir;

    private static Path banking77() throws IOException {
        try {
            return Path.of(BotEvalSmokeTest.class
                            .getResource("/banking77-sample/train.csv")
                            .toURI())
                    .getParent();
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new IOException("the Banking77 sample is missing from the test resources", e);
        }
    }

    @Test
    void botEval_onTenBanking77Intents() throws IOException {
        Path data = banking77();
        List<Evaluation.Row> train = Evaluation.readCsv(data.resolve("train.csv"));
        List<Evaluation.Row> test = Evaluation.readCsv(data.resolve("test.csv"));
        Set<String> labels = new LinkedHashSet<>();
        train.forEach(r -> labels.add(r.label()));
        List<String> inScope = List.copyOf(labels);
        assertThat(inScope).hasSize(LABELS);
        // The sample's test questions of five more intents: not in the knowledge base, out of scope.
        Set<String> others = new LinkedHashSet<>();
        test.stream()
                .map(Evaluation.Row::label)
                .filter(l -> !inScope.contains(l))
                .forEach(others::add);
        List<String> outOfScope = List.copyOf(others);
        assertThat(outOfScope).hasSize(5);
        Path trainSlice = write(
                "train.csv",
                train.stream().filter(r -> inScope.contains(r.label())).toList());
        Path testSlice = write(
                "test.csv",
                test.stream()
                        .filter(r -> inScope.contains(r.label()) || outOfScope.contains(r.label()))
                        .map(r -> outOfScope.contains(r.label()) ? new Evaluation.Row(r.text(), OUT_OF_SCOPE) : r)
                        .toList());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BotEval.run(
                new String[] {
                    "--train",
                    trainSlice.toString(),
                    "--test",
                    testSlice.toString(),
                    "--shots",
                    "30",
                    "--oos-label",
                    OUT_OF_SCOPE
                },
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertThat(lines.length).isGreaterThan(5);
        JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);

        assertThat(json.get("entries").asInt()).isEqualTo(LABELS);
        assertThat(json.get("phrasings").asInt()).isEqualTo(LABELS * 30);
        assertThat(json.get("top1").asDouble()).isGreaterThan(0.8);
        assertThat(json.get("answeredAccuracy").asDouble()).isGreaterThan(0.85);
        assertThat(json.get("coverage").asDouble()).isGreaterThan(0.4);
        assertThat(json.get("oosRecall").asDouble()).isGreaterThan(0.3);
        assertThat(json.get("p50Ms").asDouble()).isLessThan(5.0);
        assertThat(json.has("inScopeAccuracy")).isTrue();
        assertThat(json.has("p99Ms")).isTrue();
    }

    @Test
    void botEval_tableOverShots_withHeldOutEntriesAsOutOfScope() throws IOException {
        Path data = banking77();
        List<Evaluation.Row> test = Evaluation.readCsv(data.resolve("test.csv"));
        Set<String> labels = new LinkedHashSet<>();
        Evaluation.readCsv(data.resolve("train.csv")).forEach(r -> labels.add(r.label()));
        // Only the ten intents of the knowledge base: the held-out ones are made by --oos-every.
        Path testSlice = write(
                "test.csv",
                test.stream().filter(r -> labels.contains(r.label())).toList());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<BotEval.Measured> rows = BotEval.runAll(
                new String[] {
                    "--train",
                    data.resolve("train.csv").toString(),
                    "--test",
                    testSlice.toString(),
                    "--shots",
                    "1,5,all",
                    "--oos-every",
                    "5"
                },
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);

        assertThat(rows).extracting(BotEval.Measured::shots).containsExactly(1, 5, 0);
        assertThat(rows).extracting(m -> m.result().phrasings()).containsExactly(LABELS, 5 * LABELS, 30 * LABELS);
        for (BotEval.Measured m : rows) {
            Evaluation.Result r = m.result();
            assertThat(r.top3()).isGreaterThanOrEqualTo(r.top1());
            assertThat(r.oosRecall()).isNull();
            // The 1st and 6th intents are left out, and their 40 test questions are out of scope.
            assertThat(m.heldOut().entries()).isEqualTo(LABELS - 2);
            assertThat(m.heldOut().outOfScope()).isEqualTo(2 * 20);
            assertThat(m.heldOut().oosRecall()).isNotNull();
        }
        // More phrasings match better.
        assertThat(rows.get(2).result().top1())
                .isGreaterThan(rows.get(0).result().top1());
        assertThat(text).contains("engine=lexical").contains("| shots |").contains("|   all |");
        String[] lines = text.trim().split("\n");
        JsonNode last = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(last.get("shots").asText()).isEqualTo("all");
        assertThat(last.get("engine").asText()).isEqualTo("lexical");
        assertThat(last.get("top3").asDouble()).isGreaterThan(0.9);
        assertThat(last.get("heldOut").get("oosRecall").asDouble()).isGreaterThan(0.3);
    }

    @Test
    void botEval_onTheSampleFaqAndItsEverydayVariants() throws IOException {
        Path faq = SampleFaq.FILE;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Evaluation.Result r = BotEval.run(
                new String[] {
                    "--faq",
                    faq.toString(),
                    "--test",
                    faq.resolveSibling("shop-faq-variants.csv").toString()
                },
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(r.entries()).isEqualTo(37);
        assertThat(r.inScope()).isEqualTo(20);
        assertThat(r.top3()).isGreaterThanOrEqualTo(r.top1());
        assertThat(r.top1()).isGreaterThan(0.5);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("top-3 accuracy");
    }

    /**
     * {@code --precision}: a higher target gives a higher threshold on the same knowledge base,
     * so fewer of the same questions are answered, and the engine's name says so.
     */
    @Test
    void botEval_aHigherPrecision_answersFewerAndSaysSo() {
        String faq = SampleFaq.FILE.toString();
        String test = SampleFaq.FILE.resolveSibling("shop-faq-variants.csv").toString();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Evaluation.Result usual = BotEval.run(new String[] {"--faq", faq, "--test", test}, out);
        Evaluation.Result careful =
                BotEval.run(new String[] {"--faq", faq, "--test", test, "--precision", "0.95"}, out);
        assertThat(careful.threshold()).isGreaterThan(usual.threshold());
        assertThat(careful.answered()).isLessThan(usual.answered());
        assertThat(careful.top1()).isEqualTo(usual.top1());
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("lexical, precision 0.95");
        assertThatThrownBy(() -> BotEval.run(new String[] {"--faq", faq, "--test", test, "--precision", "1"}, out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--precision is a number between 0 and 1");
    }

    private Path write(String name, List<Evaluation.Row> rows) throws IOException {
        StringBuilder sb = new StringBuilder("text,category\n");
        for (Evaluation.Row r : rows) {
            sb.append('"')
                    .append(r.text().replace("\"", "\"\""))
                    .append("\",")
                    .append(r.label())
                    .append('\n');
        }
        return Files.writeString(dir.resolve(name), sb.toString());
    }
}
