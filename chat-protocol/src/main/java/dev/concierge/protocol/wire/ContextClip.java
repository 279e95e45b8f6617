package dev.concierge.protocol.wire;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.protocol.Page;
import dev.concierge.protocol.VisitorContext;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Makes a valid visitor's context of values that were never held to its limits: a context stored
 * before it had them, and the name and email of a verified identity (vouched for by the site's
 * backend, which may not know the limits). Each text is cut to its longest, control characters
 * dropped, an email that is not one left out, attributes with bad keys left out and the rest kept
 * in key order while they fit. So an old data directory keeps every visitor readable, a
 * verified visitor is never refused for their name, and what the server sends on is always a
 * valid context.
 */
public final class ContextClip {
    private ContextClip() {}

    /** A context of just a name and an email, clipped to the limits (either may be null). */
    public static VisitorContext nameAndEmail(String name, String email) {
        return new VisitorContext(clip(name, VisitorContext.MAX_NAME), email(email), null, null, null, null, Map.of());
    }

    /** {@code email} if the context takes it as it is (never cut: a cut address is another one), else null. */
    private static String email(String email) {
        return email != null
                        && email.equals(clip(email, VisitorContext.MAX_EMAIL))
                        && Checks.EMAIL.matcher(email).matches()
                ? email
                : null;
    }

    /** A stored context (JSON), clipped to the limits. */
    public static VisitorContext stored(JsonNode stored) {
        JsonNode e = stored.path("email");
        String email = e.isTextual() ? email(e.asText()) : null;
        JsonNode p = stored.path("page");
        Page page = p.isObject()
                ? new Page(
                        text(p.path("url"), Page.MAX_URL),
                        text(p.path("title"), Page.MAX_TITLE),
                        text(p.path("referrer"), Page.MAX_URL))
                : null;
        VisitorContext fields = new VisitorContext(
                text(stored.path("name"), VisitorContext.MAX_NAME),
                email,
                text(stored.path("language"), VisitorContext.MAX_LANGUAGE),
                text(stored.path("timeZone"), VisitorContext.MAX_TIME_ZONE),
                text(stored.path("userAgent"), VisitorContext.MAX_USER_AGENT),
                page,
                Map.of());
        int room = VisitorContext.MAX_TOTAL
                - length(fields.name())
                - length(fields.email())
                - length(fields.language())
                - length(fields.timeZone())
                - length(fields.userAgent())
                - (page == null ? 0 : length(page.url()) + length(page.title()) + length(page.referrer()));
        Map<String, String> sorted = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it =
                        stored.path("attributes").fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> a = it.next();
            String value = text(a.getValue(), VisitorContext.MAX_ATTRIBUTE_VALUE);
            if (Checks.ATTRIBUTE_KEY.matcher(a.getKey()).matches() && value != null) {
                sorted.put(a.getKey(), value);
            }
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, String> a : sorted.entrySet()) {
            int size = a.getKey().length() + a.getValue().length();
            if (attributes.size() == VisitorContext.MAX_ATTRIBUTES || size > room) {
                break;
            }
            attributes.put(a.getKey(), a.getValue());
            room -= size;
        }
        return new VisitorContext(
                fields.name(),
                fields.email(),
                fields.language(),
                fields.timeZone(),
                fields.userAgent(),
                page,
                attributes);
    }

    /** The node's text without control characters, cut to {@code max}; null if it is not text. */
    private static String text(JsonNode node, int max) {
        return !node.isValueNode() || node.isNull() ? null : clip(node.asText(), max);
    }

    /** {@code s} without control characters, cut to {@code max}; null stays null. */
    private static String clip(String s, int max) {
        if (s == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < max; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && (c < 0x7f || c > 0x9f)) {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }
}
