package dev.concierge.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class KnowledgeBaseEditorTest {
    private static final String FAQ = """
            {"language": "en", "description": "Test shop",
             "entries": [{"id": "returns", "questions": ["How do I return an item?"],
                          "keywords": ["return"], "answer": "Send it back within 30 days."}]}
            """;

    @Test
    void addEntry_andAddQuestions_keepTheRestOfTheFile_andTheBotAnswersAfterReload(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("faq.json");
        Files.writeString(file, FAQ);
        try (FaqBot bot = FaqBot.load(file)) {
            KnowledgeBase kb = KnowledgeBaseEditor.open(file)
                    .addEntry(
                            "parrot-food",
                            List.of("Do you sell parrot food?", " do you sell PARROT food? ", "Is there parrot food?"),
                            "Yes, in aisle 7.",
                            List.of("orders"))
                    .save();
            assertThat(kb.entry("parrot-food")).hasValueSatisfying(e -> {
                assertThat(e.questions()).containsExactly("Do you sell parrot food?", "Is there parrot food?");
                assertThat(e.tags()).containsExactly("orders");
            });
            KnowledgeBaseEditor editor = KnowledgeBaseEditor.open(file);
            assertThat(editor.addQuestions("returns", List.of("how do i return an item?", "Can I send it back?")))
                    .isEqualTo(1);
            editor.save();

            String written = Files.readString(file);
            assertThat(written).contains("\"description\" : \"Test shop\"").contains("\"keywords\"");
            assertThat(dir.toFile().list()).containsExactly("faq.json"); // no temporary file left
            bot.reload();
            assertThat(bot.knowledgeBase().entry("returns").orElseThrow().questions())
                    .containsExactly("How do I return an item?", "Can I send it back?");
            assertThat(bot.answerEntry("parrot-food"))
                    .hasValueSatisfying(r -> assertThat(r.text()).isEqualTo("Yes, in aisle 7."));
        }
    }

    @Test
    void badEdits_areRejected_andLeaveTheFileAsItWas(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("faq.json");
        Files.writeString(file, FAQ);
        assertThatThrownBy(() -> KnowledgeBaseEditor.open(file).addEntry("returns", List.of("again?"), "x", List.of()))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("exists already");
        assertThatThrownBy(() -> KnowledgeBaseEditor.open(file).addEntry("empty", List.of(" "), "x", List.of()))
                .isInstanceOf(BotException.class);
        assertThatThrownBy(() -> KnowledgeBaseEditor.open(file).addQuestions("nowhere", List.of("q?")))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("no entry");
        assertThat(Files.readString(file)).isEqualTo(FAQ);
    }
}
