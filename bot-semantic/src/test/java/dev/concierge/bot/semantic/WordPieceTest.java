package dev.concierge.bot.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WordPieceTest {

    private static WordPiece tokenizer;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = WordPieceTest.class.getResourceAsStream(MiniLmEmbedder.TOKENIZER)) {
            tokenizer = WordPiece.fromTokenizerJson(in);
        }
    }

    @Test
    void wordsAndPunctuationGetBertsIds() {
        // bert-base-uncased: [CLS] 101, hello 7592, "," 1010, world 2088, "!" 999, [SEP] 102
        assertThat(tokenizer.ids("Hello, World!")).containsExactly(101, 7592, 1010, 2088, 999, 102);
    }

    @Test
    void accentsAndCaseAreFoldedAndUnknownWordsAreCutIntoPieces() {
        assertThat(tokenizer.ids("HÉLLO")).containsExactly(tokenizer.ids("hello"));
        long[] pieces = tokenizer.ids("unaffable");
        assertThat(pieces).hasSizeGreaterThan(3).doesNotContain(100L); // no [UNK]
    }

    @Test
    void longTextsAreCutTo128Tokens() {
        long[] ids = tokenizer.ids("word ".repeat(500));
        assertThat(ids).hasSize(WordPiece.MAX_TOKENS);
        assertThat(ids[0]).isEqualTo(101);
        assertThat(ids[ids.length - 1]).isEqualTo(102);
    }
}
