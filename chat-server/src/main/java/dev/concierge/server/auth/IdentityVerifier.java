package dev.concierge.server.auth;

import dev.concierge.protocol.Identity;
import dev.concierge.server.support.ServerException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a {@code hello.identity} against the site's secrets (docs/widget.md, "Identity
 * verification"). Three proofs, all made by the site's backend, never in the browser, each under
 * its own key so that none can stand in for another:
 * <ul>
 *   <li>{@code signature}: lower- or upper-case hex of HMAC-SHA256(secret, userId). Simple; valid
 *       for as long as the secret is, like Intercom's user hash.</li>
 *   <li>{@code token}: {@code base64url(userId) "." expiry "." base64url(HMAC-SHA256(tokenKey,
 *       base64url(userId) "." expiry))}, {@code expiry} in Unix seconds, base64url without
 *       padding, at most {@link #MAX_TOKEN_LIFETIME} ahead. Expires, so a leaked token stops
 *       working by itself.</li>
 *   <li>{@code emailSignature}: hex of HMAC-SHA256(emailKey, base64url(userId) "." base64url(email)):
 *       the site also vouches for the email.</li>
 * </ul>
 * {@code tokenKey} and {@code emailKey} are HKDF-SHA256 (RFC 5869) of the secret with salt
 * {@value #SALT} and info {@value #TOKEN_INFO} or {@value #EMAIL_INFO}. A derived key is an HMAC
 * keyed by the salt, never by the secret, so no {@code signature} of any user id the site
 * hands out equals a token key, and a signature over a user id shaped like a token's payload is
 * not that token's MAC.
 * <p>
 * A site may have two secrets while it rotates: the current and the previous one; a proof under
 * either is accepted. Comparisons are constant-time ({@link MessageDigest#isEqual}). A site
 * without a secret verifies nothing.
 */
public final class IdentityVerifier {
    private static final Logger log = LoggerFactory.getLogger(IdentityVerifier.class);
    /** A token may expire at most this far ahead: a leaked one is useless a day later at worst. */
    public static final Duration MAX_TOKEN_LIFETIME = Duration.ofHours(24);

    static final String SALT = "concierge identity";
    static final String TOKEN_INFO = "token v1";
    static final String EMAIL_INFO = "email v1";
    private static final Pattern HEX_64 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern TOKEN =
            Pattern.compile("([A-Za-z0-9_-]{1,400})\\.([0-9]{1,12})\\.([A-Za-z0-9_-]{43})");
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /**
     * What the site vouched for.
     *
     * @param userId the verified user id
     * @param email  the verified email, or empty when the identity named none or its
     *               {@code emailSignature} did not verify
     */
    public record Verified(String userId, Optional<String> email) {}

    private IdentityVerifier() {}

    /** The verified user id and email, or empty when the identity is not vouched for by {@code site}'s secrets. */
    public static Optional<Verified> verify(Site site, Identity identity, Instant now) {
        if (identity == null || identity.userId() == null) {
            return Optional.empty();
        }
        for (String secret : secrets(site)) {
            Optional<Verified> verified = verify(secret.getBytes(StandardCharsets.UTF_8), identity, now);
            if (verified.isPresent()) {
                return verified;
            }
        }
        return Optional.empty();
    }

    private static List<String> secrets(Site site) {
        List<String> out = new ArrayList<>(2);
        site.identitySecret().ifPresent(out::add);
        site.previousIdentitySecret().ifPresent(out::add);
        return out;
    }

    private static Optional<Verified> verify(byte[] secret, Identity identity, Instant now) {
        String userId = identity.userId();
        boolean user = false;
        if (identity.signature() != null) {
            user = matchesHex(identity.signature(), hmac(secret, userId));
        } else if (identity.token() != null) {
            user = tokenValid(secret, identity.token(), userId, now);
        }
        if (!user) {
            return Optional.empty();
        }
        Optional<String> email = Optional.empty();
        if (identity.email() != null
                && identity.emailSignature() != null
                && matchesHex(
                        identity.emailSignature(),
                        hmac(derive(secret, EMAIL_INFO), emailMessage(userId, identity.email())))) {
            email = Optional.of(identity.email());
        }
        return Optional.of(new Verified(userId, email));
    }

    private static boolean tokenValid(byte[] secret, String token, String userId, Instant now) {
        var m = TOKEN.matcher(token);
        if (!m.matches()) {
            return false;
        }
        String payload = m.group(1) + "." + m.group(2);
        byte[] given = Base64.getUrlDecoder().decode(m.group(3)); // 43 base64url characters always decode
        if (!MessageDigest.isEqual(hmac(derive(secret, TOKEN_INFO), payload), given)) {
            if (MessageDigest.isEqual(hmac(secret, payload), given)) {
                // Made under the secret itself, as by the first token format: that MAC equals a
                // signature of the user id "payload", so it proves nothing.
                log.warn(
                        "identity token signed with the site secret itself, not the token key: rejected (docs/widget.md)");
            }
            return false;
        }
        String tokenUser;
        try {
            tokenUser = new String(Base64.getUrlDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        long expiry = Long.parseLong(m.group(2));
        if (expiry > now.plus(MAX_TOKEN_LIFETIME).getEpochSecond()) {
            log.warn("identity token expiring more than {} ahead: rejected", MAX_TOKEN_LIFETIME);
            return false;
        }
        return tokenUser.equals(userId) && now.getEpochSecond() < expiry;
    }

    private static boolean matchesHex(String hex, byte[] expected) {
        if (!HEX_64.matcher(hex).matches()) {
            return false;
        }
        return MessageDigest.isEqual(expected, HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT)));
    }

    /** Hex HMAC-SHA256 of {@code userId}: what a site's backend sends as {@code signature}. */
    public static String signature(String secret, String userId) {
        return HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8), userId));
    }

    /** A token for {@code userId} valid until {@code expiry}: what a site's backend sends as {@code token}. */
    public static String token(String secret, String userId, Instant expiry) {
        String payload = B64.encodeToString(userId.getBytes(StandardCharsets.UTF_8)) + "." + expiry.getEpochSecond();
        byte[] key = derive(secret.getBytes(StandardCharsets.UTF_8), TOKEN_INFO);
        return payload + "." + B64.encodeToString(hmac(key, payload));
    }

    /** What a site's backend sends as {@code emailSignature} to vouch for {@code email} of {@code userId}. */
    public static String emailSignature(String secret, String userId, String email) {
        byte[] key = derive(secret.getBytes(StandardCharsets.UTF_8), EMAIL_INFO);
        return HexFormat.of().formatHex(hmac(key, emailMessage(userId, email)));
    }

    private static String emailMessage(String userId, String email) {
        // base64url has no '.', so no two (userId, email) pairs give the same message.
        return B64.encodeToString(userId.getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(email.getBytes(StandardCharsets.UTF_8));
    }

    /** HKDF-SHA256 (RFC 5869) of {@code secret}, salt {@link #SALT}: 32 bytes for {@code info}. */
    static byte[] derive(byte[] secret, String info) {
        byte[] prk = hmac(SALT.getBytes(StandardCharsets.UTF_8), secret);
        byte[] infoBytes = info.getBytes(StandardCharsets.UTF_8);
        byte[] block = new byte[infoBytes.length + 1];
        System.arraycopy(infoBytes, 0, block, 0, infoBytes.length);
        block[infoBytes.length] = 1;
        return hmac(prk, block);
    }

    private static byte[] hmac(byte[] key, String message) {
        return hmac(key, message.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new ServerException("HmacSHA256 is not available", e);
        }
    }
}
