package dev.concierge.server.attach;

import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.ErrorCode;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.FileImageOutputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

/**
 * Decides what an uploaded file is from its bytes, never from its name or Content-Type
 * (docs/attachments.md): JPEG, PNG, GIF and WebP images are decoded (after a check of their
 * pixel count from the header), turned upright by their EXIF orientation and re-encoded, so that
 * no metadata (EXIF, GPS, comments) and no bytes after the image (polyglots) survive; every other
 * file is kept as it is and only ever served as a download. Blocks: call it off the event loops.
 */
public final class FileInspector {
    private static final float JPEG_QUALITY = 0.9f;

    private final AttachmentSettings settings;
    private final AtomicLong decodes = new AtomicLong();

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
        FileTypes.Type type = FileTypes.of(head(upload));
        if (!type.isImage()) {
            return new Inspection(Attachment.FILE, type.mediaType(), upload, type.extension(), 0, 0);
        }
        BufferedImage image = decode(upload, type);
        int orientation = type == FileTypes.JPEG
                ? Orientation.ofJpeg(upload)
                : type == FileTypes.WEBP ? Orientation.ofWebp(upload) : 1;
        image = Orientation.upright(image, orientation);
        FileTypes.Type stored = type == FileTypes.JPEG ? FileTypes.JPEG : FileTypes.PNG;
        Path content = Files.createTempFile(workDir, "inspected-", "." + stored.extension());
        try {
            if (stored == FileTypes.JPEG) {
                writeJpeg(image, content);
            } else if (!ImageIO.write(image, "png", content.toFile())) {
                throw new Refusal(415, ErrorCode.UNSUPPORTED_TYPE, "this image cannot be stored");
            }
        } catch (IOException | RuntimeException | Refusal e) {
            Files.deleteIfExists(content);
            throw e;
        }
        return new Inspection(
                Attachment.IMAGE, stored.mediaType(), content, stored.extension(), image.getWidth(), image.getHeight());
    }

    private static byte[] head(Path upload) throws IOException {
        try (InputStream in = Files.newInputStream(upload)) {
            return in.readNBytes(FileTypes.HEAD);
        }
    }

    /**
     * The first image of {@code upload}, decoded by the reader of {@code type} only after the
     * header's width × height has been checked against the pixel limit; a GIF's or WebP's later
     * frames are never read.
     */
    private BufferedImage decode(Path upload, FileTypes.Type type) throws IOException, Refusal {
        String format = type.imageFormat().orElseThrow();
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) {
            throw new IllegalStateException("no ImageIO reader for " + format);
        }
        ImageReader reader = readers.next();
        try (ImageInputStream in = new FileImageInputStream(upload.toFile())) {
            reader.setInput(in, true, true);
            long width = reader.getWidth(0);
            long height = reader.getHeight(0);
            if (width < 1 || height < 1) {
                throw undecodable();
            }
            if (width * height > settings.maxPixels()) {
                throw new Refusal(
                        413,
                        ErrorCode.TOO_LARGE,
                        "the image has " + width + " x " + height + " pixels; at most " + settings.maxPixels()
                                + " are accepted");
            }
            decodes.incrementAndGet();
            return reader.read(0);
        } catch (IOException | RuntimeException e) {
            // Malformed images make ImageIO's decoders throw IIOException but also
            // IllegalArgumentException, ArrayIndexOutOfBoundsException and the like.
            throw undecodable();
        } finally {
            reader.dispose();
        }
    }

    private static Refusal undecodable() {
        return new Refusal(415, ErrorCode.UNSUPPORTED_TYPE, "the file is not an image its type can decode");
    }

    /** Writes {@code image} as a baseline JPEG of quality 0.9 with no metadata but the JFIF header. */
    private static void writeJpeg(BufferedImage image, Path target) throws IOException {
        BufferedImage opaque = image;
        int type = image.getType();
        if (type != BufferedImage.TYPE_3BYTE_BGR && type != BufferedImage.TYPE_BYTE_GRAY) {
            opaque = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = opaque.createGraphics();
            try {
                g.drawImage(image, 0, 0, null);
            } finally {
                g.dispose();
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = new FileImageOutputStream(target.toFile())) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(JPEG_QUALITY);
            writer.setOutput(out);
            writer.write(null, new IIOImage(opaque, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    /** How many images have been handed to a decoder (the pixel limit is checked before). */
    long decodes() {
        return decodes.get();
    }

    long maxPixels() {
        return settings.maxPixels();
    }
}
