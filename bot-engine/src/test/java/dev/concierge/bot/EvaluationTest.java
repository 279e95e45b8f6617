package dev.concierge.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class EvaluationTest {

    @TempDir
    Path dir;

    @Test
    void readCsv_handlesQuotedFieldsAndHeader() throws IOException {
        Path csv = dir.resolve("t.csv");
        Files.writeString(csv, "text,category\n\"Hello, is it \"\"me\"\"?\",greet\nplain question,other\n");
        assertThat(Evaluation.readCsv(csv))
                .containsExactly(
                        new Evaluation.Row("Hello, is it \"me\"?", "greet"),
                        new Evaluation.Row("plain question", "other"));
    }

    @Test
    void knowledgeBase_keepsFirstShotsAndSkipsOutOfScopeLabel() {
        List<Evaluation.Row> rows = List.of(
                new Evaluation.Row("a1", "a"),
                new Evaluation.Row("b1", "b"),
                new Evaluation.Row("a2", "a"),
                new Evaluation.Row("o1", "oos"),
                new Evaluation.Row("a3", "a"));
        KnowledgeBase kb = Evaluation.knowledgeBase(rows, 2, "en", Optional.of("oos"));
        assertThat(kb.entries()).extracting(FaqEntry::id).containsExactly("a", "b");
        assertThat(kb.entries().get(0).questions()).containsExactly("a1", "a2");
        assertThat(kb.entries().get(0).answer()).isEqualTo("a");
    }

    @Test
    void run_scoresAnsweredCoverageAndOutOfScope() throws IOException {
        Path train = dir.resolve("train.csv");
        Files.writeString(
                train,
                "text,category\n"
                        + "When are you open?,hours\nWhat are your opening hours?,hours\nAre you open on Sunday?,hours\n"
                        + "What is your phone number?,phone\nHow can I call you?,phone\nCan I phone you?,phone\n"
                        + "Where can I park?,parking\nIs there parking?,parking\nWhere do I leave my car?,parking\n");
        Path test = dir.resolve("test.csv");
        Files.writeString(
                test,
                "text,category\nwhat are your opening hours,hours\nhow do I call you,phone\n"
                        + "is there parking nearby,parking\nwho painted the mona lisa,oos\n");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Evaluation.Result r = BotEval.run(
                new String[] {"--train", train.toString(), "--test", test.toString(), "--oos-label", "oos"},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(r.entries()).isEqualTo(3);
        assertThat(r.phrasings()).isEqualTo(9);
        assertThat(r.inScope()).isEqualTo(3);
        assertThat(r.outOfScope()).isEqualTo(1);
        assertThat(r.top1()).isEqualTo(1.0);
        assertThat(r.oosRecall()).isEqualTo(1.0);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertThat(lines[lines.length - 1])
                .startsWith("{\"top1\":1.0000,")
                .contains("\"oosRecall\":1.0000")
                .endsWith("\"entries\":3,\"phrasings\":9}");
    }

    @Test
    void run_rejectsBadCommandLine() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> BotEval.run(new String[] {"--train", "x.csv"}, out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--test");
        assertThatThrownBy(() -> BotEval.run(new String[] {"--train", "a", "--test", "b", "--shots", "0"}, out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--shots");
        assertThatThrownBy(() -> BotEval.run(new String[] {"--bogus", "1"}, out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--bogus");
    }

    @Test
    void percentile_usesNearestRank() {
        double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(Evaluation.percentile(sorted, 0.5)).isEqualTo(5);
        assertThat(Evaluation.percentile(sorted, 0.99)).isEqualTo(10);
        assertThat(Evaluation.percentile(new double[0], 0.5)).isZero();
    }
}
