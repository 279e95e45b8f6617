package dev.concierge.server.attach;

import dev.concierge.store.AttachmentStore;
import dev.concierge.store.ConversationStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes uploads no message came to carry (docs/attachments.md): hourly (more often when
 * {@code unreferencedAfter} is under 4 hours), those older than {@code unreferencedAfter} go, with bytes no other upload
 * shares. Runs on a thread of its own where the router runs: a single server, or the node of a
 * cluster that decides (over its fenced store, so a deposed node deletes nothing).
 */
public final class UnreferencedSweep implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UnreferencedSweep.class);
    private static final Duration HOURLY = Duration.ofHours(1);

    private final AttachmentStore attachments;
    private final Duration after;
    private final Clock clock;
    private final Duration every;
    private final ScheduledExecutorService thread;

    private UnreferencedSweep(AttachmentStore attachments, AttachmentSettings settings, Clock clock) {
        this.attachments = attachments;
        this.after = settings.unreferencedAfter();
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "concierge-attachment-sweep");
            t.setDaemon(true);
            return t;
        });
        this.every = every(settings);
        thread.scheduleWithFixedDelay(this::sweep, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The sweep of {@code store}'s attachments, started; empty when the store keeps none. */
    public static Optional<UnreferencedSweep> start(ConversationStore store, AttachmentSettings settings, Clock clock) {
        return store.attachments().map(a -> new UnreferencedSweep(a, settings, clock));
    }

    /** How often it sweeps: hourly, or every quarter of {@code unreferencedAfter} when that is shorter. */
    static Duration every(AttachmentSettings settings) {
        Duration quarter = settings.unreferencedAfter().dividedBy(4);
        return quarter.compareTo(HOURLY) < 0 ? quarter.plusMillis(1) : HOURLY; // at least 1 ms
    }

    private void sweep() {
        try {
            int deleted =
                    attachments.deleteUnreferenced(clock.instant().minus(after)).get(5, TimeUnit.MINUTES);
            if (deleted > 0) {
                log.info("deleted {} uploads no message carried within {}", deleted, after);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("deleting unsent uploads failed; next attempt in {}: {}", every, e.toString());
        }
    }

    /** Stops sweeping. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
