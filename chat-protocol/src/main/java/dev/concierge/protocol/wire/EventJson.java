package dev.concierge.protocol.wire;

import dev.concierge.protocol.Author;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import java.nio.charset.StandardCharsets;

/**
 * Writes the two frames every relayed message produces, {@code event} and {@code ack}, as JSON
 * UTF-8 bytes without Jackson: the same bytes Jackson writes for them (field order, omitted nulls,
 * escapes, including Jackson's habit of escaping each UTF-16 surrogate as {@code \\uXXXX}
 * rather than writing a 4-byte UTF-8 sequence), at a fraction of its cost per frame (no
 * generator, context or serializer lookup). An event with nested bot, agent or attachment details is left to
 * Jackson: {@link #event} returns null. Thread-safe (no state). Why, and what it saves:
 * docs/architecture.md#hand-written-event-json.
 */
final class EventJson {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private EventJson() {}

    /** The frame's JSON, or null when Jackson must write it. */
    static byte[] event(ServerMessage.Event e) {
        if (e.bot() != null || e.agent() != null || e.attachment() != null || e.kind() == null) {
            return null;
        }
        Out out = new Out(160 + length(e.text()) + length(e.comment()));
        out.ascii("{\"type\":\"event\"");
        out.stringField("conversationId", e.conversationId());
        out.ascii(",\"seq\":").number(e.seq());
        if (e.ts() != null) {
            out.ascii(",\"ts\":\"").instant(e.ts()).ascii("\"");
        }
        out.stringField("id", e.id());
        out.ascii(",\"kind\":\"").ascii(wire(e.kind())).ascii("\"");
        Author a = e.author();
        if (a != null) {
            out.ascii(",\"author\":{");
            boolean first = true;
            if (a.role() != null) {
                out.ascii("\"role\":\"").ascii(wire(a.role())).ascii("\"");
                first = false;
            }
            if (a.id() != null) {
                out.ascii(first ? "\"id\":" : ",\"id\":").string(a.id());
                first = false;
            }
            if (a.name() != null) {
                out.ascii(first ? "\"name\":" : ",\"name\":").string(a.name());
            }
            out.ascii("}");
        }
        out.stringField("text", e.text());
        out.stringField("reason", e.reason());
        if (e.score() != null) {
            out.ascii(",\"score\":").number(e.score());
        }
        out.stringField("comment", e.comment());
        out.stringField("via", e.via());
        out.ascii("}");
        return out.bytes();
    }

    /** The frame's JSON, or null when Jackson must write it. */
    static byte[] ack(ServerMessage.Ack a) {
        Out out = new Out(64 + length(a.ref()) + length(a.conversationId()));
        out.ascii("{\"type\":\"ack\"");
        out.stringField("ref", a.ref());
        out.stringField("conversationId", a.conversationId());
        out.ascii(",\"seq\":").number(a.seq());
        out.ascii("}");
        return out.bytes();
    }

    private static int length(String s) {
        return s == null ? 0 : s.length() + (s.length() >> 2);
    }

    /** The wire names the enums declare with {@code @JsonProperty}, by ordinal: Jackson's names, read once. */
    private static final String[] KINDS = wireNames(TranscriptEvent.Kind.class);

    private static final String[] ROLES = wireNames(Role.class);

    private static String wire(TranscriptEvent.Kind kind) {
        return KINDS[kind.ordinal()];
    }

    private static String wire(Role role) {
        return ROLES[role.ordinal()];
    }

