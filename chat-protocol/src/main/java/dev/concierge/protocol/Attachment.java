package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A file carried by a {@code message} event (docs/attachments.md): what the server decided from
 * its bytes, never a URL (download URLs are short-lived and asked for separately).
 *
 * @param id the attachment's id, {@code a_} and 26 base32 characters
 * @param name its sanitised file name, shown to people and used for downloads
 * @param kind {@link #IMAGE} (decoded and re-encoded by the server, shown inline) or {@link #FILE}
 *     (offered as a download only)
 * @param mediaType the type the server decided from the bytes, such as {@code image/png} or
 *     {@code application/pdf}
 * @param size its stored size in bytes
 * @param width its width in pixels, for images; null otherwise
 * @param height its height in pixels, for images; null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Attachment(
        String id, String name, String kind, String mediaType, long size, Integer width, Integer height) {
    /** An image, decoded and re-encoded by the server, shown inline. */
    public static final String IMAGE = "image";

    /** Any other file, offered as a download only. */
    public static final String FILE = "file";

    private static final Pattern ID = Pattern.compile("a_[a-z2-7]{26}");
    private static final Pattern MEDIA_TYPE = Pattern.compile("[a-z0-9.+-]{1,64}/[a-z0-9.+-]{1,64}");

    /** The longest file name kept, in characters. */
    public static final int MAX_NAME = 120;

    /**
     * Checks every field; the message names the field at fault.
     *
     * @param id the attachment's id
     * @param name its sanitised file name
     * @param kind {@link #IMAGE} or {@link #FILE}
     * @param mediaType the type decided from the bytes
     * @param size its stored size in bytes
     * @param width its width in pixels, for images
     * @param height its height in pixels, for images
     */
    public Attachment {
        if (!isId(id)) {
            throw new IllegalArgumentException("attachment.id must be a_ and 26 base32 characters");
        }
        Objects.requireNonNull(name, "attachment.name");
        if (name.isBlank() || name.length() > MAX_NAME) {
            throw new IllegalArgumentException("attachment.name must be 1 to " + MAX_NAME + " characters");
        }
        if (!IMAGE.equals(kind) && !FILE.equals(kind)) {
            throw new IllegalArgumentException("attachment.kind must be image or file");
        }
        if (mediaType == null || !MEDIA_TYPE.matcher(mediaType).matches()) {
            throw new IllegalArgumentException("attachment.mediaType must be a media type such as image/png");
        }
        if (size < 0) {
            throw new IllegalArgumentException("attachment.size must not be negative");
        }
        if (IMAGE.equals(kind) && (width == null || height == null || width < 1 || height < 1)) {
            throw new IllegalArgumentException("attachment.width and height must be positive for an image");
        }
    }

    /**
     * Whether {@code id} has the form of an attachment id.
     *
     * @param id the id to check, or null
     * @return true for {@code a_} and 26 base32 characters
     */
    public static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /**
     * Whether it is shown inline as an image.
     *
     * @return true for {@link #IMAGE}
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isImage() {
        return IMAGE.equals(kind);
    }
}
