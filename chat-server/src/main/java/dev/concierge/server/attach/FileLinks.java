package dev.concierge.server.attach;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signed paths attachments are downloaded from (docs/attachments.md): short-lived download
 * paths ({@code /files/<token>}) and the lasting links of exports and emails
 * ({@code /files/link/<token>}), both HMAC-SHA256 signed with the store's key.
 *
 * <p>A token is {@code <payload>.<signature>}, both base64url without padding: the payload names
 * what it opens (a download: the attachment id and the expiry in epoch seconds; a link: the
 * conversation id, the attachment id and when it was issued), the signature is the HMAC of a
 * purpose tag and the payload, so a link's token never works as a download token nor the other
 * way round. Signatures are compared in constant time.
 */
public final class FileLinks {
    private static final String DOWNLOAD = "download\n";
    private static final String LINK = "link\n";
    private static final String SEP = "|";
    /** Longer tokens are refused unread: real ones are under 200 characters. */
    private static final int MAX_TOKEN = 512;

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();

    private final byte[] key;

    /** Links signed with {@code key} (at least 32 bytes). */
    public FileLinks(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("key must be at least 32 bytes");
        }
        this.key = key.clone();
    }

    /**
     * Links signed with a key derived from {@code secret} (its SHA-256; {@code
     * CONCIERGE_FILES_SECRET}, the same on every node) when it is set and not blank, else with
     * {@code storeKey}'s (made once and kept in the store).
     */
    public static FileLinks keyed(Optional<String> secret, Supplier<byte[]> storeKey) {
        Optional<String> given = secret.filter(s -> !s.isBlank());
        if (given.isEmpty()) {
            return new FileLinks(storeKey.get());
        }
        try {
            return new FileLinks(
                    MessageDigest.getInstance("SHA-256").digest(given.get().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** A lasting link's target. */
    public record Link(String conversationId, String attachmentId) {}

    /** A download path for {@code attachmentId} that works until {@code expiresAt}. */
    public String downloadPath(String attachmentId, Instant expiresAt) {
        return "/files/" + sign(DOWNLOAD, attachmentId + SEP + expiresAt.getEpochSecond());
    }

    /** The attachment a download token names, if its signature holds and it has not expired at {@code now}. */
    public Optional<String> attachmentOfDownload(String token, Instant now) {
        return verified(DOWNLOAD, token).flatMap(payload -> {
            String[] parts = payload.split("\\|", -1);
            if (parts.length != 2) {
                return Optional.empty();
            }
            try {
                long expires = Long.parseLong(parts[1]);
                return now.getEpochSecond() < expires ? Optional.of(parts[0]) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** A lasting link ({@code /files/link/<token>}) to {@code attachmentId} of {@code conversationId}. */
    public String linkPath(String conversationId, String attachmentId) {
        return linkPath(conversationId, attachmentId, Instant.now());
    }

    /** {@link #linkPath(String, String)} recording {@code issuedAt} in the token. */
    public String linkPath(String conversationId, String attachmentId, Instant issuedAt) {
        return "/files/link/" + sign(LINK, conversationId + SEP + attachmentId + SEP + issuedAt.getEpochSecond());
    }

    /** The target of a lasting link's token, if its signature holds. */
    public Optional<Link> ofLink(String token) {
        return verified(LINK, token).flatMap(payload -> {
            String[] parts = payload.split("\\|", -1);
            return parts.length == 3 ? Optional.of(new Link(parts[0], parts[1])) : Optional.empty();
        });
    }

    private String sign(String purpose, String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return B64.encodeToString(bytes) + "." + B64.encodeToString(mac(purpose, bytes));
    }

    /** The payload of {@code token} when its signature for {@code purpose} holds. */
    private Optional<String> verified(String purpose, String token) {
        if (token == null || token.length() > MAX_TOKEN) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot < 1 || dot != token.lastIndexOf('.')) {
            return Optional.empty();
        }
        byte[] payload;
        byte[] signature;
        try {
            payload = UNB64.decode(token.substring(0, dot));
            signature = UNB64.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(signature, mac(purpose, payload))) {
            return Optional.empty();
        }
        return Optional.of(new String(payload, StandardCharsets.UTF_8));
    }

    private byte[] mac(String purpose, byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(purpose.getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    int keyLength() {
        return key.length;
    }
}
