package dev.concierge.server.mail;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;
import dev.concierge.server.auth.Site;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The email templates: built-in ones in the jar for English, French and German (the widget's
 * languages), under {@code mail/{language}/{kind}.txt}, {@code .html} and the subject in
 * {@code mail/{language}/subjects.properties} ({@code kind=subject}); a site's {@code email.templates}
 * folder holds the same names and wins file by file (a missing file falls back to the built-in).
 * Mustache, logic-less: the HTML part escapes every {@code {{x}}}, the text part escapes nothing.
 * Used on the mail sender's one thread only.
 */
final class MailTemplates {
    /** The languages with built-in templates; any other renders in English. */
    static final Set<String> LANGUAGES = Set.of("en", "fr", "de");

    private final DefaultMustacheFactory html = new DefaultMustacheFactory();
    private final DefaultMustacheFactory text = new DefaultMustacheFactory() {
        @Override
        public void encode(String value, Writer writer) {
            try {
                writer.write(value);
            } catch (IOException e) {
                throw new MustacheException("cannot write the text part", e);
            }
        }
    };
    /** Compiled templates by source (a file path or a resource name). */
    private final Map<String, Mustache> compiled = new HashMap<>();

    /** The language templates exist for, from a tag like {@code fr-CA}: {@code fr}; else {@code en}. */
    static String language(String tag) {
        if (tag == null) {
            return "en";
        }
        String primary = tag.split("[-_]", 2)[0].toLowerCase(Locale.ROOT);
        return LANGUAGES.contains(primary) ? primary : "en";
    }

    /**
     * Renders the mail {@code kind} for {@code site} in {@code languageTag} with {@code scope}
     * (the template's variables), sent from {@code from}.
     */
    MailContent render(String kind, Optional<Site> site, String languageTag, Map<String, Object> scope, String from) {
        return render(kind, kind, site, languageTag, scope, from);
    }

    /**
     * {@link #render(String, Optional, String, Map, String)} with the subject under {@code
     * subjectKey} of the subjects file (e.g. {@code agent_alert.long_wait}). The subject is a
     * template too, rendered unescaped and then made one line: every control character (CR, LF,
     * tab…) and line or paragraph separator becomes a space, so no value in it (a visitor's or
     * an agent's name) can start a header of its own; at most {@link #MAX_SUBJECT} characters.
     */
    MailContent render(
            String kind,
            String subjectKey,
            Optional<Site> site,
            String languageTag,
            Map<String, Object> scope,
            String from) {
        String language = language(languageTag);
        Optional<Path> dir = site.flatMap(Site::email).flatMap(Site.Email::templates);
        String subjectTemplate = subject(dir, language, subjectKey);
        Mustache s = compiled.computeIfAbsent(
                "subject:" + subjectTemplate, k -> text.compile(new StringReader(subjectTemplate), k));
        StringWriter subject = new StringWriter();
        s.execute(subject, scope);
        return new MailContent(
                from,
                oneLine(subject.toString()),
                run(text, dir, language + "/" + kind + ".txt", scope),
                run(html, dir, language + "/" + kind + ".html", scope));
    }

    /** The longest subject sent, in characters. */
    static final int MAX_SUBJECT = 200;

    private static final java.util.regex.Pattern NOT_ONE_LINE =
            java.util.regex.Pattern.compile("[\\p{Cntrl}\\u0085\\u2028\\u2029]+");

    /** {@code value} on one line: control characters and line separators become spaces; clipped. */
    static String oneLine(String value) {
        String line = NOT_ONE_LINE.matcher(value).replaceAll(" ").strip();
        return line.length() <= MAX_SUBJECT ? line : line.substring(0, MAX_SUBJECT);
    }

    private String run(DefaultMustacheFactory factory, Optional<Path> dir, String name, Map<String, Object> scope) {
        Optional<Path> own = dir.map(d -> d.resolve(name)).filter(Files::isRegularFile);
        String source =
                (factory == html ? "html:" : "text:") + own.map(Path::toString).orElse("builtin:" + name);
        Mustache m = compiled.computeIfAbsent(source, k -> factory.compile(new StringReader(read(own, name)), k));
        StringWriter out = new StringWriter();
        m.execute(out, scope);
        return out.toString();
    }

    private static String subject(Optional<Path> dir, String language, String kind) {
        String name = language + "/subjects.properties";
        Optional<Path> own = dir.map(d -> d.resolve(name)).filter(Files::isRegularFile);
        Properties p = new Properties();
        try (Reader r = new StringReader(read(own, name))) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String subject = p.getProperty(kind);
        if (subject == null && own.isPresent()) {
            return subject(Optional.empty(), language, kind);
        }
        if (subject == null) {
            throw new IllegalArgumentException("no subject for emails of kind " + kind + " in " + language);
        }
        return subject;
    }

    /** The site's file if present, else the built-in resource {@code mail/name}. */
    private static String read(Optional<Path> own, String name) {
        try {
            if (own.isPresent()) {
                return Files.readString(own.get(), StandardCharsets.UTF_8);
            }
            try (InputStream in = MailTemplates.class.getResourceAsStream("/mail/" + name)) {
                if (in == null) {
                    throw new IllegalArgumentException("no built-in email template mail/" + name);
                }
                try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                    StringWriter w = new StringWriter();
                    r.transferTo(w);
                    return w.toString();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
