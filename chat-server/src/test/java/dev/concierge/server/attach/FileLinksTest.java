package dev.concierge.server.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Signed download paths and lasting links: what they open, and nothing once changed or expired. */
final class FileLinksTest {
    private static final String AID = "a_abcdefghijklmnopqrstuvwxyz";
    private static final String OTHER = "a_zzzzzzzzzzzzzzzzzzzzzzzzzz";
    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

    private static byte[] key(int fill) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) fill);
        return key;
    }

    private static String token(String path, String prefix) {
        assertThat(path).startsWith(prefix);
        return path.substring(prefix.length());
    }

    @Test
    void aDownloadToken_opensItsAttachment_untilItExpires() {
        FileLinks links = new FileLinks(key(1));
        String token = token(links.downloadPath(AID, NOW.plusSeconds(300)), "/files/");
        assertThat(token).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        assertThat(links.attachmentOfDownload(token, NOW)).contains(AID);
        assertThat(links.attachmentOfDownload(token, NOW.plusSeconds(299))).contains(AID);
        assertThat(links.attachmentOfDownload(token, NOW.plusSeconds(300))).isEmpty();
    }

    @Test
    void aTamperedToken_anotherKey_orALinkTokenUsedAsADownload_opensNothing() {
        FileLinks links = new FileLinks(key(1));
        String token = token(links.downloadPath(AID, NOW.plusSeconds(300)), "/files/");
        String signature = token.substring(token.indexOf('.'));
        String forged = Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(
                                (OTHER + "|" + NOW.plusSeconds(300).getEpochSecond()).getBytes(StandardCharsets.UTF_8))
                + signature;
        assertThat(links.attachmentOfDownload(forged, NOW)).isEmpty();
        String longer = Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(
                                (AID + "|" + NOW.plusSeconds(99_999).getEpochSecond()).getBytes(StandardCharsets.UTF_8))
                + signature;
        assertThat(links.attachmentOfDownload(longer, NOW)).as("a later expiry").isEmpty();
        assertThat(new FileLinks(key(2)).attachmentOfDownload(token, NOW)).isEmpty();
        String link = token(links.linkPath("c_1", AID, NOW), "/files/link/");
        assertThat(links.attachmentOfDownload(link, NOW)).isEmpty();
        assertThat(links.ofLink(token)).isEmpty();
        for (String bad : new String[] {"", ".", "x.y", "a.b.c", "!!!.???", "x".repeat(600) + ".y"}) {
            assertThat(links.attachmentOfDownload(bad, NOW)).as(bad).isEmpty();
            assertThat(links.ofLink(bad)).as(bad).isEmpty();
        }
    }

    @Test
    void aLinkToken_namesItsConversationAndAttachment_withoutExpiring() {
        FileLinks links = new FileLinks(key(1));
        String token = token(links.linkPath("c_Ab-9_x", AID, NOW), "/files/link/");
        assertThat(links.ofLink(token)).contains(new FileLinks.Link("c_Ab-9_x", AID));
        assertThat(new FileLinks(key(3)).ofLink(token)).isEmpty();
    }

    @Test
    void theKey_comesFromTheSecretWhenSet_elseFromTheStore() {
        String token = token(
                FileLinks.keyed(Optional.of("a secret shared by every node"), () -> key(9))
                        .downloadPath(AID, NOW.plusSeconds(60)),
                "/files/");
        assertThat(FileLinks.keyed(Optional.of("a secret shared by every node"), () -> key(7))
                        .attachmentOfDownload(token, NOW))
                .contains(AID);
        assertThat(FileLinks.keyed(Optional.of("another"), () -> key(9)).attachmentOfDownload(token, NOW))
                .isEmpty();
        String stored = token(
                FileLinks.keyed(Optional.of(" "), () -> key(9)).downloadPath(AID, NOW.plusSeconds(60)), "/files/");
        assertThat(new FileLinks(key(9)).attachmentOfDownload(stored, NOW)).contains(AID);
        assertThatThrownBy(() -> new FileLinks(new byte[31])).hasMessageContaining("key");
    }
}
