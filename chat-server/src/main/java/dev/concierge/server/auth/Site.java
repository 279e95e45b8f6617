package dev.concierge.server.auth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One website that embeds the widget, keyed by the {@code data-site} of its script tag: what
 * its owner configures on the server (docs/widget.md, "Sites file"). Everything but
 * {@code allowedOrigins} and {@code identitySecret} is public: the widget fetches it from
 * {@code GET /api/sites/{key}}.
 *
 * @param key            the site key
 * @param title          panel title, or empty for the widget's (localised) default
 * @param greeting       first line shown in an empty panel, or empty for the default
 * @param brandColor     hex colour of the launcher, header and the visitor's bubbles
 * @param position       {@code right} or {@code left}
 * @param language       the widget's language (en, fr, de), or empty: the browser's
 * @param department     where the site's conversations are routed, or empty
 * @param preChatFields  the pre-chat form's fields (name, email, question); empty: no form
 * @param preChatRequired which of them must be filled
 * @param allowedOrigins page origins that may open WebSockets for this site (exact match)
 * @param identitySecret secret for identity verification (HMAC-SHA256), or empty: identities
 *                       are not verified and never link conversations
 * @param previousIdentitySecret the secret being rotated out, still accepted, or empty
 * @param email          how the site's emails are sent (sender, reply domain, templates), or
 *                       empty: the server's defaults
 */
public record Site(
        String key,
        Optional<String> title,
        Optional<String> greeting,
        Optional<String> brandColor,
        String position,
        Optional<String> language,
        Optional<String> department,
        List<String> preChatFields,
        List<String> preChatRequired,
        List<String> allowedOrigins,
        Optional<String> identitySecret,
        Optional<String> previousIdentitySecret,
        Optional<Email> email) {

    /**
     * A site's own email settings (the sites file's {@code email} object); never public.
     *
     * @param from        the sender, e.g. {@code Northwind help <help@northwind.example>}, or empty
     * @param replyDomain the domain of the reply addresses, or empty
     * @param templates   a folder of the site's own templates (same names as the built-in ones;
     *                    a missing file falls back to the built-in), or empty
     */
    public record Email(Optional<String> from, Optional<String> replyDomain, Optional<java.nio.file.Path> templates) {
        public Email {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(replyDomain, "replyDomain");
            Objects.requireNonNull(templates, "templates");
        }
    }

    /** A site without email settings of its own. */
    public Site(
            String key,
            Optional<String> title,
            Optional<String> greeting,
            Optional<String> brandColor,
            String position,
            Optional<String> language,
            Optional<String> department,
            List<String> preChatFields,
            List<String> preChatRequired,
            List<String> allowedOrigins,
            Optional<String> identitySecret,
            Optional<String> previousIdentitySecret) {
        this(
                key,
                title,
                greeting,
                brandColor,
                position,
                language,
                department,
                preChatFields,
                preChatRequired,
                allowedOrigins,
                identitySecret,
                previousIdentitySecret,
                Optional.empty());
    }

    public Site {
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(key, "key");
        preChatFields = List.copyOf(preChatFields);
        preChatRequired = List.copyOf(preChatRequired);
        allowedOrigins = List.copyOf(allowedOrigins);
        if (previousIdentitySecret.isPresent() && identitySecret.isEmpty()) {
            throw new IllegalArgumentException("previousIdentitySecret needs an identitySecret");
        }
    }

    /** The built-in {@code demo} site, used when no sites file is given. */
    public static Site demo() {
        return new Site(
                "demo",
                Optional.empty(),
                Optional.empty(),
                Optional.of("#4f46e5"),
                "right",
                Optional.empty(),
                Optional.empty(),
                List.of(),
                List.of(),
                List.of(),
                Optional.empty(),
                Optional.empty());
    }

    /** A site {@code key} with every setting at its default and no identity secret. */
    public static Site withDefaults(String key) {
        return new Site(
                key,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                "right",
                Optional.empty(),
                Optional.empty(),
                List.of(),
                List.of(),
                List.of(),
                Optional.empty(),
                Optional.empty());
    }

    /** What the widget may know: never the secret, nor the origin list. */
    public Map<String, Object> publicSettings() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("site", key);
        title.ifPresent(t -> out.put("title", t));
        greeting.ifPresent(g -> out.put("greeting", g));
        brandColor.ifPresent(c -> out.put("colors", Map.of("brand", c)));
        out.put("position", position);
        language.ifPresent(l -> out.put("language", l));
        department.ifPresent(d -> out.put("department", d));
        out.put(
                "preChat",
                preChatFields.isEmpty()
                        ? (Object) false
                        : Map.of("enabled", true, "fields", preChatFields, "required", preChatRequired));
        out.put("identityVerification", identitySecret.isPresent());
        return out;
    }

    @Override
    public String toString() {
        return "Site[" + key + "]"; // never the secret
    }
}
