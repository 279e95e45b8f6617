package dev.concierge.server.attach;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The limits of attachments (docs/attachments.md).
 *
 * @param maxFileBytes the largest upload, in bytes (default 10 MB): refused while streaming
 * @param maxConversationBytes the most stored in one conversation, in bytes (default 50 MB)
 * @param maxPixels the most pixels an image may decode to (default 40 million): decompression
 *     bombs are refused from their header, before decoding
 * @param downloadTtl how long a download URL works (default 5 minutes)
 * @param uploadsPerWindow how many uploads one visitor may make per {@code uploadWindow} (default
 *     20 per 10 minutes)
 * @param uploadWindow the window of {@code uploadsPerWindow}
 * @param unreferencedAfter when an upload no message refers to is deleted (default 24 hours)
 * @param clamd a clamd daemon to scan every upload with (its INSTREAM command); empty for none
 * @param publicUrl the address people reach this server at ({@code https://chat.example.com}),
 *     which the lasting file links of transcript exports and emails start with; empty for none
 *     (exports and emails then name files without a link)
 */
public record AttachmentSettings(
        long maxFileBytes,
        long maxConversationBytes,
        long maxPixels,
        Duration downloadTtl,
        int uploadsPerWindow,
        Duration uploadWindow,
        Duration unreferencedAfter,
        Optional<InetSocketAddress> clamd,
        Optional<String> publicUrl) {
    /** The defaults: 10 MB per file, 50 MB per conversation, 40 MP, 5 minutes, 20 per 10 minutes, 24 h. */
    public static final AttachmentSettings DEFAULTS = new AttachmentSettings(
            10L << 20,
            50L << 20,
            40_000_000L,
            Duration.ofMinutes(5),
            20,
            Duration.ofMinutes(10),
            Duration.ofHours(24),
            Optional.empty(),
            Optional.empty());

    /** Checks every field; the message names the field at fault. */
    public AttachmentSettings {
        if (maxFileBytes < 1) {
            throw new IllegalArgumentException("maxFileBytes must be positive");
        }
        if (maxConversationBytes < maxFileBytes) {
            throw new IllegalArgumentException("maxConversationBytes must be at least maxFileBytes");
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be positive");
        }
        positive(downloadTtl, "downloadTtl");
        if (uploadsPerWindow < 1) {
            throw new IllegalArgumentException("uploadsPerWindow must be positive");
        }
        positive(uploadWindow, "uploadWindow");
        positive(unreferencedAfter, "unreferencedAfter");
        Objects.requireNonNull(clamd, "clamd");
        Objects.requireNonNull(publicUrl, "publicUrl");
        publicUrl.ifPresent(AttachmentSettings::checkPublicUrl);
    }

    /** These settings with {@code publicUrl}. */
    public AttachmentSettings withPublicUrl(String publicUrl) {
        return new AttachmentSettings(
                maxFileBytes,
                maxConversationBytes,
                maxPixels,
                downloadTtl,
                uploadsPerWindow,
                uploadWindow,
                unreferencedAfter,
                clamd,
                Optional.of(publicUrl));
    }

    private static void checkPublicUrl(String url) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("publicUrl must be an http or https URL, was " + url);
        }
        if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
                || uri.getHost() == null
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null
                || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(
                    "publicUrl must be an http or https URL with a host and no query, was " + url);
        }
    }

    private static void positive(Duration d, String field) {
        Objects.requireNonNull(d, field);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be positive");
        }
    }
}
