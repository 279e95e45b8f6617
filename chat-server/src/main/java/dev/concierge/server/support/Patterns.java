package dev.concierge.server.support;

import java.util.regex.Pattern;

/**
 * The shapes of names and origins the server accepts from its configuration files, its REST API
 * and its command line, each written once so every way in checks alike. Public because the
 * server's packages share them.
 */
public final class Patterns {
    /**
     * An agent id, a department name or an FAQ entry id: 1-64 lower-case letters, digits,
     * {@code -} or {@code _}, starting with a letter or digit.
     */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    /** A visitor id, a conversation id or an FAQ tag: 1-64 letters, digits, {@code -} or {@code _}. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * A key of the sites file and a site's department: 1-64 letters, digits, {@code .}, {@code -}
     * or {@code _}, starting with a letter or digit.
     */
    public static final Pattern SITE_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /** A web origin a site or the server allows: {@code http(s)://host[:port]}, no path. */
    public static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?");

    private Patterns() {}
}
