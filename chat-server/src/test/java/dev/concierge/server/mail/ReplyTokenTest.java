package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.server.support.Ids;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class ReplyTokenTest {
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    static final byte[] OTHER = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.UTF_8);
    static final String ID = "c_AbC-_xyz01234567";

    final ReplyToken tokens = new ReplyToken(SECRET, Optional.empty());

    static String local(String address) {
        return address.substring(0, address.indexOf('@'));
    }

    @Test
    void addressRoundTripsForServerMadeIds() {
        Ids ids = Ids.secure();
        for (int i = 0; i < 200; i++) {
            String id = ids.conversationId();
            String address = tokens.address("shop", id, "reply.northwind.example");
            assertThat(address).matches("reply\\+[a-z2-7]{20}\\.[a-z2-7]{16}@reply\\.northwind\\.example");
            assertThat(local(address)).hasSize(43);
            assertThat(tokens.conversationOf("shop", local(address))).contains(id);
            assertThat(ReplyToken.claimedConversation(local(address))).contains(id);
        }
    }

    @Test
    void upperCasedLocalPartStillNamesTheConversation() {
        String local = local(tokens.address("shop", ID, "r.example"));
        assertThat(tokens.conversationOf("shop", local.toUpperCase(Locale.ROOT)))
                .contains(ID);
        assertThat(tokens.conversationOf("shop", "Reply+" + local.substring(6))).contains(ID);
    }

    @Test
    void tamperedTokenIsRefused() {
        String local = local(tokens.address("shop", ID, "r.example"));
        for (int i = 6; i < local.length(); i++) {
            if (local.charAt(i) == '.') {
                continue;
            }
            char c = local.charAt(i) == 'a' ? 'b' : 'a';
            String tampered = local.substring(0, i) + c + local.substring(i + 1);
            assertThat(tokens.conversationOf("shop", tampered)).as(tampered).isEmpty();
        }
    }

    @Test
    void tokenOfOtherSiteOrOtherSecretIsRefused() {
        String local = local(tokens.address("shop", ID, "r.example"));
        assertThat(tokens.conversationOf("other", local)).isEmpty();
        assertThat(new ReplyToken(OTHER, Optional.empty()).conversationOf("shop", local))
                .isEmpty();
    }

    @Test
    void previousSecretIsAcceptedWhileRotatingButNotUsedForNewTokens() {
        String old = local(tokens.address("shop", ID, "r.example"));
        ReplyToken rotated = new ReplyToken(OTHER, Optional.of(SECRET));
        assertThat(rotated.conversationOf("shop", old)).contains(ID);
        String fresh = local(rotated.address("shop", ID, "r.example"));
        assertThat(fresh).isNotEqualTo(old);
        assertThat(rotated.conversationOf("shop", fresh)).contains(ID);
        assertThat(tokens.conversationOf("shop", fresh)).isEmpty();
        // after the rotation ends, the old token is refused
        assertThat(new ReplyToken(OTHER, Optional.empty()).conversationOf("shop", old))
                .isEmpty();
    }

    @Test
    void garbageAndOverlongInputGiveEmpty() {
        String local = local(tokens.address("shop", ID, "r.example"));
        for (String bad : new String[] {
            "",
            "reply+",
            "reply+.",
            "help",
            local + "a",
            local.substring(0, local.length() - 1),
            local.replace("reply+", "reply-"),
            local.replace('.', '_'),
            local + "@r.example",
            "reply+" + "a".repeat(20) + "." + "a".repeat(100),
            "x".repeat(10_000),
            local.replace("reply+", "reply+1"),
            "reply+" + "1".repeat(20) + "." + "a".repeat(16),
        }) {
            assertThat(tokens.conversationOf("shop", bad)).as(bad).isEmpty();
            assertThat(ReplyToken.claimedConversation(bad)).as(bad).isEmpty();
        }
        assertThat(tokens.conversationOf("shop", null)).isEmpty();
    }

    @Test
    void nonCanonicalBase32IsRefused() {
        // the last of 20 characters carries 4 padding bits that must be zero
        String local = local(tokens.address("shop", ID, "r.example"));
        char last = local.charAt(25);
        int value = "abcdefghijklmnopqrstuvwxyz234567".indexOf(last);
        char other = "abcdefghijklmnopqrstuvwxyz234567".charAt(value ^ 1);
        String noncanonical = local.substring(0, 25) + other + local.substring(26);
        assertThat(ReplyToken.claimedConversation(noncanonical)).isEmpty();
    }

    @Test
    void badSecretsAndIdsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> new ReplyToken(new byte[31], Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secret");
        assertThatThrownBy(() -> new ReplyToken(SECRET, Optional.of(new byte[8])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("previousSecret");
        assertThatThrownBy(() -> tokens.address("shop", "not-an-id", "r.example"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("conversation id");
        assertThatThrownBy(() -> tokens.address("shop", ID, "a@b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replyDomain");
    }

    @Test
    void base32MatchesRfc4648Vectors() {
        assertThat(ReplyToken.base32("foobar".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("mzxw6ytboi");
        assertThat(ReplyToken.base32("f".getBytes(StandardCharsets.US_ASCII))).isEqualTo("my");
        assertThat(new String(ReplyToken.base32Decode("mzxw6ytboi"), StandardCharsets.US_ASCII))
                .isEqualTo("foobar");
    }
}
