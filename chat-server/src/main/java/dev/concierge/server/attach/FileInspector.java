package dev.concierge.server.attach;

import dev.concierge.protocol.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Decides what an uploaded file is from its bytes, never from its name or Content-Type
 * (docs/attachments.md): JPEG, PNG, GIF and WebP images are decoded (after a check of their
 * pixel count from the header), turned upright by their EXIF orientation and re-encoded, so that
 * no metadata (EXIF, GPS, comments) and no bytes after the image (polyglots) survive; every other
 * file is kept as it is and only ever served as a download. Blocks: call it off the event loops.
 */
public final class FileInspector {
    private final AttachmentSettings settings;

    /** An inspector with the pixel limit of {@code settings}. */
    public FileInspector(AttachmentSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * What a file is, and the bytes to store.
     *
     * @param kind {@link dev.concierge.protocol.Attachment#IMAGE} or {@link dev.concierge.protocol.Attachment#FILE}
     * @param mediaType the media type decided from the bytes ({@code image/png}, {@code application/pdf},
     *     {@code application/octet-stream}…)
     * @param content the bytes to store: a new file (the re-encoded image) the caller deletes after
     *     storing it, or {@code upload} itself for a file kept as it is
     * @param extension the file-name extension of the decided type, without the dot ({@code png},
     *     {@code pdf}); empty when the type has none of its own
     * @param width the image's width after orientation; 0 for a file
     * @param height the image's height after orientation; 0 for a file
     */
    public record Inspection(String kind, String mediaType, Path content, String extension, int width, int height) {}

    /** Why an upload is refused: an HTTP status and error code, and a message for the uploader. */
    public static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;

        private final int status;
        private final ErrorCode code;

        /** A refusal answered with {@code status} and {@code code}. */
        public Refusal(int status, ErrorCode code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }

        /** The HTTP status to answer. */
        public int status() {
            return status;
        }

        /** The error code to answer. */
        public ErrorCode code() {
            return code;
        }
    }

    /**
     * Inspects {@code upload} (a temporary file holding the whole upload), writing any re-encoded
     * image next to it in {@code workDir}.
     *
     * @throws Refusal for an image over the pixel limit ({@code 413 too_large}) or one that does not
     *     decode ({@code 415 unsupported_type})
     */
    public Inspection inspect(Path upload, Path workDir) throws IOException, Refusal {
        throw new UnsupportedOperationException("not built yet");
    }

    long maxPixels() {
        return settings.maxPixels();
    }
}
