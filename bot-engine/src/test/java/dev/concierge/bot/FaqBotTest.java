package dev.concierge.bot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.bot.testing.SampleFaq;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class FaqBotTest {

    private final FaqBot bot = SampleFaq.bot();

    @Test
    void answer_returnsEntryForExactQuestion() {
        BotReply reply = bot.answer("Where is my order?");
        assertThat(reply.kind()).isEqualTo(BotReply.Kind.ANSWER);
        assertThat(reply.answered()).isTrue();
        assertThat(reply.entryId()).contains("order-status");
        assertThat(reply.text()).contains("https://shop.example.com/");
        assertThat(reply.confidence()).isGreaterThanOrEqualTo(bot.threshold()).isLessThanOrEqualTo(1.0);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "How do I return an item?|returns-how",
                "how can i send back the shoes i bought|returns-how",
                "how long until i get my money back|refund-time",
                "can i pay with paypal|payment-methods",
                "I can't log in|password-reset",
                "is delivery free?|shipping-cost",
                "do you deliver abroad|shipping-international"
            })
    void answer_returnsEntryForParaphrase(String question, String entryId) {
        BotReply reply = bot.answer(question);
        assertThat(reply.entryId()).as(question).contains(entryId);
        assertThat(reply.answered()).as(question).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "What is the airspeed velocity of an unladen swallow?",
                "What is the capital of France?",
                "Who won the football world cup in 1998?"
            })
    void answer_offTopicIsNotSure(String question) {
        BotReply reply = bot.answer(question);
        assertThat(reply.kind()).isEqualTo(BotReply.Kind.NOT_SURE);
        assertThat(reply.entryId()).isEmpty();
        assertThat(reply.text()).contains("not sure").contains("person");
        assertThat(reply.suggestions()).hasSizeLessThanOrEqualTo(3);
        assertThat(reply.confidence()).isLessThan(bot.threshold());
    }

    @Test
    void answer_notSureOffersSuggestionsWithFirstQuestion() {
        BotReply reply = bot.answer("parcel");
        if (reply.kind() == BotReply.Kind.NOT_SURE) {
            assertThat(reply.suggestions()).isNotEmpty().hasSizeLessThanOrEqualTo(3);
            Suggestion first = reply.suggestions().get(0);
            FaqEntry entry = bot.knowledgeBase().entry(first.entryId()).orElseThrow();
            assertThat(first.question()).isEqualTo(entry.questions().get(0));
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "human",
                "Agent please",
                "I want to talk to a person",
                "can I speak to someone?",
                "real person",
                "operator",
                "je veux parler à un conseiller",
                "quiero hablar con una persona",
                "Ich möchte mit einem Menschen sprechen",
                "get me a human now"
            })
    void answer_recognisesHumanRequest(String message) {
        BotReply reply = bot.answer(message);
        assertThat(reply.kind()).as(message).isEqualTo(BotReply.Kind.HUMAN_REQUEST);
        assertThat(reply.text()).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"hi", "Hello!", "thanks", "thank you so much", "bye", "good morning", "merci", "hola", "danke"})
    void answer_recognisesSmallTalk(String message) {
        BotReply reply = bot.answer(message);
        assertThat(reply.kind()).as(message).isEqualTo(BotReply.Kind.SMALL_TALK);
    }

    @Test
    void answer_greetingWithQuestionIsAnswered() {
        assertThat(bot.answer("Hi! Where is my order?").entryId()).contains("order-status");
    }

    @Test
    void answerEntry_returnsAnswerWithFullConfidence() {
        BotReply reply = bot.answerEntry("refund-time").orElseThrow();
        assertThat(reply.kind()).isEqualTo(BotReply.Kind.ANSWER);
        assertThat(reply.confidence()).isEqualTo(1.0);
        assertThat(reply.entryId()).contains("refund-time");
        assertThat(reply.suggestions()).extracting(Suggestion::entryId).contains("refund-method");
        assertThat(bot.answerEntry("no-such-entry")).isEmpty();
    }

    @Test
    void misses_recordNotSureWithCandidatesAndTime() {
        Instant now = Instant.parse("2025-01-02T03:04:05Z");
        KnowledgeBase kb = new KnowledgeBase(
                "en",
                List.of(
                        FaqEntry.of("hours", List.of("When are you open?", "What are your opening hours?"), "9 to 5."),
                        FaqEntry.of("phone", List.of("What is your phone number?", "How can I call you?"), "555-0199."),
                        FaqEntry.of("parking", List.of("Where can I park?", "Is there parking?"), "Behind the shop.")));
        try (FaqBot small = FaqBot.builder()
                .knowledgeBase(kb)
                .clock(Clock.fixed(now, ZoneOffset.UTC))
                .build()) {
            small.answer("hello");
            small.answer("Do you sell purple elephants?");
            assertThat(small.misses()).hasSize(1);
            Miss miss = small.misses().get(0);
            assertThat(miss.at()).isEqualTo(now);
            assertThat(miss.question()).isEqualTo("Do you sell purple elephants?");
            assertThat(miss.confidence()).isLessThan(small.threshold());
        }
    }

    @Test
    void misses_keepOnlyTheMostRecent() {
        KnowledgeBase kb = new KnowledgeBase(
                "en",
                List.of(
                        FaqEntry.of("hours", List.of("When are you open?"), "9 to 5."),
                        FaqEntry.of("phone", List.of("What is your phone number?"), "555-0199.")));
        try (FaqBot small = FaqBot.builder().knowledgeBase(kb).maxMisses(2).build()) {
            small.answer("zebra one");
            small.answer("zebra two");
            small.answer("zebra three");
            assertThat(small.misses()).extracting(Miss::question).containsExactly("zebra two", "zebra three");
        }
    }

    @Test
    void builder_thresholdOverridesCalibration() {
        try (FaqBot fixed =
                FaqBot.builder().file(SampleFaq.FILE).threshold(0.99).build()) {
            assertThat(fixed.threshold()).isEqualTo(0.99);
        }
    }

    @Test
    void create_fromKnowledgeBaseAnswers() {
        KnowledgeBase kb = new KnowledgeBase(
                "en",
                List.of(
                        FaqEntry.of("hours", List.of("When are you open?", "What are your opening hours?"), "9 to 5."),
                        FaqEntry.of(
                                "phone", List.of("What is your phone number?", "How can I call you?"), "555-0199.")));
        try (FaqBot small = FaqBot.create(kb)) {
            assertThat(small.answer("what are your opening hours").entryId()).contains("hours");
            assertThat(small.knowledgeBase()).isEqualTo(kb);
        }
    }

    @Test
    void load_readsSampleFile() {
        assertThat(bot.knowledgeBase().entries()).hasSizeGreaterThanOrEqualTo(30);
        assertThat(bot.knowledgeBase().entry("order-status")).isPresent();
        assertThat(Path.of(SampleFaq.FILE.toString())).exists();
    }
}
