package dev.concierge.server.attach;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Attachment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** FileNames.sanitise: names safe to show and to download, whatever the uploader sent. */
final class FileNamesTest {
    /**
     * Given name | forced extension | result: paths, leading and trailing dots and spaces, the
     * characters Windows forbids, Windows device names, Unicode composition, forced extensions.
     */
    @ParameterizedTest(name = "{0} ({1}) -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            ../../etc/passwd                    | ''  | passwd
            ..\\..\\Windows\\System32\\cmd.exe  | ''  | cmd.exe
            /var/www/../.htaccess               | ''  | htaccess
            ..                                  | ''  | file
            a/..                                | ''  | file
            C:report.pdf                        | ''  | C_report.pdf
            'what?<x>|"*.txt'                   | ''  | what__x____.txt
            '  .bashrc'                         | ''  | bashrc
            'notes.txt. . '                     | ''  | notes.txt
            '   '                               | ''  | file
            ''                                  | ''  | file
            .png                                | png | png.png
            CON                                 | ''  | _CON
            nul.txt                             | ''  | _nul.txt
            com1.tar.gz                         | ''  | _com1.tar.gz
            LPT9                                | png | _LPT9.png
            console.txt                         | ''  | console.txt
            café.pdf                            | ''  | café.pdf
            報告書 2024.xlsx                     | ''  | 報告書 2024.xlsx
            holiday.webp                        | png | holiday.png
            evil.html                           | png | evil.png
            scan                                | jpg | scan.jpg
            IMG_0001.JPG                        | jpg | IMG_0001.JPG
            IMG_0001.jpeg                       | jpg | IMG_0001.jpeg
            v1.2 final                          | png | v1.2 final.png
            report.docx                         | ''  | report.docx
            📷 photo.jpeg                        | jpg | 📷 photo.jpeg
            """)
    void sanitise(String given, String extension, String expected) {
        assertThat(FileNames.sanitise(given, extension)).isEqualTo(expected);
    }

    @Test
    void noName_isFile() {
        assertThat(FileNames.sanitise(null, "png")).isEqualTo("file.png");
    }

    @Test
    void decomposedUnicode_isComposed() {
        assertThat(FileNames.sanitise("cafe\u0301.pdf", "")).isEqualTo("caf\u00e9.pdf");
    }

    @Test
    void bidiOverridesControlsAndLoneSurrogates_areRemoved() {
        // "invoice", U+202E, "fdp.exe" shows as "invoiceexe.pdf": the override reverses what follows it.
        assertThat(FileNames.sanitise("invoice\u202Efdp.exe", "")).isEqualTo("invoicefdp.exe");
        assertThat(FileNames.sanitise("a\u2066b\u2069c\u202Ad\u200Fe\u2028f.txt", ""))
                .isEqualTo("abcdef.txt");
        assertThat(FileNames.sanitise("line\r\nbreak\u0000\u0007\uD800.txt", ""))
                .isEqualTo("linebreak.txt");
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
