package dev.concierge.server.attach;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Attachment;
import org.junit.jupiter.api.Test;

/** FileNames.sanitise: names safe to show and to download, whatever the uploader sent. */
final class FileNamesTest {
    @Test
    void pathTraversal_keepsOnlyTheLastPart() {
        assertThat(FileNames.sanitise("../../etc/passwd", "")).isEqualTo("passwd");
        assertThat(FileNames.sanitise("..\\..\\Windows\\System32\\cmd.exe", "")).isEqualTo("cmd.exe");
        assertThat(FileNames.sanitise("/var/www/../.htaccess", "")).isEqualTo("htaccess");
        assertThat(FileNames.sanitise("..", "")).isEqualTo("file");
        assertThat(FileNames.sanitise("a/..", "")).isEqualTo("file");
        assertThat(FileNames.sanitise("C:report.pdf", "")).isEqualTo("C_report.pdf");
    }

    @Test
    void bidiOverridesAndControls_areRemoved() {
        // "invoice‮fdp.exe" shows as "invoiceexe.pdf" in a right-to-left override.
        assertThat(FileNames.sanitise("invoice\u202Efdp.exe", "")).isEqualTo("invoicefdp.exe");
        assertThat(FileNames.sanitise("a\u2066b\u2069c\u202Ad\u200Fe.txt", "")).isEqualTo("abcde.txt");
        assertThat(FileNames.sanitise("line\r\nbreak\u0000\u0007.txt", "")).isEqualTo("linebreak.txt");
        assertThat(FileNames.sanitise("a\u2028b.txt", "")).isEqualTo("ab.txt");
        assertThat(FileNames.sanitise("bad\uD800surrogate.txt", "")).isEqualTo("badsurrogate.txt");
        assertThat(FileNames.sanitise("what?<x>|\"*.txt", "")).isEqualTo("what__x____.txt");
    }

    @Test
    void leadingAndTrailingDotsAndSpaces_areRemoved() {
        assertThat(FileNames.sanitise("  .bashrc", "")).isEqualTo("bashrc");
        assertThat(FileNames.sanitise("notes.txt. . ", "")).isEqualTo("notes.txt");
        assertThat(FileNames.sanitise("   ", "")).isEqualTo("file");
        assertThat(FileNames.sanitise(null, "png")).isEqualTo("file.png");
        assertThat(FileNames.sanitise("", "")).isEqualTo("file");
        assertThat(FileNames.sanitise(".png", "png")).isEqualTo("png.png");
    }

    @Test
    void windowsDeviceNames_arePrefixed() {
        assertThat(FileNames.sanitise("CON", "")).isEqualTo("_CON");
        assertThat(FileNames.sanitise("nul.txt", "")).isEqualTo("_nul.txt");
        assertThat(FileNames.sanitise("com1.tar.gz", "")).isEqualTo("_com1.tar.gz");
        assertThat(FileNames.sanitise("LPT9", "png")).isEqualTo("_LPT9.png");
        assertThat(FileNames.sanitise("console.txt", "")).isEqualTo("console.txt");
    }

    @Test
    void unicode_isComposed_andKept() {
        assertThat(FileNames.sanitise("cafe\u0301.pdf", "")).isEqualTo("caf\u00e9.pdf");
        assertThat(FileNames.sanitise("報告書 2024.xlsx", "")).isEqualTo("報告書 2024.xlsx");
        assertThat(FileNames.sanitise("\uD83D\uDCF7 photo.jpeg", "jpg")).isEqualTo("\uD83D\uDCF7 photo.jpeg");
    }

    @Test
    void imageExtension_isForced_andSameTypeExtensionsKept() {
        assertThat(FileNames.sanitise("holiday.webp", "png")).isEqualTo("holiday.png");
        assertThat(FileNames.sanitise("evil.html", "png")).isEqualTo("evil.png");
        assertThat(FileNames.sanitise("scan", "jpg")).isEqualTo("scan.jpg");
        assertThat(FileNames.sanitise("IMG_0001.JPG", "jpg")).isEqualTo("IMG_0001.JPG");
        assertThat(FileNames.sanitise("IMG_0001.jpeg", "jpg")).isEqualTo("IMG_0001.jpeg");
        assertThat(FileNames.sanitise("v1.2 final", "png")).isEqualTo("v1.2 final.png");
        assertThat(FileNames.sanitise("report.docx", "")).isEqualTo("report.docx");
    }

    @Test
    void longNames_areCutTo120_keepingTheExtension_andWholeCharacters() {
        String cut = FileNames.sanitise("a".repeat(300) + ".pdf", "");
        assertThat(cut).hasSize(Attachment.MAX_NAME).endsWith("a.pdf");

        String emoji = "\uD83D\uDE00".repeat(100); // 200 UTF-16 units
        String cutEmoji = FileNames.sanitise("x" + emoji + ".png", "png");
        assertThat(cutEmoji).hasSizeLessThanOrEqualTo(Attachment.MAX_NAME).endsWith("\uD83D\uDE00.png");
        assertThat(cutEmoji.codePoints().noneMatch(c -> Character.getType(c) == Character.SURROGATE))
                .isTrue();

        String longExtension = FileNames.sanitise("name." + "x".repeat(200), "");
        assertThat(longExtension).hasSize(Attachment.MAX_NAME).startsWith("name.xxx");
        assertThat(FileNames.sanitise("a".repeat(300), "png"))
                .hasSize(Attachment.MAX_NAME)
                .endsWith(".png");
    }

    @Test
    void everyResult_isAValidAttachmentName() {
        for (String given : new String[] {"..", "\u202E", "/", "\\\\server\\share\\", "a".repeat(500), ". . ."}) {
            String name = FileNames.sanitise(given, "");
            new Attachment("a_" + "a".repeat(26), name, Attachment.FILE, "application/octet-stream", 1, null, null);
        }
    }
}
