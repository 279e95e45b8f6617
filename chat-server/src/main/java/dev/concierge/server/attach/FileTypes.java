package dev.concierge.server.attach;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The type of a file decided from its first bytes (its magic number), never from its name or a
 * Content-Type (docs/attachments.md). Only JPEG, PNG, GIF and WebP are images the server decodes;
 * PDF, ZIP (and so the office formats, which are ZIP files), HEIC, AVIF and TIFF are named by
 * their type but kept as files; anything else, text, HTML, SVG and XML included, is
 * {@code application/octet-stream}, so that no upload is ever served as something a browser runs.
 */
final class FileTypes {
    /** How many leading bytes {@link #of} looks at. */
    static final int HEAD = 32;

    /**
     * A decided type.
     *
     * @param mediaType the media type
     * @param extension its file-name extension without the dot; empty when the type has none of its own
     * @param imageFormat the ImageIO format name that decodes it, for the images the server re-encodes
     */
    record Type(String mediaType, String extension, Optional<String> imageFormat) {
        boolean isImage() {
            return imageFormat.isPresent();
        }
    }

    static final Type JPEG = image("image/jpeg", "jpg", "jpeg");
    static final Type PNG = image("image/png", "png", "png");
    static final Type GIF = image("image/gif", "gif", "gif");
    static final Type WEBP = image("image/webp", "webp", "webp");
    static final Type PDF = file("application/pdf", "pdf");
    /** Zip archives, and the office documents (docx, xlsx, odt…) that are zip archives: no extension forced. */
    static final Type ZIP = file("application/zip", "");

    static final Type HEIC = file("image/heic", "heic");
    static final Type AVIF = file("image/avif", "avif");
    static final Type TIFF = file("image/tiff", "tiff");
    static final Type OTHER = file("application/octet-stream", "");

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final Set<String> HEIC_BRANDS =
            Set.of("heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1");
    private static final Set<String> AVIF_BRANDS = Set.of("avif", "avis");

    private FileTypes() {}

    /** The type of a file that starts with {@code head} (its first {@link #HEAD} bytes, or all of a shorter file). */
    static Type of(byte[] head) {
        if (startsWith(head, 0, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff})) {
            return JPEG;
        }
        if (startsWith(head, 0, PNG_MAGIC)) {
            return PNG;
        }
        if (ascii(head, 0, "GIF87a") || ascii(head, 0, "GIF89a")) {
            return GIF;
        }
        if (ascii(head, 0, "RIFF") && ascii(head, 8, "WEBP")) {
            return WEBP;
        }
        if (ascii(head, 0, "%PDF-")) {
            return PDF;
        }
        if (startsWith(head, 0, new byte[] {'P', 'K', 3, 4}) || startsWith(head, 0, new byte[] {'P', 'K', 5, 6})) {
            return ZIP;
        }
        if (ascii(head, 0, "II*\0") || ascii(head, 0, "MM\0*")) {
            return TIFF;
        }
        if (ascii(head, 4, "ftyp") && head.length >= 12) {
            return isobmff(head);
        }
        return OTHER;
    }

    /** HEIF files (ISO base media, ftyp box): AVIF when a brand says so, HEIC for the HEIF brands. */
    private static Type isobmff(byte[] head) {
        String major = new String(head, 8, 4, StandardCharsets.ISO_8859_1);
        if (AVIF_BRANDS.contains(major) || (major.startsWith("m") && hasCompatibleBrand(head, AVIF_BRANDS))) {
            return AVIF;
        }
        return HEIC_BRANDS.contains(major) ? HEIC : OTHER;
    }

    /** Whether one of the compatible brands after the major brand and minor version (within the head) is in {@code brands}. */
    private static boolean hasCompatibleBrand(byte[] head, Set<String> brands) {
        for (int at = 16; at + 4 <= head.length; at += 4) {
            if (brands.contains(new String(head, at, 4, StandardCharsets.ISO_8859_1))) {
                return true;
            }
        }
        return false;
    }

    private static boolean ascii(byte[] head, int at, String magic) {
        return startsWith(head, at, magic.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static boolean startsWith(byte[] head, int at, byte[] magic) {
        return head.length >= at + magic.length && Arrays.equals(head, at, at + magic.length, magic, 0, magic.length);
    }

    private static Type image(String mediaType, String extension, String format) {
        return new Type(mediaType, extension, Optional.of(format));
    }

    private static Type file(String mediaType, String extension) {
        return new Type(mediaType, extension, Optional.empty());
    }
}
