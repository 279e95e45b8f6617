package dev.concierge.server.attach;

import java.time.Instant;
import java.util.Optional;

/**
 * The signed paths attachments are downloaded from (docs/attachments.md): short-lived download
 * paths ({@code /files/<token>}) and the lasting links of exports and emails
 * ({@code /files/link/<token>}), both HMAC-SHA256 signed with the store's key.
 */
public final class FileLinks {
    private final byte[] key;

    /** Links signed with {@code key} (at least 32 bytes). */
    public FileLinks(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("key must be at least 32 bytes");
        }
        this.key = key.clone();
    }

    /** A lasting link's target. */
    public record Link(String conversationId, String attachmentId) {}

    /** A download path for {@code attachmentId} that works until {@code expiresAt}. */
    public String downloadPath(String attachmentId, Instant expiresAt) {
        throw new UnsupportedOperationException("not built yet");
    }

    /** The attachment a download token names, if its signature holds and it has not expired at {@code now}. */
    public Optional<String> attachmentOfDownload(String token, Instant now) {
        throw new UnsupportedOperationException("not built yet");
    }

    /** A lasting link ({@code /files/link/<token>}) to {@code attachmentId} of {@code conversationId}. */
    public String linkPath(String conversationId, String attachmentId) {
        throw new UnsupportedOperationException("not built yet");
    }

    /** The target of a lasting link's token, if its signature holds. */
    public Optional<Link> ofLink(String token) {
        throw new UnsupportedOperationException("not built yet");
    }

    int keyLength() {
        return key.length;
    }
}
