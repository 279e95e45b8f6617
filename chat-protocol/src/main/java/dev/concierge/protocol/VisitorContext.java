package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.concierge.protocol.wire.Checks;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the widget or app tells the server about the visitor at {@code hello} and in
 * {@code context} frames. Every field is bounded (docs/protocol.md, "Limits of the visitor's
 * context"): one line each, no control character; {@code email} shaped like an address; at
 * most {@link #MAX_ATTRIBUTES} attributes, keys of {@code [A-Za-z0-9_.-]{1,64}}, values of at
 * most {@link #MAX_ATTRIBUTE_VALUE} characters; and all strings together at most
 * {@link #MAX_TOTAL} characters. A context that breaks one fails with an
 * {@link IllegalArgumentException} naming the field, so a decoded frame carrying it fails with
 * {@code bad_request}.
 *
 * <pre>{@code
 * VisitorContext context = VisitorContext.builder()
 *         .name("Ada Lovelace")
 *         .email("ada@example.com")
 *         .page(new Page("https://shop.example.com/orders/1234", "Order 1234", null))
 *         .attribute("plan", "gold")
 *         .build();
 * }</pre>
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record VisitorContext(
        String name,
        String email,
        String language,
        String timeZone,
        String userAgent,
        Page page,
        Map<String, String> attributes) {
    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /** Longest name, in characters. */
    public static final int MAX_NAME = 200;
    /** Longest email address, in characters. */
    public static final int MAX_EMAIL = Checks.MAX_EMAIL;
    /** Longest language tag, in characters (BCP 47 tags in practice stay below it). */
    public static final int MAX_LANGUAGE = 35;
    /** Longest time-zone name, in characters. */
    public static final int MAX_TIME_ZONE = 64;
    /** Longest user agent, in characters. */
    public static final int MAX_USER_AGENT = 512;
    /** Most attributes. */
    public static final int MAX_ATTRIBUTES = 50;
    /** What an email address must look like: {@code local@domain.tld}, no whitespace. */
    public static final String EMAIL = "[^@\\s]+@[^@\\s]+\\.[^@\\s]+";
    /** What an attribute key is made of. */
    public static final String ATTRIBUTE_KEY = "[A-Za-z0-9_.-]{1,64}";
    /** Longest attribute value, in characters. */
    public static final int MAX_ATTRIBUTE_VALUE = 1000;
    /** Most characters of all the context's strings (fields, keys and values) together. */
    public static final int MAX_TOTAL = 16 * 1024;

    /**
     * The name of a visitor who gave none: "Visitor" and the last four characters of the id.
     *
     * @param visitorId the visitor's id
     * @return e.g. {@code Visitor 91b2}
     */
    public static String defaultName(String visitorId) {
        return "Visitor " + visitorId.substring(Math.max(0, visitorId.length() - 4));
    }

    /**
     * Checks every field against the limits above, naming the field (e.g. {@code context.email})
     * in the {@link IllegalArgumentException}; copies {@code attributes}.
     *
     * @param name the name the visitor gave
     * @param email the email address the visitor gave
     * @param language the browser's language, e.g. {@code en-GB}
     * @param timeZone the browser's time zone, e.g. {@code Europe/London}
     * @param userAgent the browser's user agent
     * @param page the page the visitor is on
     * @param attributes the site's attributes of the visitor (none when null)
     */
    public VisitorContext {
        Checks.line("context.name", name, MAX_NAME);
        Checks.email("context.email", email);
        Checks.line("context.language", language, MAX_LANGUAGE);
        Checks.line("context.timeZone", timeZone, MAX_TIME_ZONE);
        Checks.line("context.userAgent", userAgent, MAX_USER_AGENT);
        int total = length(name)
                + length(email)
                + length(language)
                + length(timeZone)
                + length(userAgent)
                + (page == null ? 0 : page.chars());
        if (attributes == null) {
            attributes = Map.of();
        } else {
            if (attributes.size() > MAX_ATTRIBUTES) {
                throw new IllegalArgumentException("context.attributes has more than " + MAX_ATTRIBUTES + " keys");
            }
            for (Map.Entry<String, String> a : attributes.entrySet()) {
                if (a.getKey() == null
                        || !Checks.ATTRIBUTE_KEY.matcher(a.getKey()).matches()) {
                    throw new IllegalArgumentException(
                            "context.attributes keys must be 1 to 64 of the characters A-Z a-z 0-9 _ . -");
                }
                if (a.getValue() == null) {
                    throw new IllegalArgumentException("context.attributes." + a.getKey() + " must be a string");
                }
                Checks.line("context.attributes." + a.getKey(), a.getValue(), MAX_ATTRIBUTE_VALUE);
                total += a.getKey().length() + a.getValue().length();
            }
            attributes = Map.copyOf(attributes);
        }
        if (total > MAX_TOTAL) {
            throw new IllegalArgumentException("context is longer than " + MAX_TOTAL + " characters in all");
        }
    }

    /**
     * An empty context.
     *
     * @return a context with no fields and no attributes
     */
    public static VisitorContext empty() {
        return new VisitorContext(null, null, null, null, null, null, Map.of());
    }

    /**
     * A builder of a context; every field is optional.
     *
     * @return a builder with no field set
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a {@link VisitorContext}. Each setter checks its value against the field's limit at
     * once and names the field when it rejects one; {@link #build()} checks the total.
     */
    public static final class Builder {
        private String name;
        private String email;
        private String language;
        private String timeZone;
        private String userAgent;
        private Page page;
        private final Map<String, String> attributes = new LinkedHashMap<>();

        private Builder() {}

        /**
         * The visitor's name, as they gave it.
         *
         * @param name at most {@link #MAX_NAME} characters, one line; null for none
         * @return this builder
         * @throws IllegalArgumentException when it is too long or holds a control character (the
         *     message names {@code context.name})
         */
        public Builder name(String name) {
            Checks.line("context.name", name, MAX_NAME);
            this.name = name;
            return this;
        }

        /**
         * The visitor's email address.
         *
         * @param email {@code local@domain.tld}, at most {@link #MAX_EMAIL} characters; null for none
         * @return this builder
         * @throws IllegalArgumentException when it is too long, holds a control character or is
         *     not shaped like an address (the message names {@code context.email})
         */
        public Builder email(String email) {
            Checks.email("context.email", email);
            this.email = email;
            return this;
        }

        /**
         * The visitor's language.
         *
         * @param language a BCP 47 tag such as {@code en-GB}, at most {@link #MAX_LANGUAGE}
         *     characters; null for none
         * @return this builder
         * @throws IllegalArgumentException when it is too long or holds a control character (the
         *     message names {@code context.language})
         */
        public Builder language(String language) {
            Checks.line("context.language", language, MAX_LANGUAGE);
            this.language = language;
            return this;
        }

        /**
         * The visitor's time zone.
         *
         * @param timeZone a zone name such as {@code Europe/London}, at most
         *     {@link #MAX_TIME_ZONE} characters; null for none
         * @return this builder
         * @throws IllegalArgumentException when it is too long or holds a control character (the
         *     message names {@code context.timeZone})
         */
        public Builder timeZone(String timeZone) {
            Checks.line("context.timeZone", timeZone, MAX_TIME_ZONE);
            this.timeZone = timeZone;
            return this;
        }

        /**
         * The visitor's browser or app.
         *
         * @param userAgent at most {@link #MAX_USER_AGENT} characters, one line; null for none
         * @return this builder
         * @throws IllegalArgumentException when it is too long or holds a control character (the
         *     message names {@code context.userAgent})
         */
        public Builder userAgent(String userAgent) {
            Checks.line("context.userAgent", userAgent, MAX_USER_AGENT);
            this.userAgent = userAgent;
            return this;
        }

        /**
         * The page the visitor is on.
         *
         * @param page the page (a {@link Page} checks its own fields); null for none
         * @return this builder
         */
        public Builder page(Page page) {
            this.page = page;
            return this;
        }

        /**
         * Adds (or replaces) one attribute, e.g. {@code plan} = {@code gold}.
         *
         * @param key the attribute's name, {@code [A-Za-z0-9_.-]{1,64}}
         * @param value its value, at most {@link #MAX_ATTRIBUTE_VALUE} characters, one line
         * @return this builder
         * @throws NullPointerException when {@code key} or {@code value} is null
         * @throws IllegalArgumentException when the key is not {@code [A-Za-z0-9_.-]{1,64}}, the
         *     value is too long or not one line, or there would be more than
         *     {@link #MAX_ATTRIBUTES} attributes (the message names {@code context.attributes})
         */
        public Builder attribute(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (!Checks.ATTRIBUTE_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException(
                        "context.attributes keys must be 1 to 64 of the characters A-Z a-z 0-9 _ . -");
            }
            Checks.line("context.attributes." + key, value, MAX_ATTRIBUTE_VALUE);
            if (!attributes.containsKey(key) && attributes.size() == MAX_ATTRIBUTES) {
                throw new IllegalArgumentException("context.attributes has more than " + MAX_ATTRIBUTES + " keys");
            }
            attributes.put(key, value);
            return this;
        }

        /**
         * Adds (or replaces) each of {@code attributes}, as {@link #attribute(String, String)} does.
         *
         * @param attributes the attributes to add, by name
         * @return this builder
         * @throws NullPointerException when the map, a key or a value is null
         * @throws IllegalArgumentException as {@link #attribute(String, String)} does
         */
        public Builder attributes(Map<String, String> attributes) {
            Objects.requireNonNull(attributes, "attributes").forEach(this::attribute);
            return this;
        }

        /**
         * The context.
         *
         * @return a context with the fields set so far
         * @throws IllegalArgumentException when all its strings together exceed {@link #MAX_TOTAL}
         *     characters
         */
        public VisitorContext build() {
            return new VisitorContext(name, email, language, timeZone, userAgent, page, attributes);
        }
    }
}
