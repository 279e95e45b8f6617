package dev.concierge.server.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks v1 signatures (docs/integrations.md, "Verifying a delivery"): the signed
 * content is {@code webhook-id + "." + webhook-timestamp + "." + body}, the key is the base64
 * decoding of the secret after {@code whsec_}, the MAC is HMAC-SHA256 and the header value is
 * {@code v1,<base64>}. During a secret rotation the header carries two signatures separated by a
 * space, the new one first, so a receiver holding either secret accepts the delivery.
 */
public final class WebhookSignature {
    private static final String PREFIX = "whsec_";
    private static final String VERSION = "v1,";
    private static final int SECRET_BYTES = 32;

    private WebhookSignature() {}

    /** A new endpoint secret: {@code whsec_} and the base64 of 32 random bytes. */
    public static String secret(SecureRandom random) {
        byte[] key = new byte[SECRET_BYTES];
        random.nextBytes(key);
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /**
     * The signature {@code v1,<base64>} of {@code body} sent as event {@code id} at
     * {@code timestampSeconds} (Unix seconds of this attempt).
     *
     * @throws IllegalArgumentException if the secret is not base64 (after an optional {@code whsec_})
     */
    public static String sign(String secret, String id, long timestampSeconds, byte[] body) {
        return VERSION + Base64.getEncoder().encodeToString(mac(secret, id, Long.toString(timestampSeconds), body));
    }

    /**
     * The {@code webhook-signature} header value: the signature with {@code secret}, then, during a
     * rotation, a space and the signature with {@code previousSecret}.
     */
    public static String header(
            String secret, Optional<String> previousSecret, String id, long timestampSeconds, byte[] body) {
        String current = sign(secret, id, timestampSeconds, body);
        return previousSecret
                .map(old -> current + " " + sign(old, id, timestampSeconds, body))
                .orElse(current);
    }

    /**
     * Whether {@code header} holds a {@code v1} signature of {@code body} with {@code secret}, for
     * {@code id} and {@code timestamp}, and {@code timestamp} lies within {@code window} of
     * {@code now}: what a receiver checks. Signatures are compared in constant time; an
     * unparsable timestamp, secret or signature is a mismatch.
     */
    public static boolean verify(
            String secret, String id, String timestamp, byte[] body, String header, Instant now, Duration window) {
        long seconds;
        byte[] expected;
        try {
            seconds = Long.parseLong(timestamp);
            expected = mac(secret, id, timestamp, body);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (Math.abs(now.getEpochSecond() - seconds) > window.toSeconds()) {
            return false;
        }
        boolean match = false;
        for (String candidate : header.trim().split(" +")) {
            if (!candidate.startsWith(VERSION)) {
                continue;
            }
            byte[] given;
            try {
                given = Base64.getDecoder().decode(candidate.substring(VERSION.length()));
            } catch (IllegalArgumentException e) {
                continue;
            }
            match |= MessageDigest.isEqual(expected, given);
        }
        return match;
    }

    private static byte[] mac(String secret, String id, String timestamp, byte[] body) {
        byte[] key = Base64.getDecoder().decode(secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
