package dev.concierge.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class SynonymsTest {

    @TempDir
    Path dir;

    private static final KnowledgeBase KB = new KnowledgeBase(
            "en",
            List.of(
                    FaqEntry.of("widget-price", List.of("How much is the widget?", "What does a widget cost?"), "$5."),
                    FaqEntry.of("hours", List.of("When are you open?", "What are your opening hours?"), "9 to 5."),
                    FaqEntry.of("parking", List.of("Where can I park?", "Is there parking?"), "Behind the shop.")));

    @Test
    void builder_addsSynonymFileForLanguage() throws IOException {
        Path file = dir.resolve("en.txt");
        Files.writeString(file, "# mine\nwidget, gizmo, doohickey\n");
        try (FaqBot plain = FaqBot.create(KB);
                FaqBot withSynonyms =
                        FaqBot.builder().knowledgeBase(KB).synonyms("en", file).build()) {
            BotReply reply = withSynonyms.answer("how much is a doohickey");
            assertThat(reply.entryId()).contains("widget-price");
            assertThat(reply.confidence())
                    .isGreaterThan(plain.answer("how much is a doohickey").confidence());
        }
    }

    @Test
    void synonyms_coverInflections() throws IOException {
        Path file = dir.resolve("en.txt");
        Files.writeString(file, "widget, gizmo\n");
        try (FaqBot bot =
                FaqBot.builder().knowledgeBase(KB).synonyms("en", file).build()) {
            assertThat(bot.answer("what do gizmos cost").entryId()).contains("widget-price");
        }
    }

    @Test
    void builder_rejectsSynonymsForUnknownLanguage() {
        assertThatThrownBy(() -> FaqBot.builder().synonyms("xx", dir.resolve("x.txt")))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("'xx'");
    }

    @Test
    void build_rejectsMissingSynonymFile() {
        assertThatThrownBy(() -> FaqBot.builder()
                        .knowledgeBase(KB)
                        .synonyms("en", dir.resolve("none.txt"))
                        .build())
                .isInstanceOf(BotException.class)
                .hasMessageContaining("none.txt");
    }
}
