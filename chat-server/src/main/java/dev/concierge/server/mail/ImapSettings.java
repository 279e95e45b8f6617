package dev.concierge.server.mail;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where visitors' replies by email are read: the IMAP mailbox ({@code imaps://host:993/INBOX}, or
 * {@code imap://} to a loopback host only, as a local test server), its credentials (from the
 * environment, never a command-line flag), how often to look when the server has no IDLE, the
 * reply-token secret (at least 32 characters) with the previous one while rotating, and the
 * reply domain of sites without their own. The constructor rejects a bad value naming the field.
 */
public record ImapSettings(
        URI imap,
        Optional<String> user,
        Optional<String> password,
        Duration poll,
        String secret,
        Optional<String> previousSecret,
        String replyDomain) {
    /** The polling interval when none is given. */
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(30);

    /** Checks every field. */
    public ImapSettings {
        Objects.requireNonNull(imap, "imap");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(poll, "poll");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(previousSecret, "previousSecret");
        Objects.requireNonNull(replyDomain, "replyDomain");
        String scheme = String.valueOf(imap.getScheme()).toLowerCase(Locale.ROOT);
        if (!scheme.equals("imap") && !scheme.equals("imaps")) {
            throw new IllegalArgumentException(
                    "imap must be imaps://host:993/FOLDER (or imap:// to loopback), was " + imap);
        }
        if (imap.getHost() == null || imap.getPort() < 1 || imap.getPort() > 65_535) {
            throw new IllegalArgumentException("imap must name a host and a port from 1 to 65535, was " + imap);
        }
        if (scheme.equals("imap") && !loopback(imap.getHost())) {
            throw new IllegalArgumentException(
                    "imap:// sends the password in clear: only to a loopback host; use imaps://, was " + imap);
        }
        if (poll.compareTo(Duration.ofSeconds(1)) < 0 || poll.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("poll must be from 1 second to 1 hour, was " + poll);
        }
        if (secret.getBytes(StandardCharsets.UTF_8).length < ReplyToken.MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(
                    "secret must be at least " + ReplyToken.MIN_SECRET_BYTES + " characters");
        }
        previousSecret.ifPresent(p -> {
            if (p.getBytes(StandardCharsets.UTF_8).length < ReplyToken.MIN_SECRET_BYTES) {
                throw new IllegalArgumentException(
                        "previousSecret must be at least " + ReplyToken.MIN_SECRET_BYTES + " characters");
            }
        });
        if (replyDomain.isBlank() || !replyDomain.matches("[A-Za-z0-9.-]+")) {
            throw new IllegalArgumentException("replyDomain must be a host name, was " + replyDomain);
        }
    }

    /** The folder to read: the URI's path without its slash, {@code INBOX} when empty. */
    public String folder() {
        String path = imap.getPath();
        return path == null || path.length() <= 1 ? "INBOX" : path.substring(1);
    }

    /** The reply tokens made and checked with {@link #secret} (and {@link #previousSecret}). */
    public ReplyToken tokens() {
        return new ReplyToken(
                secret.getBytes(StandardCharsets.UTF_8), previousSecret.map(p -> p.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String toString() {
        return "ImapSettings[" + imap + ", user " + user.isPresent() + ", poll " + poll + ", replyDomain " + replyDomain
                + "]"; // never the password or the secrets
    }

    static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false; // a name: not resolved here
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
