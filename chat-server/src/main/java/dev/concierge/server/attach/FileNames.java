package dev.concierge.server.attach;

/** Safe file names for stored attachments (docs/attachments.md). */
public final class FileNames {
    private FileNames() {}

    /**
     * A name safe to show and to offer as a download: no path (only what follows the last
     * {@code /} or {@code \}), no control or bidirectional-override characters, no leading dots,
     * at most {@link dev.concierge.protocol.Attachment#MAX_NAME} characters keeping the extension,
     * and with {@code extension} (when not empty) as its extension; {@code "file"} (with the
     * extension) when nothing is left.
     */
    public static String sanitise(String given, String extension) {
        throw new UnsupportedOperationException("not built yet");
    }
}
