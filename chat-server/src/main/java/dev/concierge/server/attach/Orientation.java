package dev.concierge.server.attach;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The EXIF orientation of a photo (the way the camera was held) and turning the decoded pixels
 * upright by it, since the re-encoded image carries no EXIF to tell a viewer to do so. Values 1
 * to 8 as in the EXIF/TIFF specification; anything else, or unreadable EXIF, counts as 1.
 */
final class Orientation {
    /** The largest EXIF block read from a WebP file (a JPEG segment is at most 64 KB anyway). */
    private static final int MAX_EXIF = 1 << 16;

    private Orientation() {}

    /** The orientation in the first Exif APP1 segment of a JPEG file; 1 when there is none. */
    static int ofJpeg(Path file) {
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            List<JPEGSegment> exif = JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif");
            if (exif.isEmpty()) {
                return 1;
            }
            InputStream data = exif.get(0).data();
            if (data.read() == -1) { // the second NUL of "Exif\0\0"
                return 1;
            }
            return ofTiff(data);
        } catch (IOException | RuntimeException e) {
            return 1;
        }
    }

    /** The orientation in the EXIF chunk of an extended (VP8X) WebP file; 1 when there is none. */
    static int ofWebp(Path file) {
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            in.setByteOrder(ByteOrder.LITTLE_ENDIAN);
            in.seek(12);
            byte[] fourcc = new byte[4];
            while (in.read(fourcc) == 4) {
                long size = in.readUnsignedInt();
                if ("EXIF".equals(new String(fourcc, StandardCharsets.ISO_8859_1))) {
                    if (size > MAX_EXIF) {
                        return 1;
                    }
                    byte[] exif = new byte[(int) size];
                    in.readFully(exif);
                    int start = exif.length >= 6 && "Exif".equals(new String(exif, 0, 4, StandardCharsets.ISO_8859_1))
                            ? 6
                            : 0;
                    return ofTiff(new ByteArrayInputStream(exif, start, exif.length - start));
                }
                in.seek(in.getStreamPosition() + size + (size & 1));
            }
            return 1;
        } catch (IOException | RuntimeException e) {
            return 1;
        }
    }

    private static int ofTiff(InputStream tiff) throws IOException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(tiff)) {
            Directory directory = new TIFFReader().read(in);
            Entry entry = directory.getEntryById(TIFF.TAG_ORIENTATION);
            if (entry != null && entry.getValue() instanceof Number n && n.intValue() >= 1 && n.intValue() <= 8) {
                return n.intValue();
            }
            return 1;
        }
    }

    /** Whether {@code orientation} swaps width and height (a quarter turn, with or without a mirror). */
    static boolean swapsSides(int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    /** {@code image} turned upright by {@code orientation}: itself for 1, else a new image of the same type. */
    static BufferedImage upright(BufferedImage image, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        boolean swap = swapsSides(orientation);
        ColorModel model = image.getColorModel();
        WritableRaster target = model.createCompatibleWritableRaster(swap ? h : w, swap ? w : h);
        Raster source = image.getRaster();
        // A row at a time: a source row becomes a target row (1 to 4) or column (5 to 8), in
        // order or reversed; a pixel at a time is about ten times slower on a 12 MP photo.
        boolean reversed = orientation == 2 || orientation == 3 || orientation == 7 || orientation == 8;
        int elements = source.getNumDataElements();
        Object row = null;
        for (int y = 0; y < h; y++) {
            row = source.getDataElements(0, y, w, 1, row);
            if (reversed) {
                reverse(row, w, elements);
            }
            switch (orientation) {
                case 2 -> target.setDataElements(0, y, w, 1, row);
                case 3, 4 -> target.setDataElements(0, h - 1 - y, w, 1, row);
                case 5, 8 -> target.setDataElements(y, 0, 1, w, row);
                default -> target.setDataElements(h - 1 - y, 0, 1, w, row);
            }
        }
        return new BufferedImage(model, target, model.isAlphaPremultiplied(), null);
    }

    /** Reverses the order of the {@code pixels} pixels of {@code row}, each {@code elements} array elements. */
    private static void reverse(Object row, int pixels, int elements) {
        Object swap = java.lang.reflect.Array.newInstance(row.getClass().getComponentType(), elements);
        for (int left = 0, right = pixels - 1; left < right; left++, right--) {
            System.arraycopy(row, left * elements, swap, 0, elements);
            System.arraycopy(row, right * elements, row, left * elements, elements);
            System.arraycopy(swap, 0, row, right * elements, elements);
        }
    }
}