    private static <E extends Enum<E>> String[] wireNames(Class<E> type) {
        E[] values = type.getEnumConstants();
        String[] names = new String[values.length];
        for (E v : values) {
            try {
                names[v.ordinal()] = type.getField(v.name())
                        .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class)
                        .value();
            } catch (NoSuchFieldException e) {
                throw new IllegalStateException(e); // an enum constant is a public field
            }
        }
        return names;
    }

    /** A growable byte buffer writing JSON pieces. */
    private static final class Out {
        private byte[] buf;
        private int n;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        byte[] bytes() {
            return java.util.Arrays.copyOf(buf, n);
        }

        private void room(int more) {
            if (n + more > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
            }
        }

        /** ASCII text needing no escapes (names, enum values, timestamps). */
        Out ascii(String s) {
            int len = s.length();
            room(len);
            for (int i = 0; i < len; i++) {
                buf[n++] = (byte) s.charAt(i);
            }
            return this;
        }

        /** As {@link java.time.Instant#toString()} (ISO-8601, fraction in groups of three digits). */
        Out instant(java.time.Instant t) {
            long secs = t.getEpochSecond();
            if (secs < 0 || secs > 253_402_300_799L) {
                return ascii(t.toString()); // before 1970 or after 9999: rare, let the JDK do it
            }
            java.time.LocalDate day = java.time.LocalDate.ofEpochDay(secs / 86_400);
            int s = (int) (secs % 86_400);
            room(30);
            digits(day.getYear(), 4);
            buf[n++] = '-';
            digits(day.getMonthValue(), 2);
            buf[n++] = '-';
            digits(day.getDayOfMonth(), 2);
            buf[n++] = 'T';
            digits(s / 3600, 2);
            buf[n++] = ':';
            digits(s / 60 % 60, 2);
            buf[n++] = ':';
            digits(s % 60, 2);
            int nano = t.getNano();
            if (nano != 0) {
                buf[n++] = '.';
                if (nano % 1_000_000 == 0) {
                    digits(nano / 1_000_000, 3);
                } else if (nano % 1000 == 0) {
                    digits(nano / 1000, 6);
                } else {
                    digits(nano, 9);
                }
            }
            buf[n++] = 'Z';
            return this;
        }

        /** {@code v} in exactly {@code width} decimal digits, zero-padded. */
        private void digits(int v, int width) {
            for (int i = n + width - 1; i >= n; i--) {
                buf[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
            n += width;
        }

        Out number(long v) {
            return ascii(Long.toString(v));
        }

        /** {@code ,"name":"value"}, nothing for a null value. */
        void stringField(String name, String value) {
            if (value != null) {
                ascii(",\"").ascii(name).ascii("\":").string(value);
            }
        }

        /** A JSON string with Jackson's default escapes: quote, backslash and controls; UTF-8 otherwise. */
        Out string(String s) {
            int len = s.length();
            room(len + 2);
            buf[n++] = '"';
            for (int i = 0; i < len; i++) {
                char c = s.charAt(i);
                if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                    if (n == buf.length) {
                        room(len - i + 1);
                    }
                    buf[n++] = (byte) c;
                } else {
                    special(c);
                }
            }
            room(1);
            buf[n++] = '"';
            return this;
        }

        /** Writes one escaped or multi-byte character (at most six bytes). */
        private void special(char c) {
            room(6);
            if (c < 0x80) {
                buf[n++] = '\\';
                switch (c) {
                    case '"' -> buf[n++] = '"';
                    case '\\' -> buf[n++] = '\\';
                    case '\b' -> buf[n++] = 'b';
                    case '\t' -> buf[n++] = 't';
                    case '\n' -> buf[n++] = 'n';
                    case '\f' -> buf[n++] = 'f';
                    case '\r' -> buf[n++] = 'r';
                    default -> {
                        buf[n++] = 'u';
                        buf[n++] = '0';
                        buf[n++] = '0';
                        buf[n++] = HEX[c >> 4];
                        buf[n++] = HEX[c & 0xF];
                    }
                }
            } else if (c < 0x800) {
                buf[n++] = (byte) (0xC0 | (c >> 6));
                buf[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (!Character.isSurrogate(c)) {
                buf[n++] = (byte) (0xE0 | (c >> 12));
                buf[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[n++] = (byte) (0x80 | (c & 0x3F));
            } else {
                // Jackson writes each surrogate as an escape (a pair as two), lone ones too.
                buf[n++] = '\\';
                buf[n++] = 'u';
                buf[n++] = HEX[c >> 12];
                buf[n++] = HEX[(c >> 8) & 0xF];
                buf[n++] = HEX[(c >> 4) & 0xF];
                buf[n++] = HEX[c & 0xF];
            }
        }
    }
}
