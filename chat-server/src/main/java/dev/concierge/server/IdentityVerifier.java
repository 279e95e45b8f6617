package dev.concierge.server;

import dev.concierge.protocol.Values.Identity;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks a {@code hello.identity} against the site's secret (docs/widget.md, "Identity
 * verification"). Two forms, both made by the site's backend, never in the browser:
 * <ul>
 *   <li>{@code signature}: lower- or upper-case hex of HMAC-SHA256(secret, userId). Simple; valid
 *       for as long as the secret is, like Intercom's user hash.</li>
 *   <li>{@code token}: {@code base64url(userId) "." expiry "." base64url(HMAC-SHA256(secret,
 *       base64url(userId) "." expiry))}, {@code expiry} in Unix seconds, base64url without
 *       padding. Expires, so a leaked token stops working by itself.</li>
 * </ul>
 * Comparisons are constant-time ({@link MessageDigest#isEqual}). A site without a secret
 * verifies nothing.
 */
final class IdentityVerifier {
    private static final Pattern HEX_64 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern TOKEN = Pattern.compile("([A-Za-z0-9_-]{1,400})\\.([0-9]{1,12})\\.([A-Za-z0-9_-]{43})");
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private IdentityVerifier() {}

    /** The verified user id, or empty when the identity is not vouched for by {@code site}'s secret. */
    static Optional<String> verify(Site site, Identity identity, Instant now) {
        if (identity == null || identity.userId() == null || site.identitySecret().isEmpty()) {
            return Optional.empty();
        }
        byte[] secret = site.identitySecret().get().getBytes(StandardCharsets.UTF_8);
        String userId = identity.userId();
        if (identity.signature() != null) {
            if (!HEX_64.matcher(identity.signature()).matches()) {
                return Optional.empty();
            }
            byte[] given = HexFormat.of().parseHex(identity.signature().toLowerCase(java.util.Locale.ROOT));
            return MessageDigest.isEqual(hmac(secret, userId), given) ? Optional.of(userId) : Optional.empty();
        }
        if (identity.token() != null) {
            var m = TOKEN.matcher(identity.token());
            if (!m.matches()) {
                return Optional.empty();
            }
            byte[] expected = hmac(secret, m.group(1) + "." + m.group(2));
            byte[] given;
            try {
                given = Base64.getUrlDecoder().decode(m.group(3));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            if (!MessageDigest.isEqual(expected, given)) {
                return Optional.empty();
            }
            String tokenUser = new String(Base64.getUrlDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
            long expiry = Long.parseLong(m.group(2));
            if (!tokenUser.equals(userId) || now.getEpochSecond() >= expiry) {
                return Optional.empty();
            }
            return Optional.of(userId);
        }
        return Optional.empty();
    }

    /** Hex HMAC-SHA256 of {@code userId}: what a site's backend sends as {@code signature}. */
    static String signature(String secret, String userId) {
        return HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8), userId));
    }

    /** A token for {@code userId} valid until {@code expiry}: what a site's backend sends as {@code token}. */
    static String token(String secret, String userId, Instant expiry) {
        String payload = B64.encodeToString(userId.getBytes(StandardCharsets.UTF_8)) + "." + expiry.getEpochSecond();
        return payload + "." + B64.encodeToString(hmac(secret.getBytes(StandardCharsets.UTF_8), payload));
    }

    private static byte[] hmac(byte[] secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new ServerException("HmacSHA256 is not available", e);
        }
    }
}
