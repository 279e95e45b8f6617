package dev.concierge.bot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

final class AnalysisTest {

    private static final Analysis ANALYSIS = new Analysis(Map.of());

    @AfterAll
    static void close() {
        ANALYSIS.close();
    }

    private static List<String> words(Language lang, String text) {
        return ANALYSIS.terms(lang, text).words();
    }

    @Test
    void words_keepNegations() {
        assertThat(words(Language.ENGLISH, "I can't log in")).contains("not");
        assertThat(words(Language.ENGLISH, "It doesn't work")).contains("not");
        assertThat(words(Language.ENGLISH, "it didnt arrive")).contains("not");
        assertThat(words(Language.ENGLISH, "I cannot pay")).contains("not");
        assertThat(words(Language.ENGLISH, "No, not the blue one")).contains("no", "not");
        assertThat(words(Language.FRENCH, "je n'ai pas reçu")).contains("pas");
        assertThat(words(Language.GERMAN, "nicht angekommen")).contains("nicht");
        assertThat(words(Language.SPANISH, "no ha llegado")).contains("no");
    }

    @Test
    void words_keepQuestionWords() {
        assertThat(words(Language.ENGLISH, "why was it declined")).contains("why");
        assertThat(words(Language.ENGLISH, "how was it declined")).contains("how");
    }

    @Test
    void words_dropStopWordsAndStem() {
        assertThat(words(Language.ENGLISH, "the orders are here")).containsExactly("order", "here");
        assertThat(words(Language.ENGLISH, "returned returning returns"))
                .containsOnly(words(Language.ENGLISH, "return").get(0));
    }

    @Test
    void terms_expandContractions() {
        assertThat(ANALYSIS.terms(Language.ENGLISH, "I'm sure you'll see").all())
                .isEqualTo(ANALYSIS.terms(Language.ENGLISH, "I am sure you will see")
                        .all());
    }

    @Test
    void terms_expandContractionsTypedWithoutApostrophe() {
        assertThat(ANALYSIS.terms(Language.ENGLISH, "im sure u wont see whats wrong")
                        .all())
                .isEqualTo(ANALYSIS.terms(Language.ENGLISH, "I am sure you will not see what is wrong")
                        .all());
        assertThat(ANALYSIS.terms(Language.ENGLISH, "Where's my card? It's late")
                        .all())
                .isEqualTo(ANALYSIS.terms(Language.ENGLISH, "where is my card? it is late")
                        .all());
        // Words that are also contractions without their apostrophe are left alone.
        assertThat(ANALYSIS.terms(Language.ENGLISH, "we were ill").all()).contains("were", "ill");
        assertThat(ANALYSIS.terms(Language.ENGLISH, "shipping to the U.K.").all())
                .isEqualTo(
                        ANALYSIS.terms(Language.ENGLISH, "shipping to the U.K.").all())
                .doesNotContain("you");
    }

    @Test
    void words_foldAccentsAndElisions() {
        assertThat(words(Language.FRENCH, "l'adresse")).isEqualTo(words(Language.FRENCH, "adresse"));
        assertThat(words(Language.FRENCH, "livraison à domicile"))
                .isEqualTo(words(Language.FRENCH, "livraison a domicile"));
        assertThat(words(Language.GERMAN, "Rückgabe")).isEqualTo(words(Language.GERMAN, "ruckgabe"));
    }

    @Test
    void shingles_keepStopWordsApart() {
        assertThat(ANALYSIS.terms(Language.ENGLISH, "sign up").shingles())
                .isNotEqualTo(ANALYSIS.terms(Language.ENGLISH, "sign off").shingles());
        assertThat(ANALYSIS.terms(Language.ENGLISH, "track my order").shingles())
                .containsExactly("track_my", "my_order");
    }

    @Test
    void synonyms_bundledEnglishGroupsMeetOnOneTerm() {
        assertThat(words(Language.ENGLISH, "purchase")).isEqualTo(words(Language.ENGLISH, "buy"));
        assertThat(words(Language.ENGLISH, "parcel")).isEqualTo(words(Language.ENGLISH, "package"));
        assertThat(words(Language.ENGLISH, "sign in")).isEqualTo(words(Language.ENGLISH, "log in"));
        assertThat(words(Language.ENGLISH, "shipped")).isEqualTo(words(Language.ENGLISH, "delivery"));
    }

    @Test
    void language_forCodeIgnoresCaseAndRejectsUnknown() {
        assertThat(Language.forCode("EN")).contains(Language.ENGLISH);
        assertThat(Language.forCode("xx")).isEmpty();
        assertThat(Language.codes()).contains("en", "fr", "de", "es");
    }
}
