package dev.concierge.server.attach;

import dev.concierge.protocol.Attachment;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Safe file names for stored attachments (docs/attachments.md). */
public final class FileNames {
    private static final String FALLBACK = "file";
    /** What counts as an extension: up to 16 letters and digits after the last dot. */
    private static final Pattern EXTENSION = Pattern.compile("[\\p{L}\\p{N}]{1,16}");
    /** Names Windows reserves for devices, with any extension: {@code CON.txt} opens the console. */
    private static final Pattern RESERVED = Pattern.compile("(?i)(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])");
    /** Extensions that name the same type: a JPEG called {@code .jpeg} keeps its name. */
    private static final Set<Set<String>> SAME = Set.of(Set.of("jpg", "jpeg", "jpe"), Set.of("tif", "tiff"));

    private FileNames() {}

    /**
     * A name safe to show and to offer as a download: no path (only what follows the last
     * {@code /} or {@code \}), no control or bidirectional-override characters, no leading dots,
     * at most {@link dev.concierge.protocol.Attachment#MAX_NAME} characters keeping the extension,
     * and with {@code extension} (when not empty) as its extension; {@code "file"} (with the
     * extension) when nothing is left.
     *
     * <p>In detail: Unicode NFC; control, format (bidirectional overrides and isolates, zero-width
     * characters), line-separator and unpaired-surrogate characters removed; the characters
     * Windows forbids ({@code < > : " | ? *}) replaced by {@code _}; leading dots and spaces and
     * trailing dots and spaces removed; a Windows device name ({@code CON}, {@code NUL},
     * {@code COM1}…) prefixed with {@code _}; an extension that names the same type as
     * {@code extension} ({@code .jpeg} for {@code jpg}) kept, any other replaced by it.
     *
     * @param given the name the uploader gave, or null
     * @param extension the extension to force without the dot (lower case), or empty to keep the given one
     * @return a name of 1 to {@link Attachment#MAX_NAME} characters
     */
    public static String sanitise(String given, String extension) {
        String name = given == null ? "" : Normalizer.normalize(given, Normalizer.Form.NFC);
        name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        StringBuilder kept = new StringBuilder(name.length());
        name.codePoints().filter(FileNames::shown).map(FileNames::allowed).forEach(kept::appendCodePoint);
        name = trim(kept.toString());
        String base = name;
        String ext = "";
        int dot = name.lastIndexOf('.');
        if (dot > 0 && EXTENSION.matcher(name.substring(dot + 1)).matches()) {
            base = trim(name.substring(0, dot));
            ext = name.substring(dot + 1);
        }
        if (!extension.isEmpty() && !sameType(ext, extension)) {
            ext = extension;
        }
        if (base.isEmpty()) {
            base = FALLBACK;
        }
        int dotAt = base.indexOf('.');
        if (RESERVED.matcher(dotAt < 0 ? base : base.substring(0, dotAt)).matches()) {
            base = "_" + base;
        }
        String suffix = ext.isEmpty() ? "" : "." + ext;
        int room = Attachment.MAX_NAME - suffix.length();
        if (base.length() > room) {
            int end = room;
            if (Character.isLowSurrogate(base.charAt(end)) && Character.isHighSurrogate(base.charAt(end - 1))) {
                end--;
            }
            base = trim(base.substring(0, end));
            if (base.isEmpty()) {
                base = FALLBACK;
            }
        }
        return base + suffix;
    }

    /** Whether a character stays: not a control, format, line or paragraph separator, or lone surrogate. */
    private static boolean shown(int c) {
        int type = Character.getType(c);
        return type != Character.CONTROL
                && type != Character.FORMAT
                && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR
                && type != Character.SURROGATE;
    }

    /** The characters Windows does not allow in a file name become {@code _}. */
    private static int allowed(int c) {
        return "<>:\"|?*".indexOf(c) >= 0 ? '_' : c;
    }

    /** Without leading dots and white space, and without trailing dots and white space. */
    private static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && blank(s.charAt(start))) {
            start++;
        }
        while (end > start && blank(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean blank(char c) {
        return c == '.' || Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    private static boolean sameType(String given, String wanted) {
        String lower = given.toLowerCase(Locale.ROOT);
        return lower.equals(wanted) || SAME.stream().anyMatch(same -> same.contains(lower) && same.contains(wanted));
    }
}
