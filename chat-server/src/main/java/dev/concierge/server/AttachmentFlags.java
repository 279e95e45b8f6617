package dev.concierge.server;

import dev.concierge.server.attach.AttachmentSettings;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The attachment flags of {@code serve} (docs/attachments.md): {@code --attachment-max-file} and
 * {@code --attachment-max-conversation} (sizes: bytes, or a whole number with {@code KB}, {@code
 * MB} or {@code GB}, powers of 1024) and {@code --clamd HOST:PORT} (scan every upload with that
 * clamd). Collected while the command line is read, then handed to the builder by {@link
 * #configure}.
 */
final class AttachmentFlags {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(KB|MB|GB)?");
    private static final Pattern HOST_PORT = Pattern.compile("(.+):(\\d{1,5})");

    private long maxFile = AttachmentSettings.DEFAULTS.maxFileBytes();
    private Optional<Long> maxConversation = Optional.empty();
    private Optional<InetSocketAddress> clamd = Optional.empty();
    private boolean given;

    /** Takes {@code flag} with its {@code value} if it is an attachment flag; whether it was. */
    boolean take(String flag, String value) {
        switch (flag) {
            case "--attachment-max-file" -> maxFile = size(flag, value);
            case "--attachment-max-conversation" -> maxConversation = Optional.of(size(flag, value));
            case "--clamd" -> clamd = Optional.of(hostPort(flag, value));
            default -> {
                return false;
            }
        }
        given = true;
        return true;
    }

    /**
     * The settings the flags taken so far make: the defaults but for what was given; a
     * conversation's limit not given grows to the file limit when that is larger.
     */
    AttachmentSettings settings() {
        AttachmentSettings d = AttachmentSettings.DEFAULTS;
        long conversation = maxConversation.orElse(Math.max(d.maxConversationBytes(), maxFile));
        try {
            return new AttachmentSettings(
                    maxFile,
                    conversation,
                    d.maxPixels(),
                    d.downloadTtl(),
                    d.uploadsPerWindow(),
                    d.uploadWindow(),
                    d.unreferencedAfter(),
                    clamd);
        } catch (IllegalArgumentException e) {
            throw new ServeOptions.UsageException(
                    "--attachment-max-conversation must be at least --attachment-max-file");
        }
    }

    /** Hands the settings to the builder through {@code set}, if any flag was given. */
    void configure(BiConsumer<String, Consumer<ChatServer.Builder>> set, List<String> notices) {
        if (!given) {
            return;
        }
        AttachmentSettings chosen = settings();
        set.accept("--attachment-max-file", b -> b.attachments(chosen));
        chosen.clamd()
                .ifPresent(a -> notices.add("Every upload is scanned by clamd at " + a.getHostString() + ":"
                        + a.getPort() + " (docs/attachments.md)"));
    }

    /** A size: bytes, or a whole number of {@code KB}, {@code MB} or {@code GB}; at least 1 byte. */
    static long size(String flag, String value) {
        Matcher m = SIZE.matcher(value.strip().toUpperCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            int shift = m.group(2) == null
                    ? 0
                    : switch (m.group(2)) {
                        case "KB" -> 10;
                        case "MB" -> 20;
                        default -> 30;
                    };
            if (n >= 1 && n <= (Long.MAX_VALUE >> shift)) {
                return n << shift;
            }
        }
        throw new ServeOptions.UsageException(
                flag + " must be a positive size in bytes, or with KB, MB or GB (e.g. 10MB), was " + value);
    }

    private static InetSocketAddress hostPort(String flag, String value) {
        Matcher m = HOST_PORT.matcher(value.strip());
        if (m.matches()) {
            int port = Integer.parseInt(m.group(2));
            if (port >= 1 && port <= 65535) {
                return new InetSocketAddress(m.group(1), port);
            }
        }
        throw new ServeOptions.UsageException(flag + " must be HOST:PORT (e.g. 127.0.0.1:3310), was " + value);
    }
}
