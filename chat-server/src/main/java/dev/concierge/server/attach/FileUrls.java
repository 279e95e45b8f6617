package dev.concierge.server.attach;

import java.util.Objects;
import java.util.Optional;

/**
 * The lasting, absolute URLs of attachments that transcript exports and emails carry
 * (docs/attachments.md): the server's public URL followed by a signed {@code /files/link/…} path,
 * which hands out a fresh short-lived download URL each time it is opened.
 */
@FunctionalInterface
public interface FileUrls {
    /** No URLs: the server keeps no attachments, or does not know its public URL. */
    FileUrls NONE = (conversationId, attachmentId) -> Optional.empty();

    /** The lasting URL of {@code attachmentId} of {@code conversationId}, if there is one. */
    Optional<String> lasting(String conversationId, String attachmentId);

    /**
     * The URLs of {@code store}'s attachments under the public URL of {@code settings}; {@link
     * #NONE} when the store keeps no attachments or no public URL is set.
     */
    public static FileUrls of(dev.concierge.store.ConversationStore store, AttachmentSettings settings) {
        return settings.publicUrl()
                .flatMap(url -> store.attachments().map(a -> under(url, FileLinks.forStore(a))))
                .orElse(NONE);
    }

    /** URLs under {@code publicUrl} (such as {@code https://chat.example.com}), signed by {@code links}. */
    static FileUrls under(String publicUrl, FileLinks links) {
        Objects.requireNonNull(links, "links");
        String base = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
        return (conversationId, attachmentId) -> Optional.of(base + links.linkPath(conversationId, attachmentId));
    }
}
