package dev.concierge.server.mail;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signed reply address of a conversation: {@code reply+<c>.<h>@replyDomain}, where {@code <c>}
 * is the conversation id's 12 random bytes in lower-case base32 (20 characters) and {@code <h>}
 * the first 10 bytes of {@code HMAC-SHA256(secret, "reply-token:v1:" + site + ":" +
 * conversationId)} in base32 (16 characters). The local part is 43 characters (at most 64 are
 * allowed) and case-insensitive, because some relays change the case of local parts.
 *
 * <p>A token signed with the previous secret is still accepted while the secret is rotated. MACs
 * are compared in constant time. 80 bits of MAC cannot be guessed online; the reader also checks
 * the sender, so a leaked address only lets its own visitor write.
 */
public final class ReplyToken {
    /** The shortest secret accepted, in bytes. */
    public static final int MIN_SECRET_BYTES = 32;

    static final String PREFIX = "reply+";
    private static final int ID_BYTES = 12;
    private static final int MAC_BYTES = 10;
    private static final Pattern CONVERSATION_ID = Pattern.compile("c_[A-Za-z0-9_-]{16}");
    private static final Pattern LOCAL_PART = Pattern.compile("reply\\+([a-z2-7]{20})\\.([a-z2-7]{16})");
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

    private final byte[] secret;
    private final Optional<byte[]> previousSecret;

    /**
     * @param secret the key of new tokens, at least {@value #MIN_SECRET_BYTES} bytes
     * @param previousSecret the key of tokens mailed before a rotation, accepted but never used for
     *     new tokens; at least {@value #MIN_SECRET_BYTES} bytes
     */
    public ReplyToken(byte[] secret, Optional<byte[]> previousSecret) {
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(previousSecret, "previousSecret");
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(
                    "secret must be at least " + MIN_SECRET_BYTES + " bytes, was " + secret.length);
        }
        previousSecret.ifPresent(p -> {
            if (p.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException(
                        "previousSecret must be at least " + MIN_SECRET_BYTES + " bytes, was " + p.length);
            }
        });
        this.secret = secret.clone();
        this.previousSecret = previousSecret.map(byte[]::clone);
    }

    /**
     * The reply address of a conversation of a site.
     *
     * @throws IllegalArgumentException if the conversation id is not one the server makes
     *     ({@code c_} and 16 base64url characters)
     */
    public String address(String site, String conversationId, String replyDomain) {
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(replyDomain, "replyDomain");
        if (replyDomain.isEmpty()
                || replyDomain.contains("@")
                || replyDomain.chars().anyMatch(ch -> ch <= ' ')) {
            throw new IllegalArgumentException("replyDomain must be a host name, was " + replyDomain);
        }
        return localPart(site, conversationId) + "@" + replyDomain;
    }

    /** The local part of the reply address of a conversation: {@code reply+<c>.<h>}. */
    String localPart(String site, String conversationId) {
        byte[] id = idBytes(conversationId)
                .orElseThrow(() -> new IllegalArgumentException("not a conversation id: " + conversationId));
        return PREFIX + base32(id) + "." + base32(mac(secret, site, conversationId));
    }

    /**
     * The conversation a reply address's local part names, if its MAC is right for this site
     * (with the current or the previous secret). Case is ignored; anything else gives empty.
     */
    public Optional<String> conversationOf(String site, String localPart) {
        Objects.requireNonNull(site, "site");
        Optional<String> claimed = claimedConversation(localPart);
        if (claimed.isEmpty()) {
            return Optional.empty();
        }
        String conversationId = claimed.get();
        String lower = localPart.toLowerCase(Locale.ROOT);
        byte[] given = base32Decode(lower.substring(lower.indexOf('.') + 1));
        boolean ok = MessageDigest.isEqual(given, mac(secret, site, conversationId))
                | previousSecret
                        .map(p -> MessageDigest.isEqual(given, mac(p, site, conversationId)))
                        .orElse(false);
        return ok ? claimed : Optional.empty();
    }

    /**
     * The conversation id a local part claims, NOT checked: the reader uses it to find the
     * conversation's site, then checks the token with {@link #conversationOf}.
     */
    public static Optional<String> claimedConversation(String localPart) {
        if (localPart == null || localPart.length() > 64) {
            return Optional.empty();
        }
        var m = LOCAL_PART.matcher(localPart.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return Optional.empty();
        }
        byte[] id = base32Decode(m.group(1));
        if (!base32(id).equals(m.group(1))) {
            return Optional.empty(); // non-zero padding bits: not a token we made
        }
        return Optional.of("c_" + Base64.getUrlEncoder().withoutPadding().encodeToString(id));
    }

    private static Optional<byte[]> idBytes(String conversationId) {
        if (conversationId == null || !CONVERSATION_ID.matcher(conversationId).matches()) {
            return Optional.empty();
        }
        byte[] id = Base64.getUrlDecoder().decode(conversationId.substring(2));
        // 16 characters carry exactly 96 bits, so every such id round-trips.
        return id.length == ID_BYTES ? Optional.of(id) : Optional.empty();
    }

    private static byte[] mac(byte[] key, String site, String conversationId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] full =
                    mac.doFinal(("reply-token:v1:" + site + ":" + conversationId).getBytes(StandardCharsets.UTF_8));
            return Arrays.copyOf(full, MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** RFC 4648 base32, lower case, without padding. */
    static String base32(byte[] bytes) {
        StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }

    /** Decodes lower-case base32 without padding; the caller has checked the alphabet. */
    static byte[] base32Decode(String text) {
        byte[] out = new byte[text.length() * 5 / 8];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            buffer = (buffer << 5) | ALPHABET.indexOf(text.charAt(i));
            bits += 5;
            if (bits >= 8) {
                out[n++] = (byte) (buffer >> (bits - 8));
                bits -= 8;
            }
        }
        return out;
    }
}
