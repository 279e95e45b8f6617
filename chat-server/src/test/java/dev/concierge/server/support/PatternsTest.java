package dev.concierge.server.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shared name and origin shapes accept what the docs promise and nothing more. */
final class PatternsTest {
    private static boolean ok(Pattern p, String s) {
        return p.matcher(s).matches();
    }

    @Test
    void origin_isSchemeHostAndPort_withoutPathOrOtherScheme() {
        assertThat(ok(Patterns.ORIGIN, "https://shop.example")).isTrue();
        assertThat(ok(Patterns.ORIGIN, "http://localhost:8080")).isTrue();
        assertThat(ok(Patterns.ORIGIN, "https://shop.example/")).isFalse();
        assertThat(ok(Patterns.ORIGIN, "https://shop.example:123456")).isFalse();
        assertThat(ok(Patterns.ORIGIN, "ftp://shop.example")).isFalse();
        assertThat(ok(Patterns.ORIGIN, "https://user@shop.example")).isFalse();
        assertThat(ok(Patterns.ORIGIN, "*")).isFalse();
    }

    @Test
    void name_isLowerCase_upTo64_startingWithALetterOrDigit() {
        assertThat(ok(Patterns.NAME, "billing")).isTrue();
        assertThat(ok(Patterns.NAME, "a".repeat(64))).isTrue();
        assertThat(ok(Patterns.NAME, "a".repeat(65))).isFalse();
        assertThat(ok(Patterns.NAME, "Billing")).isFalse();
        assertThat(ok(Patterns.NAME, "-billing")).isFalse();
        assertThat(ok(Patterns.NAME, "bill.ing")).isFalse();
    }

    @Test
    void id_andSiteKey_takeTheirOwnAlphabets() {
        assertThat(ok(Patterns.ID, "v_Ab-9")).isTrue();
        assertThat(ok(Patterns.ID, "-")).isTrue();
        assertThat(ok(Patterns.ID, "x".repeat(65))).isFalse();
        assertThat(ok(Patterns.ID, "a.b")).isFalse();
        assertThat(ok(Patterns.SITE_KEY, "Shop.EU-1")).isTrue();
        assertThat(ok(Patterns.SITE_KEY, ".shop")).isFalse();
        assertThat(ok(Patterns.SITE_KEY, "shop/eu")).isFalse();
    }
}
