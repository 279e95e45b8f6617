package dev.concierge.server.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.testing.TestAttachmentSettings;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FileInspector: types from bytes, images decoded after a pixel check, turned upright and re-encoded clean. */
final class FileInspectorTest {
    @TempDir
    Path dir;

    private final FileInspector inspector = new FileInspector(AttachmentSettings.DEFAULTS);

    @Test
    void rotatedPhoto_comesOutUpright_withoutExifGpsOrComment() throws Exception {
        // A phone held upright stores a landscape 64x32 frame and EXIF orientation 6 (turn 90° clockwise).
        byte[] photo =
                TestImages.withExif(TestImages.encode(TestImages.halves(64, 32), "jpeg"), 6, "shot at 12 Elm Street");
        assertThat(Orientation.ofJpeg(write("photo.jpg", photo))).isEqualTo(6);

        FileInspector.Inspection result = inspector.inspect(write("upload", photo), dir);

        assertThat(result.kind()).isEqualTo(Attachment.IMAGE);
        assertThat(result.mediaType()).isEqualTo("image/jpeg");
        assertThat(result.extension()).isEqualTo("jpg");
        assertThat(result.width()).isEqualTo(32);
        assertThat(result.height()).isEqualTo(64);
        BufferedImage upright = ImageIO.read(result.content().toFile());
        assertThat(upright.getWidth()).isEqualTo(32);
        assertThat(upright.getHeight()).isEqualTo(64);
        // The frame's left half (red) is the top of the upright picture, its right half (blue) the bottom.
        assertThat(new Color(upright.getRGB(16, 12))).satisfies(c -> assertRed(c));
        assertThat(new Color(upright.getRGB(16, 52))).satisfies(c -> assertBlue(c));
        byte[] stored = Files.readAllBytes(result.content());
        assertThat(segmentMarkers(stored)).doesNotContain(0xE1, 0xFE);
        assertThat(latin1(stored)).doesNotContain("Exif", "Elm Street");
        assertThat(Orientation.ofJpeg(result.content())).isEqualTo(1);
    }

    @Test
    void everyExifOrientation_isTurnedUpright() throws Exception {
        BufferedImage frame = TestImages.halves(4, 2);
        // Where the frame's top-left pixel (red) ends up, for orientations 1 to 8, in the upright picture.
        int[][] topLeftGoesTo = {{0, 0}, {3, 0}, {3, 1}, {0, 1}, {0, 0}, {1, 0}, {1, 3}, {0, 3}};
        for (int orientation = 1; orientation <= 8; orientation++) {
            BufferedImage upright = Orientation.upright(frame, orientation);
            boolean swapped = orientation >= 5;
            assertThat(upright.getWidth()).isEqualTo(swapped ? 2 : 4);
            int[] at = topLeftGoesTo[orientation - 1];
            assertThat(upright.getRGB(at[0], at[1]))
                    .as("orientation %d", orientation)
                    .isEqualTo(Color.RED.getRGB());
        }
    }

    @Test
    void polyglotJpegWithHtmlTail_isStoredWithoutTheTail() throws Exception {
        byte[] jpeg = TestImages.encode(TestImages.halves(16, 16), "jpeg");
        byte[] polyglot = TestImages.concat(
                jpeg, "<html><script>alert(document.cookie)</script></html>".getBytes(StandardCharsets.US_ASCII));

        FileInspector.Inspection result = inspector.inspect(write("upload", polyglot), dir);

        byte[] stored = Files.readAllBytes(result.content());
        assertThat(latin1(stored)).doesNotContain("<script", "<html");
        assertThat(stored[stored.length - 2] & 0xFF).isEqualTo(0xFF);
        assertThat(stored[stored.length - 1] & 0xFF).isEqualTo(0xD9);
    }

    @Test
    void png_keepsAlpha_losesTextChunks_andTrailingBytes() throws Exception {
        BufferedImage see = new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB);
        see.setRGB(1, 1, 0x80FF0000);
        byte[] png = TestImages.withPngText(TestImages.encode(see, "png"), "Comment", "home address");
        png = TestImages.concat(png, "<svg onload=alert(1)>".getBytes(StandardCharsets.US_ASCII));

        FileInspector.Inspection result = inspector.inspect(write("upload", png), dir);

