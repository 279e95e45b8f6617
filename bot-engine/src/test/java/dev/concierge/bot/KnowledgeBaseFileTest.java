package dev.concierge.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class KnowledgeBaseFileTest {

    @TempDir
    Path dir;

    private Path write(String json) throws IOException {
        Path file = dir.resolve("faq.json");
        Files.writeString(file, json.replace('\'', '"'));
        return file;
    }

    private static String entry(String id, String questions, String answer) {
        return "{'id':'" + id + "','questions':[" + questions + "]"
                + (answer == null ? "" : ",'answer':'" + answer + "'") + "}";
    }

    @Test
    void read_parsesAllFields() throws IOException {
        Path file = write("{'language':'en','entries':[{'id':'a','questions':['Q1?','Q2?'],'keywords':['k'],"
                + "'phrases':['p q'],'answer':'A.','tags':['orders'],'language':'fr','followUps':['b']},"
                + entry("b", "'Other?'", "B.") + "]}");
        KnowledgeBase kb = KnowledgeBaseFile.read(file);
        assertThat(kb.language()).isEqualTo("en");
        FaqEntry a = kb.entries().get(0);
        assertThat(a)
                .isEqualTo(new FaqEntry(
                        "a",
                        List.of("Q1?", "Q2?"),
                        List.of("k"),
                        List.of("p q"),
                        "A.",
                        List.of("orders"),
                        "fr",
                        List.of("b")));
        assertThat(kb.languageOf(a)).isEqualTo("fr");
        assertThat(kb.languageOf(kb.entries().get(1))).isEqualTo("en");
    }

    @Test
    void load_rejectsDuplicateIds() throws IOException {
        Path file = write(
                "{'language':'en','entries':[" + entry("a", "'Q?'", "A.") + "," + entry("a", "'R?'", "B.") + "]}");
        assertThatThrownBy(() -> FaqBot.load(file))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("faq.json")
                .hasMessageContaining("entry #2")
                .hasMessageContaining("'id'")
                .hasMessageContaining("duplicate");
    }

    @Test
    void load_rejectsEmptyQuestions() throws IOException {
        Path file = write("{'language':'en','entries':[" + entry("a", "'Q?'", "A.") + ","
                + entry("refund-time", "", "B.") + "]}");
        assertThatThrownBy(() -> FaqBot.load(file))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("faq.json")
                .hasMessageContaining("entry #2 (id 'refund-time')")
                .hasMessageContaining("'questions'");
    }

    @Test
    void load_rejectsMissingAnswer() throws IOException {
        Path file = write("{'language':'en','entries':[" + entry("order-status", "'Q?'", null) + "]}");
        assertThatThrownBy(() -> FaqBot.load(file))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("faq.json: entry #1 (id 'order-status')")
                .hasMessageContaining("'answer'");
    }

    @Test
    void load_rejectsUnknownLanguage() throws IOException {
        Path file = write("{'language':'en','entries':[{'id':'a','questions':['Q?'],'answer':'A.','language':'xx'}]}");
        assertThatThrownBy(() -> FaqBot.load(file))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("entry #1 (id 'a')")
                .hasMessageContaining("'language'")
                .hasMessageContaining("'xx'");
        Path top = write("{'language':'klingon','entries':[" + entry("a", "'Q?'", "A.") + "]}");
        assertThatThrownBy(() -> FaqBot.load(top))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("faq.json")
                .hasMessageContaining("'language'")
                .hasMessageContaining("klingon");
    }

    @Test
    void load_rejectsMisspelledField() throws IOException {
        Path file = write("{'language':'en','entries':[{'id':'a','questons':['Q?'],'answer':'A.'}]}");
        assertThatThrownBy(() -> FaqBot.load(file))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("entry #1 (id 'a')")
                .hasMessageContaining("unknown field 'questons'");
    }

    @Test
    void load_rejectsWrongTypes() throws IOException {
        Path file = write("{'language':'en','entries':[{'id':'a','questions':'Q?','answer':'A.'}]}");
        assertThatThrownBy(() -> FaqBot.load(file))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("'questions' must be an array");
    }

    @Test
    void load_rejectsUnknownFollowUp() throws IOException {
        Path file =
                write("{'language':'en','entries':[{'id':'a','questions':['Q?'],'answer':'A.','followUps':['zz']}]}");
        assertThatThrownBy(() -> FaqBot.load(file))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("'followUps'")
                .hasMessageContaining("'zz'");
    }

    @Test
    void load_rejectsBadJsonWithPosition() throws IOException {
        Path file = write("{'language':'en','entries':[{'id':'a',}]}");
        assertThatThrownBy(() -> FaqBot.load(file))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("faq.json")
                .hasMessageContaining("line 1");
    }

    @Test
    void load_rejectsMissingFile() {
        assertThatThrownBy(() -> FaqBot.load(dir.resolve("nope.json")))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("nope.json")
                .hasMessageContaining("not found");
    }

    @Test
    void create_rejectsInvalidInMemoryKnowledgeBase() {
        KnowledgeBase kb = new KnowledgeBase("en", List.of(FaqEntry.of("a", List.of("Q?"), " ")));
        assertThatThrownBy(() -> FaqBot.create(kb))
                .isInstanceOf(BotException.class)
                .hasMessageContaining("in-memory")
                .hasMessageContaining("'answer'");
    }
}
