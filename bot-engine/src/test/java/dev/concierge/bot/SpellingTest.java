package dev.concierge.bot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.bot.testing.SampleFaq;
import java.util.List;
import org.junit.jupiter.api.Test;

final class SpellingTest {

    @Test
    void distance_countsTranspositionAsOneEdit() {
        assertThat(Spelling.distance("order", "order")).isZero();
        assertThat(Spelling.distance("ordr", "order")).isEqualTo(1);
        assertThat(Spelling.distance("recieve", "receive")).isEqualTo(1);
        assertThat(Spelling.distance("kitten", "sitting")).isEqualTo(3);
    }

    @Test
    void answer_toleratesTypos() {
        FaqBot bot = SampleFaq.bot();
        assertThat(topEntry(bot.answer("wher is my ordr"))).isEqualTo("order-status");
        assertThat(topEntry(bot.answer("how do I retrun an itme"))).isEqualTo("returns-how");
        assertThat(topEntry(bot.answer("I forgot my pasword"))).isEqualTo("password-reset");
    }

    @Test
    void closest_prefersTheWordSharingTheLongerStart() {
        KnowledgeBase kb = new KnowledgeBase(
                "en",
                List.of(
                        FaqEntry.of("refund", List.of("I want my money back"), "a"),
                        FaqEntry.of("count", List.of("How many items can I order?"), "b"),
                        FaqEntry.of("limit", List.of("How many times can I try?"), "c")));
        // "mony" is one edit from "money" and from "many", the more common word here.
        try (Analysis analysis = new Analysis(java.util.Map.of());
                FaqIndex index = new FaqIndex(kb, analysis, Tuning.DEFAULT)) {
            assertThat(index.rank("mony", 3).get(0).entry()).isZero();
        }
    }

    @Test
    void answer_typoScoresBelowCorrectSpelling() {
        FaqBot bot = SampleFaq.bot();
        assertThat(bot.answer("I forgot my pasword").confidence())
                .isLessThanOrEqualTo(bot.answer("I forgot my password").confidence());
    }

    @Test
    void answer_doesNotCorrectIntoUnrelatedEntries() {
        KnowledgeBase kb = new KnowledgeBase(
                "en",
                List.of(
                        FaqEntry.of("hours", List.of("When are you open?", "What are your opening hours?"), "9 to 5."),
                        FaqEntry.of("parking", List.of("Where can I park?", "Is there parking nearby?"), "Behind.")));
        try (FaqBot small = FaqBot.create(kb)) {
            assertThat(small.answer("xylophone lessons").answered()).isFalse();
        }
    }

    private static String topEntry(BotReply reply) {
        return reply.entryId().orElseGet(() -> reply.suggestions().get(0).entryId());
    }

    /**
     * The question the embedder is given: contractions expanded; a word the model has no token
     * for, spelt as the phrasings spell it when it is a typing slip from one of their words;
     * a word the model knows left as typed, even when the phrasings never use it.
     */
    @Test
    void theModelGetsTheQuestionWithTheKnowledgeBasesSpellingOfWordsItDoesNotKnow() {
        KnowledgeBase kb = new KnowledgeBase(
                "en",
                List.of(
                        FaqEntry.of("times", List.of("When will I receive what I ordered?"), "a"),
                        FaqEntry.of("staff", List.of("Can I talk to your staff?"), "b")));
        java.util.Set<String> modelWords = java.util.Set.of("how", "long", "till", "you", "stuff", "parcel", "not");
        Embedder model = new Embedder() {
            @Override
            public String name() {
                return "words";
            }

            @Override
            public boolean supports(String language) {
                return true;
            }

            @Override
            public boolean knows(String word) {
                return modelWords.contains(word);
            }

            @Override
            public float[] embed(String text) {
                return new float[] {1, 0};
            }
        };
        try (SemanticIndex index = new SemanticIndex(kb, new Semantics(model, Semantics.Weights.DEFAULT))) {
            assertThat(index.forModel("how long till u recieve my stuff? the parcel hasnt come"))
                    .isEqualTo("how long till you receive my stuff? the parcel has not come");
            assertThat(index.forModel("Recieve ORDERD")).isEqualTo("receive ordered");
            assertThat(index.forModel("When will I receive what I ordered?"))
                    .isEqualTo("When will I receive what I ordered?");
        }
    }
}
