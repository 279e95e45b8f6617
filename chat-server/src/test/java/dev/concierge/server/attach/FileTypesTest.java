package dev.concierge.server.attach;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Attachment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that are not images the server decodes: their type comes from their bytes alone, they are
 * kept byte for byte, and nothing a browser would run or render is ever typed as such. The name
 * and the Content-Type an upload came with are not inputs of the inspector at all.
 */
final class FileTypesTest {
    @TempDir
    Path dir;

    private final FileInspector inspector = new FileInspector(AttachmentSettings.DEFAULTS);

    @Test
    void svgWithScript_isAnOpaqueFile_keptAsItIs() throws Exception {
        byte[] svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"
                .getBytes(StandardCharsets.UTF_8);
        Path upload = write(svg);

        FileInspector.Inspection result = inspector.inspect(upload, dir);

        assertThat(result.kind()).isEqualTo(Attachment.FILE);
        assertThat(result.mediaType()).isEqualTo("application/octet-stream");
        assertThat(result.extension()).isEmpty();
        assertThat(result.content()).isEqualTo(upload);
        assertThat(Files.readAllBytes(result.content())).isEqualTo(svg);
        assertThat(result.width()).isZero();
    }

    @Test
    void htmlXmlAndText_areNeverTypedAsText() throws Exception {
        for (String body : new String[] {
            "<!DOCTYPE html><html><script>alert(1)</script>",
            "<?xml version=\"1.0\"?><x/>",
            "just some notes\n",
            "\uFEFF<html>",
            ""
        }) {
            FileInspector.Inspection result = inspector.inspect(write(body.getBytes(StandardCharsets.UTF_8)), dir);
            assertThat(result.mediaType()).as(body).isEqualTo("application/octet-stream");
            assertThat(result.kind()).isEqualTo(Attachment.FILE);
        }
    }

    @Test
    void htmlUploadedAsPhotoJpg_isStillAnOpaqueFile_andPngUploadedAsPdf_isAnImage() throws Exception {
        // The inspector sees bytes only; FileNames then gives an image the extension of its real type.
        FileInspector.Inspection html =
                inspector.inspect(write("<html><body onload=x()>".getBytes(StandardCharsets.US_ASCII)), dir);
        FileInspector.Inspection png = inspector.inspect(write(TestImages.encode(TestImages.halves(4, 4), "png")), dir);

        assertThat(html.mediaType()).isEqualTo("application/octet-stream");
        assertThat(FileNames.sanitise("photo.jpg", html.kind().equals(Attachment.IMAGE) ? html.extension() : ""))
                .isEqualTo("photo.jpg");
        assertThat(png.mediaType()).isEqualTo("image/png");
        assertThat(FileNames.sanitise("invoice.pdf", png.extension())).isEqualTo("invoice.png");
    }

    @Test
    void documentsAndPhoneFormats_areNamedFromTheirMagic() throws Exception {
        assertType("%PDF-1.7\n%âãÏÓ\n", "application/pdf", "pdf");
        assertType("PK\u0003\u0004\u0014\u0000\u0006\u0000[Content_Types].xml", "application/zip", "");
        assertType("\u0000\u0000\u0000\u0018ftypheic\u0000\u0000\u0000\u0000mif1heic", "image/heic", "heic");
        assertType("\u0000\u0000\u0000\u001cftypmif1\u0000\u0000\u0000\u0000mif1avifmiaf", "image/avif", "avif");
        assertType("\u0000\u0000\u0000\u0018ftypisom\u0000\u0000\u0000\u0000isommp41", "application/octet-stream", "");
        assertType("II*\u0000\u0008\u0000\u0000\u0000", "image/tiff", "tiff");
        assertType("BM\u0036\u0000\u0000\u0000", "application/octet-stream", "");
        assertType("%PD", "application/octet-stream", "");
    }

    private void assertType(String head, String mediaType, String extension) throws Exception {
        Path upload = write(head.getBytes(StandardCharsets.ISO_8859_1));
        FileInspector.Inspection result = inspector.inspect(upload, dir);
        assertThat(result.mediaType()).as(head).isEqualTo(mediaType);
        assertThat(result.extension()).as(head).isEqualTo(extension);
        assertThat(result.kind()).isEqualTo(Attachment.FILE);
        assertThat(result.content()).isEqualTo(upload);
    }

    private Path write(byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(dir, "upload", ""), bytes);
    }
}
