package dev.concierge.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Signatures checked against values computed elsewhere: the Standard Webhooks specification's
 * published example and the {@code openssl} command line, never against the class itself.
 */
final class WebhookSignatureTest {
    // The example of the Standard Webhooks specification, verified by its reference libraries.
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long SPEC_TIMESTAMP = 1614265330;
    private static final byte[] SPEC_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static final Duration WINDOW = Duration.ofMinutes(5);

    @Test
    void sign_reproducesTheSpecificationsExample() {
        assertThat(WebhookSignature.sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY))
                .isEqualTo(SPEC_SIGNATURE);
    }

    @Test
    void sign_matchesOpensslOverARandomSecretAndANonAsciiBody() throws Exception {
        String secret = WebhookSignature.secret(new SecureRandom());
        byte[] body = "{\"text\":\"crème brûlée \\u2603 ☃\",\"n\":1}\n".getBytes(StandardCharsets.UTF_8);
        String id = "evt_Qm9vZ2xlLXRlc3QtMDAx";

        String expected = "v1," + opensslHmac(secret, (id + ".1765063255.").getBytes(StandardCharsets.UTF_8), body);

        assertThat(WebhookSignature.sign(secret, id, 1765063255L, body)).isEqualTo(expected);
    }

    @Test
    void secret_isThePrefixAndThirtyTwoRandomBytes() {
        SecureRandom random = new SecureRandom();
        String one = WebhookSignature.secret(random);
        String two = WebhookSignature.secret(random);

        assertThat(one).startsWith("whsec_").isNotEqualTo(two);
        assertThat(Base64.getDecoder().decode(one.substring("whsec_".length()))).hasSize(32);
    }

    @Test
    void header_carriesTheNewSignatureFirstAndTheOldOneDuringARotation() {
        String fresh = WebhookSignature.secret(new SecureRandom());

        String header = WebhookSignature.header(fresh, Optional.of(SPEC_SECRET), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);

        assertThat(header.split(" ")).hasSize(2);
        assertThat(header.split(" ")[0]).isNotEqualTo(SPEC_SIGNATURE).startsWith("v1,");
        assertThat(header.split(" ")[1]).isEqualTo(SPEC_SIGNATURE);
        assertThat(WebhookSignature.header(SPEC_SECRET, Optional.empty(), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY))
                .isEqualTo(SPEC_SIGNATURE);
    }

    @Test
    void verify_acceptsTheSpecificationsExampleWithinTheWindow_andEitherSecretOfARotation() {
        Instant sent = Instant.ofEpochSecond(SPEC_TIMESTAMP);
        String fresh = WebhookSignature.secret(new SecureRandom());
        String rotating = WebhookSignature.header(fresh, Optional.of(SPEC_SECRET), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);

        assertThat(verify(SPEC_SECRET, SPEC_SIGNATURE, sent.plusSeconds(300))).isTrue();
        assertThat(verify(SPEC_SECRET, SPEC_SIGNATURE, sent.minusSeconds(300))).isTrue();
        assertThat(verify(SPEC_SECRET, rotating, sent)).isTrue();
        assertThat(verify(fresh, rotating, sent)).isTrue();
    }

    @Test
    void verify_refusesAnOldOrFutureTimestamp_aChangedBodyIdOrSecret_andGarbage() {
        Instant sent = Instant.ofEpochSecond(SPEC_TIMESTAMP);
        String other = WebhookSignature.secret(new SecureRandom());

        assertThat(verify(SPEC_SECRET, SPEC_SIGNATURE, sent.plusSeconds(301))).isFalse();
        assertThat(verify(SPEC_SECRET, SPEC_SIGNATURE, sent.minusSeconds(301))).isFalse();
        assertThat(verify(other, SPEC_SIGNATURE, sent)).isFalse();
        assertThat(WebhookSignature.verify(
                        SPEC_SECRET, "msg_other", "1614265330", SPEC_BODY, SPEC_SIGNATURE, sent, WINDOW))
                .isFalse();
        assertThat(WebhookSignature.verify(
                        SPEC_SECRET, SPEC_ID, "1614265330", "{\"test\": 1}".getBytes(), SPEC_SIGNATURE, sent, WINDOW))
                .isFalse();
        assertThat(verify(SPEC_SECRET, "v2," + SPEC_SIGNATURE.substring(3), sent))
                .isFalse();
        assertThat(verify(SPEC_SECRET, "v1,not base64!", sent)).isFalse();
        assertThat(verify(SPEC_SECRET, "", sent)).isFalse();
        assertThat(WebhookSignature.verify(SPEC_SECRET, SPEC_ID, "soon", SPEC_BODY, SPEC_SIGNATURE, sent, WINDOW))
                .isFalse();
        assertThat(verify("whsec_***", SPEC_SIGNATURE, sent)).isFalse();
    }

    @Test
    void sign_refusesASecretThatIsNotBase64() {
        assertThatThrownBy(() -> WebhookSignature.sign("whsec_not base64", SPEC_ID, 1, SPEC_BODY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static boolean verify(String secret, String header, Instant now) {
        return WebhookSignature.verify(secret, SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_BODY, header, now, WINDOW);
    }

    /** base64(HMAC-SHA256(key = base64-decode(secret after whsec_), prefix + body)) by openssl. */
    private static String opensslHmac(String secret, byte[] prefix, byte[] body) throws Exception {
        String hexKey = HexFormat.of().formatHex(Base64.getDecoder().decode(secret.substring("whsec_".length())));
        Process process = new ProcessBuilder(
                        "openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + hexKey, "-binary")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(prefix);
            in.write(body);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        process.getInputStream().transferTo(out);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("openssl failed");
        }
        assertThat(out.size()).as("a SHA-256 MAC").isEqualTo(32);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }
}
