package dev.concierge.server.attach;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Image files built byte by byte for the inspection tests: JPEGs with a hand-written Exif APP1
 * segment (orientation and a GPS block) and a comment, PNGs with text chunks or a lying header,
 * animated GIFs, and lossless WebP (VP8L) files with an optional EXIF chunk.
 */
final class TestImages {
    private TestImages() {}

    /** A {@code width} × {@code height} image whose left half is red and right half blue. */
    static BufferedImage halves(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, width / 2, height);
        g.setColor(Color.BLUE);
        g.fillRect(width / 2, 0, width - width / 2, height);
        g.dispose();
        return image;
    }

    static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code jpeg} with an Exif APP1 (orientation, GPS latitude "N") and a COM segment inserted after SOI. */
    static byte[] withExif(byte[] jpeg, int orientation, String comment) {
        byte[] tiff = exifTiff(orientation);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        segment(out, 0xE1, concat("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), tiff));
        segment(out, 0xFE, comment.getBytes(StandardCharsets.ISO_8859_1));
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /**
     * A big-endian TIFF structure: IFD0 with Orientation and a GPSInfo pointer, and a GPS IFD
     * holding GPSLatitudeRef "N".
     */
    static byte[] exifTiff(int orientation) {
        ByteBuffer b = ByteBuffer.allocate(8 + 2 + 2 * 12 + 4 + 2 + 12 + 4).order(ByteOrder.BIG_ENDIAN);
        b.put("MM".getBytes(StandardCharsets.ISO_8859_1)).putShort((short) 42).putInt(8);
        int gpsIfd = 8 + 2 + 2 * 12 + 4;
        b.putShort((short) 2);
        b.putShort((short) 0x0112)
                .putShort((short) 3)
                .putInt(1)
                .putShort((short) orientation)
                .putShort((short) 0);
        b.putShort((short) 0x8825).putShort((short) 4).putInt(1).putInt(gpsIfd);
        b.putInt(0);
        b.putShort((short) 1);
        b.putShort((short) 1)
                .putShort((short) 2)
                .putInt(2)
                .put((byte) 'N')
                .put((byte) 0)
                .putShort((short) 0);
        b.putInt(0);
        return b.array();
    }

    private static void segment(ByteArrayOutputStream out, int marker, byte[] data) {
        out.write(0xFF);
        out.write(marker);
        out.write((data.length + 2) >>> 8);
        out.write(data.length + 2);
        out.write(data, 0, data.length);
    }

    /** {@code jpeg} with the width and height of its first SOF0/SOF2 segment replaced. */
    static byte[] withJpegSize(byte[] jpeg, int width, int height) {
        byte[] copy = jpeg.clone();
        int at = 2;
        while (at + 4 < copy.length) {
            int marker = copy[at + 1] & 0xFF;
            int length = ((copy[at + 2] & 0xFF) << 8) | (copy[at + 3] & 0xFF);
            if (marker == 0xC0 || marker == 0xC2) {
                ByteBuffer.wrap(copy, at + 5, 4).putShort((short) height).putShort((short) width);
                return copy;
            }
            at += 2 + length;
        }
        throw new IllegalArgumentException("no SOF segment");
    }

    /** A PNG signature and IHDR chunk claiming {@code width} × {@code height} RGBA pixels, then a truncated IDAT. */
    static byte[] pngHeaderOnly(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height);
        ihdr.put((byte) 8).put((byte) 6).put((byte) 0).put((byte) 0).put((byte) 0);
        out.writeBytes(pngChunk("IHDR", ihdr.array()));
        out.writeBytes(new byte[] {0, 0, 0x10, 0, 'I', 'D', 'A', 'T', 0x78, (byte) 0x9c});
        return out.toByteArray();
    }

    /** {@code png} with a tEXt chunk inserted before its last chunk (IEND). */
    static byte[] withPngText(byte[] png, String keyword, String text) {
        byte[] chunk = pngChunk("tEXt", (keyword + "\0" + text).getBytes(StandardCharsets.ISO_8859_1));
        int iend = png.length - 12;
        return concat(
                concat(java.util.Arrays.copyOf(png, iend), chunk), java.util.Arrays.copyOfRange(png, iend, png.length));
    }

    static byte[] pngChunk(String type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        b.putInt(data.length).put(type.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 4, 4 + data.length);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** An animated GIF of {@code frames} solid-colour frames of {@code width} × {@code height}. */
    static byte[] animatedGif(int width, int height, Color... frames) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (Color colour : frames) {
                BufferedImage frame = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = frame.createGraphics();
                g.setColor(colour);
                g.fillRect(0, 0, width, height);
                g.dispose();
                IIOMetadata metadata = writer.getDefaultImageMetadata(
                        ImageTypeSpecifier.createFromBufferedImageType(BufferedImage.TYPE_INT_RGB), null);
                writer.writeToSequence(new IIOImage(frame, null, metadata), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /**
     * A lossless WebP (VP8L) of {@code width} × {@code height} opaque pixels, each black or, where
     * {@code green[y][x]}, pure green: two one-bit prefix codes' worth of bitstream written by hand
     * (the green code has the two symbols 0 and 255, the red, blue, alpha and distance codes one
     * symbol each, no transforms, no colour cache). With {@code exif}, wrapped in an extended (VP8X)
     * file with that EXIF chunk.
     */
    static byte[] webp(boolean[][] green, byte[] exif) {
        int height = green.length;
        int width = green[0].length;
        Bits bits = new Bits();
        bits.put(0x2f, 8);
        bits.put(width - 1, 14).put(height - 1, 14).put(0, 1).put(0, 3);
        bits.put(0, 1).put(0, 1).put(0, 1); // no transform, no colour cache, no meta prefix codes
        bits.put(1, 1).put(1, 1).put(1, 1).put(0, 8).put(255, 8); // green: simple, 2 symbols: 0 and 255
        for (int symbol : new int[] {0, 0, 255, 0}) { // red, blue, alpha, distance: simple, 1 symbol
            bits.put(1, 1).put(0, 1).put(1, 1).put(symbol, 8);
        }
        for (boolean[] row : green) {
            for (boolean g : row) {
                bits.put(g ? 1 : 0, 1);
            }
        }
        byte[] vp8l = chunk("VP8L", bits.bytes());
        byte[] body;
        if (exif == null) {
            body = vp8l;
        } else {
            ByteBuffer vp8x = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            vp8x.put((byte) 0x08).put(new byte[3]);
            vp8x.put((byte) (width - 1)).put((byte) ((width - 1) >> 8)).put((byte) ((width - 1) >> 16));
            vp8x.put((byte) (height - 1)).put((byte) ((height - 1) >> 8)).put((byte) ((height - 1) >> 16));
            body = concat(concat(chunk("VP8X", vp8x.array()), vp8l), chunk("EXIF", exif));
        }
        ByteBuffer riff = ByteBuffer.allocate(12 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        riff.put("RIFF".getBytes(StandardCharsets.ISO_8859_1)).putInt(4 + body.length);
        riff.put("WEBP".getBytes(StandardCharsets.ISO_8859_1)).put(body);
        return riff.array();
    }

    private static byte[] chunk(String fourcc, byte[] data) {
        int padded = data.length + (data.length & 1);
        ByteBuffer b = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        b.put(fourcc.getBytes(StandardCharsets.ISO_8859_1)).putInt(data.length).put(data);
        return b.array();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** Bits packed least significant first, as VP8L reads them. */
    private static final class Bits {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int current;
        private int used;

        Bits put(int value, int count) {
            for (int i = 0; i < count; i++) {
                current |= ((value >>> i) & 1) << used;
                if (++used == 8) {
                    out.write(current);
                    current = 0;
                    used = 0;
                }
            }
            return this;
        }

        byte[] bytes() {
            if (used > 0) {
                out.write(current);
            }
            return out.toByteArray();
        }
    }
}