        assertThat(result.mediaType()).isEqualTo("image/png");
        byte[] stored = Files.readAllBytes(result.content());
        assertThat(latin1(stored)).doesNotContain("tEXt", "home address", "<svg");
        BufferedImage back = ImageIO.read(result.content().toFile());
        assertThat(back.getRGB(1, 1)).isEqualTo(0x80FF0000);
        assertThat(back.getRGB(0, 0) >>> 24).isZero();
    }

    @Test
    void pngClaimingTenBillionPixels_isRefusedFromItsHeader_beforeDecoding() throws Exception {
        Path bomb = write("bomb", TestImages.pngHeaderOnly(100_000, 100_000));

        assertThatThrownBy(() -> inspector.inspect(bomb, dir))
                .isInstanceOfSatisfying(FileInspector.Refusal.class, r -> {
                    assertThat(r.status()).isEqualTo(413);
                    assertThat(r.code()).isEqualTo(ErrorCode.TOO_LARGE);
                    assertThat(r.getMessage()).contains("100000 x 100000");
                });
        assertThat(inspector.decodes()).isZero();
        assertThat(Files.list(dir)).containsExactly(bomb);
    }

    @Test
    void jpegWhoseFrameHeaderClaimsFourBillionPixels_isRefusedBeforeDecoding() throws Exception {
        byte[] jpeg = TestImages.withJpegSize(TestImages.encode(TestImages.halves(16, 16), "jpeg"), 65_000, 65_000);

        assertThatThrownBy(() -> inspector.inspect(write("bomb.jpg", jpeg), dir))
                .isInstanceOfSatisfying(
                        FileInspector.Refusal.class, r -> assertThat(r.code()).isEqualTo(ErrorCode.TOO_LARGE));
        assertThat(inspector.decodes()).isZero();
    }

    @Test
    void pixelLimit_isTheSettingsOne_andAnImageAtTheLimitPasses() throws Exception {
        FileInspector small = new FileInspector(
                new TestAttachmentSettings().maxPixels(16 * 16).build());

        assertThat(small.inspect(write("a", TestImages.encode(TestImages.halves(16, 16), "png")), dir)
                        .width())
                .isEqualTo(16);
        assertThatThrownBy(() -> small.inspect(write("b", TestImages.encode(TestImages.halves(17, 16), "png")), dir))
                .isInstanceOfSatisfying(
                        FileInspector.Refusal.class, r -> assertThat(r.status()).isEqualTo(413));
        assertThat(small.decodes()).isEqualTo(1);
    }

    @Test
    void imageMagicOverGarbage_isRefusedAsUnsupported() throws Exception {
        byte[][] liars = {
            TestImages.pngHeaderOnly(10, 10),
            "GIF89a this is not a picture at all".getBytes(StandardCharsets.US_ASCII),
            TestImages.concat(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}, new byte[40]),
            "RIFF\0\0\0\0WEBPVP8 garbage".getBytes(StandardCharsets.US_ASCII),
        };
        for (byte[] liar : liars) {
            Path upload = write("liar", liar);
            assertThatThrownBy(() -> inspector.inspect(upload, dir))
                    .isInstanceOfSatisfying(FileInspector.Refusal.class, r -> {
                        assertThat(r.status()).isEqualTo(415);
                        assertThat(r.code()).isEqualTo(ErrorCode.UNSUPPORTED_TYPE);
                    });
        }
        assertThat(Files.list(dir).filter(p -> p.getFileName().toString().startsWith("inspected-")))
                .isEmpty();
    }

    @Test
    void animatedGif_becomesItsFirstFrameAsPng() throws Exception {
        byte[] gif = TestImages.animatedGif(6, 4, Color.GREEN, Color.RED, Color.BLUE);

        FileInspector.Inspection result = inspector.inspect(write("anim.gif", gif), dir);

        assertThat(result.mediaType()).isEqualTo("image/png");
        assertThat(result.extension()).isEqualTo("png");
        BufferedImage first = ImageIO.read(result.content().toFile());
        assertThat(first.getWidth()).isEqualTo(6);
        assertThat(first.getHeight()).isEqualTo(4);
        assertThat(first.getRGB(3, 2)).isEqualTo(Color.GREEN.getRGB());
        assertThat(ImageIO.getImageReadersByFormatName("png").hasNext()).isTrue();
        assertThat(latin1(Files.readAllBytes(result.content()))).doesNotContain("NETSCAPE2.0");
    }

    @Test
    void webp_isDecodedAndStoredAsPng() throws Exception {
        boolean[][] pixels = {{true, false, false}, {false, false, true}};

        FileInspector.Inspection result = inspector.inspect(write("pic.webp", TestImages.webp(pixels, null)), dir);

        assertThat(result.kind()).isEqualTo(Attachment.IMAGE);
        assertThat(result.mediaType()).isEqualTo("image/png");
        BufferedImage back = ImageIO.read(result.content().toFile());
        assertThat(back.getWidth()).isEqualTo(3);
        assertThat(back.getHeight()).isEqualTo(2);
        assertThat(back.getRGB(0, 0)).isEqualTo(0xFF00FF00);
        assertThat(back.getRGB(1, 0)).isEqualTo(0xFF000000);
        assertThat(back.getRGB(2, 1)).isEqualTo(0xFF00FF00);
    }

    @Test
    void webpWithExifOrientation_isTurnedUpright() throws Exception {
        boolean[][] pixels = {{true, false, false}, {false, false, false}};
        Path upload = write("pic.webp", TestImages.webp(pixels, TestImages.exifTiff(8)));
        assertThat(Orientation.ofWebp(upload)).isEqualTo(8);

        FileInspector.Inspection result = inspector.inspect(upload, dir);

        BufferedImage back = ImageIO.read(result.content().toFile());
        assertThat(back.getWidth()).isEqualTo(2);
        assertThat(back.getHeight()).isEqualTo(3);
        // Turned 90° counter-clockwise: the top-left pixel goes to the bottom-left.
        assertThat(back.getRGB(0, 2)).isEqualTo(0xFF00FF00);
        assertThat(back.getRGB(0, 0)).isEqualTo(0xFF000000);
        assertThat(latin1(Files.readAllBytes(result.content()))).doesNotContain("EXIF", "MM\0*");
    }

    private static void assertRed(Color c) {
        assertThat(c.getRed()).isGreaterThan(200);
        assertThat(c.getBlue()).isLessThan(60);
    }

    private static void assertBlue(Color c) {
        assertThat(c.getBlue()).isGreaterThan(200);
        assertThat(c.getRed()).isLessThan(60);
    }

    /** The markers of a JPEG's segments before its scan data. */
    static java.util.List<Integer> segmentMarkers(byte[] jpeg) {
        java.util.List<Integer> markers = new java.util.ArrayList<>();
        int at = 2;
        while (at + 4 <= jpeg.length && (jpeg[at] & 0xFF) == 0xFF) {
            int marker = jpeg[at + 1] & 0xFF;
            markers.add(marker);
            if (marker == 0xDA) {
                break;
            }
            at += 2 + (((jpeg[at + 2] & 0xFF) << 8) | (jpeg[at + 3] & 0xFF));
        }
        return markers;
    }

    static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(dir, name, ""), bytes);
    }
}
