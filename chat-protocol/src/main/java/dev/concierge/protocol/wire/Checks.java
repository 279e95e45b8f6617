package dev.concierge.protocol.wire;

import dev.concierge.protocol.VisitorContext;
import java.util.regex.Pattern;

/** Field checks shared by the message records; failures become {@code bad_request}. */
public final class Checks {
    /** {@link VisitorContext#EMAIL}, compiled once for the records and {@link ContextClip}. */
    public static final Pattern EMAIL = Pattern.compile(VisitorContext.EMAIL);

    /** {@link VisitorContext#ATTRIBUTE_KEY}, compiled once for the records and {@link ContextClip}. */
    public static final Pattern ATTRIBUTE_KEY = Pattern.compile(VisitorContext.ATTRIBUTE_KEY);

    private Checks() {}

    public static void id(String id, boolean required) {
        if (id == null) {
            if (required) {
                throw new IllegalArgumentException("id is required");
            }
            return;
        }
        if (id.isEmpty() || id.length() > 64) {
            throw new IllegalArgumentException("id must be 1 to 64 characters");
        }
        noControl("id", id);
    }

    public static void text(String field, String value, int max) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required");
        }
        optionalText(field, value, max);
    }

    public static void optionalText(String field, String value, int max) {
        if (value == null) {
            return;
        }
        if (value.length() > max) {
            throw new IllegalArgumentException(field + " is longer than " + max + " characters");
        }
        noControl(field, value);
    }

    /**
     * An optional one-line value (names, addresses, URLs): at most {@code max} characters and no
     * control character at all, not even tab or newline.
     */
    public static void line(String field, String value, int max) {
        if (value == null) {
            return;
        }
        if (value.length() > max) {
            throw new IllegalArgumentException(field + " is longer than " + max + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                throw new IllegalArgumentException(field + " contains a control character");
            }
        }
    }

    /** Longest accepted email address, in characters (RFC 5321's path limit less the brackets). */
    public static final int MAX_EMAIL = 254;

    /** An optional email address: one line, at most {@link #MAX_EMAIL} characters, {@code local@domain.tld}. */
    public static void email(String field, String value) {
        line(field, value, MAX_EMAIL);
        if (value != null && !EMAIL.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " is not an email address");
        }
    }

    /** Rejects control characters other than tab, newline and carriage return. */
    public static void noControl(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f) {
                throw new IllegalArgumentException(field + " contains a control character");
            }
        }
    }
}
