package dev.concierge.server.support;

/**
 * Client-supplied text made safe for a log line: control characters (a newline would start a
 * forged line; an escape sequence would repaint a terminal) are written as escapes, and long
 * values are cut. Every string a client chose (a site key, a request or conversation id from a
 * frame or a URL) goes through {@link #text} before it is logged.
 */
public final class LogSafe {
    /** The most characters of one value a log line carries. */
    static final int MAX = 200;

    private LogSafe() {}

    /** {@code value} with {@code \n}, {@code \r}, {@code \t} and other controls escaped; "null" for null. */
    public static String text(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = null;
        int end = Math.min(value.length(), MAX);
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
            if (control && out == null) {
                out = new StringBuilder(end + 16).append(value, 0, i);
            }
            if (out != null) {
                switch (c) {
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (control) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
        }
        String safe = out == null ? value.substring(0, end) : out.toString();
        return value.length() > MAX ? safe + "…(" + value.length() + " chars)" : safe;
    }
}
