package dev.concierge.server.routing;

import dev.concierge.store.ConversationStore.QueuedMail;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The outbound mail limits (docs/email.md, "Limits"): transcripts per visitor per hour, mails per
 * recipient address per 24 hours, mails per site per hour, over sliding windows. Router thread
 * only: one thread counts, so the counts are exact. Each window keeps at most its limit of
 * instants (nothing over a limit is counted), so memory is bounded by the mails actually sent.
 */
final class MailLimits {
    static final Duration HOUR = Duration.ofHours(1);
    static final Duration DAY = Duration.ofHours(24);

    private final MailPolicyConfig config;
    private final Map<String, ArrayDeque<Instant>> transcriptsByVisitor = new HashMap<>();
    private final Map<String, ArrayDeque<Instant>> byAddress = new HashMap<>();
    private final Map<String, ArrayDeque<Instant>> bySite = new HashMap<>();

    MailLimits(MailPolicyConfig config) {
        this.config = config;
    }

    /** Why one more mail of {@code kind} may not go out at {@code now}, and until when. */
    record Refusal(String reason, Duration retryAfter) {}

    /**
     * Whether one more mail may go to {@code address} for {@code site} at {@code now}; for a
     * transcript ({@code visitorId} present) also within the visitor's transcripts. Empty when it
     * may; else why not and how long until it would.
     */
    Optional<Refusal> check(Optional<String> visitorId, String address, String site, Instant now) {
        Optional<Refusal> refusal = Optional.empty();
        if (visitorId.isPresent()) {
            refusal = longer(
                    refusal,
                    over(transcriptsByVisitor, visitorId.get(), config.transcriptsPerVisitor(), HOUR, now)
                            .map(d -> new Refusal(config.transcriptsPerVisitor() + " transcripts per hour", d)));
        }
        refusal = longer(
                refusal,
                over(byAddress, key(address), config.mailsPerAddress(), DAY, now)
                        .map(d -> new Refusal(config.mailsPerAddress() + " mails to this address in 24 hours", d)));
        refusal = longer(
                refusal,
                over(bySite, site, config.mailsPerSite(), HOUR, now)
                        .map(d -> new Refusal(config.mailsPerSite() + " mails for this site per hour", d)));
        return refusal;
    }

    /** Counts a mail enqueued at {@code at}; a transcript ({@code visitorId} present) for its visitor too. */
    void count(Optional<String> visitorId, String address, String site, Instant at) {
        visitorId.ifPresent(v -> window(transcriptsByVisitor, v).addLast(at));
        window(byAddress, key(address)).addLast(at);
        window(bySite, site).addLast(at);
    }

    /**
     * Counts again the mails of the last 24 hours read from the outbox at start, oldest first;
     * {@code visitorOf} names the visitor of a transcript's conversation.
     */
    void restore(List<QueuedMail> mails, Function<String, Optional<String>> visitorOf, Instant now) {
        Instant since = now.minus(DAY);
        for (QueuedMail q : mails) {
            var m = q.mail();
            if (m.createdAt().isBefore(since)) {
                continue;
            }
            Optional<String> visitor =
                    "transcript".equals(m.kind()) ? visitorOf.apply(m.conversationId()) : Optional.empty();
            count(visitor, m.recipient(), m.site(), m.createdAt());
        }
        sweep(now);
    }

    /** Forgets what no window holds any more (the ticker calls it), so idle keys leave memory. */
    void sweep(Instant now) {
        prune(transcriptsByVisitor, HOUR, now);
        prune(byAddress, DAY, now);
        prune(bySite, HOUR, now);
    }

    private static void prune(Map<String, ArrayDeque<Instant>> windows, Duration width, Instant now) {
        windows.values().removeIf(w -> {
            expire(w, width, now);
            return w.isEmpty();
        });
    }

    /** Empty when the window of {@code key} has room at {@code now}; else how long until it has. */
    private static Optional<Duration> over(
            Map<String, ArrayDeque<Instant>> windows, String key, int limit, Duration width, Instant now) {
        ArrayDeque<Instant> w = windows.get(key);
        if (w != null) {
            expire(w, width, now);
        }
        int used = w == null ? 0 : w.size();
        if (used < limit) {
            return Optional.empty();
        }
        if (w == null || w.isEmpty()) {
            return Optional.of(width); // a limit of 0: never, say in a window's time
        }
        // The (used - limit + 1)-th oldest must leave the window before one more fits.
        Instant frees = new ArrayList<>(w).get(used - limit).plus(width);
        return Optional.of(Duration.between(now, frees));
    }

    private static void expire(ArrayDeque<Instant> w, Duration width, Instant now) {
        Instant oldestKept = now.minus(width);
        while (!w.isEmpty() && !w.peekFirst().isAfter(oldestKept)) {
            w.removeFirst();
        }
    }

    private static ArrayDeque<Instant> window(Map<String, ArrayDeque<Instant>> windows, String key) {
        return windows.computeIfAbsent(key, k -> new ArrayDeque<>());
    }

    private static Optional<Refusal> longer(Optional<Refusal> a, Optional<Refusal> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return b.get().retryAfter().compareTo(a.get().retryAfter()) > 0 ? b : a;
    }

    /** Addresses are counted case-insensitively. */
    static String key(String address) {
        return address.toLowerCase(Locale.ROOT);
    }
}
