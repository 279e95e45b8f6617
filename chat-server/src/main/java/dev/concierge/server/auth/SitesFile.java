package dev.concierge.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.support.Patterns;
import dev.concierge.server.support.ServerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads the sites file ({@code --sites FILE}):
 * <pre>{@code {"sites": {"shop": {"title": "Northwind help", "greeting": "Hi!", "colors": {"brand": "#0f766e"},
 *   "position": "left", "language": "fr", "department": "orders",
 *   "preChat": {"fields": ["name", "email", "question"], "required": ["email"]},
 *   "allowedOrigins": ["https://shop.example.com"], "identitySecret": "at least 32 characters …",
 *   "email": {"from": "Northwind help <help@northwind.example>", "replyDomain": "reply.northwind.example",
 *             "templates": "mail/northwind"}}}}</pre>
 * Every field but the key is optional. Errors name the file, the site and the field. The secret
 * may be given as {@code "identitySecretEnv": "VAR"} instead, read from the environment by
 * {@link Main} (so no secret need sit in the file). A relative {@code email.templates} folder is
 * resolved against the sites file's folder.
 */
public final class SitesFile {
    private static final Pattern COLOR = Pattern.compile("#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})");
    private static final Pattern LANGUAGE = Pattern.compile("[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*");
    private static final Set<String> FIELDS = Set.of("name", "email", "question");
    private static final Set<String> KNOWN = Set.of(
            "title",
            "greeting",
            "colors",
            "position",
            "language",
            "department",
            "preChat",
            "allowedOrigins",
            "identitySecret",
            "identitySecretEnv",
            "previousIdentitySecret",
            "previousIdentitySecretEnv",
            "email");
    private static final Set<String> EMAIL_KNOWN = Set.of("from", "replyDomain", "templates");
    private static final Pattern DOMAIN = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    /** An HMAC key shorter than this is guessable offline from one signature. */
    static final int MIN_SECRET_LENGTH = 32;

    private SitesFile() {}

    /** The sites of {@code file}, by key. {@code env} resolves {@code identitySecretEnv}. */
    public static Map<String, Site> read(Path file, Function<String, String> env) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ServerException(file + ": cannot read sites file: " + e.getMessage(), e);
        }
        JsonNode sites = root == null ? null : root.get("sites");
        if (sites == null || !sites.isObject() || sites.isEmpty()) {
            throw new ServerException(file + ": \"sites\" must be a non-empty object of site key to settings");
        }
        Map<String, Site> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = sites.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = file + ": sites." + e.getKey();
            if (!Patterns.SITE_KEY.matcher(e.getKey()).matches()) {
                throw new ServerException(where + ": a site key is 1-64 letters, digits, '_', '-' or '.'");
            }
            out.put(e.getKey(), site(e.getKey(), e.getValue(), where, env, file));
        }
        return Map.copyOf(out);
    }

    private static Site site(String key, JsonNode s, String where, Function<String, String> env, Path file) {
        if (!s.isObject()) {
            throw new ServerException(where + ": must be an object");
        }
        s.fieldNames().forEachRemaining(name -> {
            if (!KNOWN.contains(name)) {
                throw new ServerException(where + "." + name + ": unknown field; known: " + String.join(", ", KNOWN));
            }
        });
        Optional<String> title = text(s, "title", where, 80);
        Optional<String> greeting = text(s, "greeting", where, 500);
        Optional<String> color = Optional.empty();
        JsonNode colors = s.get("colors");
        if (colors != null) {
            color = text(colors, "brand", where + ".colors", 7);
            if (color.isPresent() && !COLOR.matcher(color.get()).matches()) {
                throw new ServerException(where + ".colors.brand: a hex colour like #4f46e5, was " + color.get());
            }
        }
        String position = text(s, "position", where, 5).orElse("right");
        if (!position.equals("right") && !position.equals("left")) {
            throw new ServerException(where + ".position: right or left, was " + position);
        }
        Optional<String> language = matching(s, "language", where, LANGUAGE);
        Optional<String> department = matching(s, "department", where, Patterns.SITE_KEY);
        List<String> fields = List.of();
        List<String> required = List.of();
        JsonNode preChat = s.get("preChat");
        if (preChat != null && !preChat.isBoolean() && !preChat.isObject()) {
            throw new ServerException(where + ".preChat: true, false or {\"fields\": [...], \"required\": [...]}");
        }
        if (preChat != null
                && preChat.asBoolean(true)
                && !(preChat.isObject() && !preChat.path("enabled").asBoolean(true))) {
            fields = preChat.isObject() && preChat.has("fields")
                    ? list(preChat.get("fields"), where + ".preChat.fields")
                    : List.of("name", "email", "question");
            required = preChat.isObject() && preChat.has("required")
                    ? list(preChat.get("required"), where + ".preChat.required")
                    : List.of("email");
            for (String f : fields) {
                if (!FIELDS.contains(f)) {
                    throw new ServerException(where + ".preChat.fields: name, email or question, was " + f);
                }
            }
            for (String f : required) {
                if (!fields.contains(f)) {
                    throw new ServerException(where + ".preChat.required: " + f + " is not one of the fields");
                }
            }
        }
        List<String> origins =
                s.has("allowedOrigins") ? list(s.get("allowedOrigins"), where + ".allowedOrigins") : List.of();
        for (String o : origins) {
            if (!Patterns.ORIGIN.matcher(o).matches()) {
                throw new ServerException(where + ".allowedOrigins: scheme://host[:port], was " + o);
            }
        }
        Optional<String> secret = secret(s, "identitySecret", where, env);
        Optional<String> previous = secret(s, "previousIdentitySecret", where, env);
        if (previous.isPresent() && secret.isEmpty()) {
            throw new ServerException(
                    where + ".previousIdentitySecret: only while rotating to a new identitySecret; give that too");
        }
        if (previous.isPresent() && previous.equals(secret)) {
            throw new ServerException(where + ".previousIdentitySecret: the same as identitySecret");
        }
        return new Site(
                key,
                title,
                greeting,
                color,
                position,
                language,
                department,
                fields,
                required,
                origins,
                secret,
                previous,
                email(s.get("email"), where + ".email", file));
    }

    /** The optional {@code email} object: sender, reply domain, templates folder. */
    private static Optional<Site.Email> email(JsonNode e, String where, Path file) {
        if (e == null || e.isNull()) {
            return Optional.empty();
        }
        if (!e.isObject()) {
            throw new ServerException(where + ": must be an object of from, replyDomain, templates");
        }
        e.fieldNames().forEachRemaining(name -> {
            if (!EMAIL_KNOWN.contains(name)) {
                throw new ServerException(
                        where + "." + name + ": unknown field; known: " + String.join(", ", EMAIL_KNOWN));
            }
        });
        Optional<String> from = text(e, "from", where, 320);
        if (from.isPresent()) {
            try {
                jakarta.mail.internet.InternetAddress[] parsed =
                        jakarta.mail.internet.InternetAddress.parseHeader(from.get(), true);
                if (from.get().chars().anyMatch(Character::isISOControl)) {
                    throw new jakarta.mail.internet.AddressException("a control character (line break?)");
                }
                if (parsed.length != 1) {
                    throw new jakarta.mail.internet.AddressException("not one address");
                }
                parsed[0].validate();
            } catch (jakarta.mail.internet.AddressException ex) {
                throw new ServerException(where + ".from: one address like \"Help <help@example.com>\", was "
                        + from.get() + " (" + ex.getMessage() + ")");
            }
        }
        Optional<String> replyDomain = matching(e, "replyDomain", where, DOMAIN);
        Optional<Path> templates = text(e, "templates", where, 1024).map(t -> {
            Path dir = file.toAbsolutePath().getParent().resolve(t).normalize();
            if (!Files.isDirectory(dir)) {
                throw new ServerException(where + ".templates: not a folder: " + dir);
            }
            return dir;
        });
        return Optional.of(new Site.Email(from, replyDomain, templates));
    }

    /** The secret in {@code field}, or in the environment variable named by {@code field + "Env"}. */
    private static Optional<String> secret(JsonNode s, String field, String where, Function<String, String> env) {
        Optional<String> secret = text(s, field, where, 4096);
        Optional<String> secretEnv = text(s, field + "Env", where, 200);
        if (secret.isPresent() && secretEnv.isPresent()) {
            throw new ServerException(where + ": give " + field + " or " + field + "Env, not both");
        }
        if (secretEnv.isPresent()) {
            String value = env.apply(secretEnv.get());
            if (value == null || value.isEmpty()) {
                throw new ServerException(
                        where + "." + field + "Env: environment variable " + secretEnv.get() + " is not set");
            }
            secret = Optional.of(value);
        }
        if (secret.isPresent() && secret.get().length() < MIN_SECRET_LENGTH) {
            throw new ServerException(where + "." + field + ": at least " + MIN_SECRET_LENGTH
                    + " characters (e.g. openssl rand -hex 32)");
        }
        return secret;
    }

    private static Optional<String> text(JsonNode node, String field, String where, int max) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new ServerException(where + "." + field + ": must be text");
        }
        if (v.asText().length() > max) {
            throw new ServerException(where + "." + field + ": longer than " + max + " characters");
        }
        return Optional.of(v.asText());
    }

    private static Optional<String> matching(JsonNode node, String field, String where, Pattern pattern) {
        Optional<String> value = text(node, field, where, 64);
        if (value.isPresent() && !pattern.matcher(value.get()).matches()) {
            throw new ServerException(where + "." + field + ": not a valid " + field + ": " + value.get());
        }
        return value;
    }

    private static List<String> list(JsonNode node, String where) {
        if (!node.isArray()) {
            throw new ServerException(where + ": must be an array of text");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.isTextual()) {
                throw new ServerException(where + ": must be an array of text");
            }
            out.add(n.asText());
        }
        return List.copyOf(out);
    }
}
