package dev.concierge.server.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks v1 verification, written from the specification and independent of the
 * server's signing code: {@code webhook-signature} holds space-separated {@code v1,<base64>}
 * signatures of {@code "{webhook-id}.{webhook-timestamp}.{body}"}, HMAC-SHA256 keyed with the
 * base64-decoded secret (after {@code whsec_}). Timestamps more than 5 minutes from the
 * receiver's clock are refused (the replay window).
 */
public final class WebhookVerifier {
    /** The replay window docs/webhooks.md tells receivers to apply. */
    public static final Duration WINDOW = Duration.ofMinutes(5);

    private WebhookVerifier() {}

    /** Whether one of the {@code v1} signatures in {@code signatures} is the body's. */
    public static boolean verify(String secret, String id, String timestamp, byte[] body, String signatures) {
        if (!secret.startsWith("whsec_") || id.isEmpty() || timestamp.isEmpty()) {
            return false;
        }
        byte[] expected;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            expected = mac.doFinal(body);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
        for (String signature : signatures.trim().split(" +")) {
            if (signature.startsWith("v1,")) {
                try {
                    if (MessageDigest.isEqual(expected, Base64.getDecoder().decode(signature.substring(3)))) {
                        return true;
                    }
                } catch (IllegalArgumentException notBase64) {
                    // another signature may still match
                }
            }
        }
        return false;
    }

    /** Whether {@code timestamp} (Unix seconds) is within {@link #WINDOW} of {@code now}. */
    public static boolean fresh(String timestamp, Instant now) {
        try {
            Instant at = Instant.ofEpochSecond(Long.parseLong(timestamp));
            return Duration.between(at, now).abs().compareTo(WINDOW) <= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
