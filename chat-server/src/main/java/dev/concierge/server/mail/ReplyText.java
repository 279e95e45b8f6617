package dev.concierge.server.mail;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The new text of a visitor's reply by email: the {@code text/plain} part (its charset and
 * transfer encoding decoded, {@code format=flowed} unwrapped per RFC 3676), cut before the quoted
 * history and without the signature. In order:
 *
 * <ol>
 *   <li>our marker line, {@code -- reply above this line --} (or its French or German text),
 *       which every template's text part starts with;
 *   <li>the first attribution line of a quote, possibly wrapped over two lines: {@code On … wrote:},
 *       {@code Le … a écrit :}, {@code Am … schrieb …:} (Gmail, Apple Mail), Outlook's
 *       {@code -----Original Message-----} and its {@code ____} line or {@code From:}/{@code De :}/
 *       {@code Von:} header block;
 *   <li>trailing lines quoted with {@code >};
 *   <li>the signature from the {@code -- } delimiter on, and the mobile one-liners ("Sent from my
 *       iPhone", "Get Outlook for iOS" and their French and German texts) at the end.
 * </ol>
 *
 * A line that merely starts with "On" is kept: an attribution needs its {@code wrote:}. A quote
 * in the middle of the new text (a reply written between quoted lines) is kept.
 */
final class ReplyText {
    private static final Pattern MARKER = Pattern.compile(
            "^[>\\s]*-- ?(reply above this line|répondez au-dessus de cette ligne|antwort über dieser zeile schreiben)"
                    + " ?--\\s*$",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    private static final Pattern ATTRIBUTION = Pattern.compile(
            "^(On\\s.{1,300}\\swrote:|Le\\s.{1,300}\\sa\\s+écrit\\s?:|Am\\s.{1,300}\\sschrieb(\\s.{0,300})?:)\\s*$",
            Pattern.UNICODE_CASE);
    private static final Pattern ORIGINAL_MESSAGE = Pattern.compile(
            "^\\s*-{2,}\\s*(Original Message|Message d'origine|Message d’origine|Ursprüngliche Nachricht)\\s*-{2,}\\s*$",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    private static final Pattern UNDERSCORES = Pattern.compile("^\\s*_{20,}\\s*$");
    private static final Pattern HEADER_FROM = Pattern.compile("^\\*?(From|De|Von)\\s?:.*", Pattern.UNICODE_CASE);
    private static final Pattern HEADER_SENT =
            Pattern.compile("^\\*?(Sent|Date|Envoyé|Gesendet|Datum)\\s?:.*", Pattern.UNICODE_CASE);
    private static final Pattern ONE_LINER = Pattern.compile(
            "^(Sent from my \\w+( \\w+)?|Envoyé de mon \\w+( \\w+)?|Von meinem \\w+( \\w+)? gesendet"
                    + "|Get Outlook for \\w+|Télécharger Outlook pour \\w+|Outlook für \\w+ beziehen)"
                    + "\\s*(<[^>\\s]*>)?\\.?\\s*$",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /** Characters some clients put before a quoted line's text: byte order mark, zero-width space. */
    private static final Pattern INVISIBLE = Pattern.compile("[\\uFEFF\\u200B]");

    private ReplyText() {}

    /** Why a message has no text to read. */
    static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreadable(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * The {@code text/plain} body of a message (the first one that is not an attachment), decoded
     * and unwrapped.
     *
     * @throws Unreadable when there is none (an HTML-only reply) or its charset is unknown
     */
    static String body(Part message) throws Unreadable {
        try {
            Part plain = plainPart(message, 0).orElseThrow(() -> new Unreadable("no text/plain part"));
            Object content = plain.getContent();
            if (!(content instanceof String text)) {
                throw new Unreadable("text/plain part is not text");
            }
            ContentType type = new ContentType(plain.getContentType());
            boolean flowed = "flowed".equalsIgnoreCase(type.getParameter("format"));
            boolean delSp = "yes".equalsIgnoreCase(type.getParameter("delsp"));
            String lf = text.replace("\r\n", "\n").replace('\r', '\n');
            return flowed ? unflow(lf, delSp) : lf;
        } catch (ParseException e) {
            throw new Unreadable("bad Content-Type");
        } catch (java.io.UnsupportedEncodingException e) {
            throw new Unreadable("unknown charset");
        } catch (MessagingException | IOException e) {
            throw new Unreadable("unreadable MIME structure: " + e.getClass().getSimpleName());
        }
    }

    private static Optional<Part> plainPart(Part part, int depth) throws MessagingException, IOException {
        if (depth > 8 || Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition())) {
            return Optional.empty();
        }
        if (part.isMimeType("text/plain")) {
            return Optional.of(part);
        }
        if (part.isMimeType("multipart/*") && part.getContent() instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                Optional<Part> found = plainPart(child, depth + 1);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Undoes RFC 3676 {@code format=flowed}: a line ending in a space continues on the next line
     * of the same quote depth; a leading space (stuffing) is removed; the signature delimiter
     * {@code "-- "} is never flowed.
     */
    static String unflow(String text, boolean delSp) {
        List<String> out = new ArrayList<>();
        StringBuilder paragraph = null;
        int paragraphDepth = -1;
        for (String line : text.split("\n", -1)) {
            int depth = 0;
            while (depth < line.length() && line.charAt(depth) == '>') {
                depth++;
            }
            String content = line.substring(depth);
            if (content.startsWith(" ")) {
                content = content.substring(1); // stuffing, or the space after the quote marks
            }
            if (paragraph != null && depth != paragraphDepth) {
                out.add(quoted(paragraphDepth, paragraph.toString()));
                paragraph = null;
            }
            boolean soft = content.endsWith(" ") && !content.equals("-- ");
            if (soft) {
                String kept = delSp ? content.substring(0, content.length() - 1) : content;
                if (paragraph == null) {
                    paragraph = new StringBuilder(kept);
                    paragraphDepth = depth;
                } else {
                    paragraph.append(kept);
                }
                continue;
            }
            if (paragraph != null) {
                out.add(quoted(depth, paragraph.append(content).toString()));
                paragraph = null;
            } else {
                out.add(quoted(depth, content));
            }
        }
        if (paragraph != null) {
            out.add(quoted(paragraphDepth, paragraph.toString()));
        }
        return String.join("\n", out);
    }

    private static String quoted(int depth, String content) {
        return depth == 0 ? content : ">".repeat(depth) + " " + content;
    }

    /** The new text of a reply body: quotes and signature cut, trimmed; may be empty. */
    static String strip(String body) {
        List<String> lines = new ArrayList<>(List.of(
                INVISIBLE.matcher(body.replace("\r\n", "\n")).replaceAll("").split("\n", -1)));
        cutAt(lines, firstMatch(lines, l -> MARKER.matcher(l).matches()));
        cutAt(lines, quoteStart(lines));
        // trailing quoted lines (and blank ones between them)
        int end = lines.size();
        while (end > 0 && (lines.get(end - 1).isBlank() || lines.get(end - 1).startsWith(">"))) {
            end--;
        }
        cutAt(lines, end);
        // the signature: from "-- " to the end
        cutAt(lines, firstMatch(lines, l -> l.equals("-- ") || l.equals("--")));
        // mobile one-liners at the end
        end = lines.size();
        while (end > 0
                && (lines.get(end - 1).isBlank()
                        || ONE_LINER.matcher(lines.get(end - 1).strip()).matches())) {
            end--;
        }
        cutAt(lines, end);
        int start = 0;
        while (start < lines.size() && lines.get(start).isBlank()) {
            start++;
        }
        List<String> kept = lines.subList(start, lines.size());
        StringBuilder out = new StringBuilder();
        for (String line : kept) {
            out.append(line.stripTrailing()).append('\n');
        }
        return out.toString().strip();
    }

    /** The first line of a quote's attribution or Outlook's header block, or the size if none. */
    private static int quoteStart(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (ATTRIBUTION.matcher(line).matches()) {
                return i;
            }
            if (i + 1 < lines.size() && !line.isEmpty()) {
                String joined = line + " " + lines.get(i + 1).strip();
                if (line.matches("^(On|Le|Am)\\s.*")
                        && ATTRIBUTION.matcher(joined).matches()) {
                    return i;
                }
            }
            if (ORIGINAL_MESSAGE.matcher(line).matches()) {
                return i;
            }
            if (UNDERSCORES.matcher(line).matches() && headerBlockFollows(lines, i + 1)) {
                return i;
            }
            if (HEADER_FROM.matcher(line).matches() && sentWithin(lines, i + 1)) {
                return i;
            }
        }
        return lines.size();
    }

    private static boolean headerBlockFollows(List<String> lines, int from) {
        for (int i = from; i < Math.min(lines.size(), from + 4); i++) {
            if (HEADER_FROM.matcher(lines.get(i).strip()).matches()) {
                return true;
            }
        }
        return false;
    }

    private static boolean sentWithin(List<String> lines, int from) {
        for (int i = from; i < Math.min(lines.size(), from + 4); i++) {
            if (HEADER_SENT.matcher(lines.get(i).strip()).matches()) {
                return true;
            }
        }
        return false;
    }

    private static int firstMatch(List<String> lines, java.util.function.Predicate<String> test) {
        for (int i = 0; i < lines.size(); i++) {
            if (test.test(lines.get(i))) {
                return i;
            }
        }
        return lines.size();
    }

    private static void cutAt(List<String> lines, int at) {
        if (at < lines.size()) {
            lines.subList(at, lines.size()).clear();
        }
    }

    /** For logs: the shape of a text without its content. */
    static String describe(String text) {
        return text.length() + " chars, " + text.lines().count() + " lines";
    }
}
