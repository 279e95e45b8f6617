package dev.concierge.server;

import dev.concierge.server.webhook.TargetPolicy;
import dev.concierge.server.webhook.WebhookSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The webhook flags of {@code serve} (docs/integrations.md, "Delivery"): {@code --webhook-allow}
 * (the private targets webhooks may reach: {@code loopback}, {@code private}, {@code link-local},
 * CIDRs), {@code --webhook-allow-http}, and the test flags {@code --webhook-backoff} (the retry
 * schedule) and {@code --webhook-pause-after} (when a failing endpoint is paused). Collected while
 * the command line is read, then handed to the builder by {@link #configure}.
 */
final class WebhookFlags {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private WebhookSettings settings = WebhookSettings.DEFAULTS;
    private boolean given;

    /** Takes {@code flag} if it is a webhook switch (no value); whether it was. */
    boolean takeSwitch(String flag) {
        if (!flag.equals("--webhook-allow-http")) {
            return false;
        }
        settings = settings.allowHttp(true);
        given = true;
        return true;
    }

    /** Takes {@code flag} with its {@code value} if it is a webhook flag; whether it was. */
    boolean take(String flag, String value) {
        try {
            switch (flag) {
                case "--webhook-allow" -> {
                    List<String> items = items(flag, value);
                    TargetPolicy.of(items, false); // refuses a bad item naming the flag
                    settings = settings.allow(items);
                }
                case "--webhook-backoff" -> {
                    List<Duration> schedule = new ArrayList<>();
                    for (String item : items(flag, value)) {
                        schedule.add(duration(flag, item));
                    }
                    settings = settings.backoff(schedule);
                }
                case "--webhook-pause-after" -> {
                    List<String> parts = items(flag, value);
                    if (parts.size() != 2) {
                        throw new ServeOptions.UsageException(
                                flag + " must be DURATION,FAILURES (e.g. 12h,10), was " + value);
                    }
                    settings = settings.pauseAfter(
                            duration(flag, parts.get(0)), ServeOptions.number(flag, parts.get(1), 1));
                }
                default -> {
                    return false;
                }
            }
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new ServeOptions.UsageException(m.startsWith(flag) ? m : flag + ": " + m);
        }
        given = true;
        return true;
    }

    /** The settings the flags taken so far make. */
    WebhookSettings settings() {
        return settings;
    }

    /** Hands the settings to the builder through {@code set}, if any flag was given. */
    void configure(BiConsumer<String, Consumer<ChatServer.Builder>> set, List<String> notices) {
        if (!given) {
            return;
        }
        WebhookSettings chosen = settings;
        set.accept("--webhook-allow", b -> b.webhooks(chosen));
        if (!chosen.allow().isEmpty() || chosen.allowHttp()) {
            notices.add("Webhooks may reach "
                    + (chosen.allow().isEmpty() ? "public" : String.join(", ", chosen.allow()) + " and public")
                    + " addresses" + (chosen.allowHttp() ? ", over plain http too" : "")
                    + " (docs/integrations.md)");
        }
    }

    private static List<String> items(String flag, String value) {
        List<String> items = new ArrayList<>();
        for (String item : value.split(",", -1)) {
            String trimmed = item.strip();
            if (trimmed.isEmpty()) {
                throw new ServeOptions.UsageException(flag + ": an empty item in " + value);
            }
            items.add(trimmed.toLowerCase(Locale.ROOT));
        }
        return items;
    }

    /** A duration written {@code 250ms}, {@code 5s}, {@code 2m} or {@code 12h}. */
    static Duration duration(String flag, String value) {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new ServeOptions.UsageException(
                    flag + ": a duration is a whole number with ms, s, m or h (e.g. 100ms, 12h), was " + value);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
