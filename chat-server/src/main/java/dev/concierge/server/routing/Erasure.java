package dev.concierge.server.routing;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.VisitorRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention and erasure (docs/storage.md): purges old closed conversations on a thread of its
 * own, erases a visitor on an admin's request, and makes memory forget what the store deleted.
 */
final class Erasure {
    private static final Logger log = LoggerFactory.getLogger(Erasure.class);

    private final Router router;
    private final ConversationStore store;
    private final RetentionConfig config;
    /** Runs the purges; blocking store work, off the router thread. */
    private final ScheduledExecutorService retentionThread;
    /** Visitors an admin erased: a hello with their old token or identity gets a new visitor. Router thread only. */
    private final Set<String> erased = new HashSet<>();

    Erasure(Router router, ConversationStore store, RetentionConfig config) {
        this.router = router;
        this.store = store;
        this.config = config;
        this.retentionThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "concierge-retention");
            t.setDaemon(true);
            return t;
        });
        if (config.purges()) {
            long every = config.purgeInterval().toMillis();
            retentionThread.scheduleWithFixedDelay(
                    () -> {
                        try {
                            purge();
                        } catch (RuntimeException e) {
                            log.error(
                                    "purge of old conversations failed; next attempt in {}", config.purgeInterval(), e);
                        }
                    },
                    Math.min(every, TimeUnit.MINUTES.toMillis(1)),
                    every,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Whether an admin erased this visitor; router thread only. */
    boolean erased(String visitorId) {
        return erased.contains(visitorId);
    }

    /**
     * Deletes the closed conversations older than the retention period from the store, then
     * drops what memory still holds of them; nothing when the retention is forever. Blocking: on
     * the retention thread (or a test's).
     */
    ConversationStore.Removed purge() {
        if (!config.purges()) {
            return ConversationStore.Removed.NONE; // kept forever
        }
        Instant cutoff = router.clock.instant().minus(config.retainClosed());
        ConversationStore.Removed removed = store.purgeClosedBefore(cutoff);
        router.call(() -> {
            forgetRemoved(removed, false);
            return null;
        });
        if (!removed.conversations().isEmpty() || !removed.visitorIds().isEmpty()) {
            log.info(
                    "purged {} conversations closed before {} and {} visitors",
                    removed.conversations().size(),
                    cutoff,
                    removed.visitorIds().size());
        }
        return removed;
    }

    /** See {@link Router#erase}. Blocking: not on the router thread or an event loop. */
    ConversationStore.Removed erase(String visitorId) {
        CompletableFuture<Void> closed = router.call(() -> eraseLive(visitorId));
        try {
            closed.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn(
                    "erasing visitor {}: closing their conversation did not complete ({}); erasing all the same",
                    visitorId,
                    e.toString());
        }
        ConversationStore.Removed removed = store.eraseVisitor(visitorId);
        router.call(() -> {
            forgetRemoved(removed, true);
            return null;
        });
        log.info(
                "erased visitor {}: {} conversations",
                visitorId,
                removed.conversations().size());
        return removed;
    }

    /** Router thread: closes the visitor's open conversation, their sockets, and forgets them. */
    private CompletableFuture<Void> eraseLive(String visitorId) {
        erased.add(visitorId);
        Set<Visitor> found = new LinkedHashSet<>();
        router.live.visitor(visitorId).ifPresent(found::add);
        router.forgetUser(visitorId).ifPresent(found::add);
        for (Conversation c : router.live.conversations()) {
            if (c.visitor.id.equals(visitorId)) {
                found.add(c.visitor);
            }
        }
        List<CompletableFuture<TranscriptEvent>> pending = new ArrayList<>();
        for (Visitor v : found) {
            Conversation open = v.open;
            if (open != null && router.isOpen(open)) {
                router.dispatcher.leaveQueue(open);
                pending.add(router.expiry.close(open, Expiry.ERASED));
                router.dispatcher.closed(open); // an agent holding it is released
            }
            for (Session s : List.copyOf(v.sessions)) {
                router.live.forgetVisitorSession(s);
                s.close(1000, "visitor data erased");
            }
            v.sessions.clear();
            router.live.forgetVisitor(v);
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                .handle((ok, error) -> null) // the store deletes them either way
                .thenRunAsync(() -> router.live.forgetConversationsOf(visitorId), router.executor);
    }

    /**
     * Router thread: drops what memory holds of conversations and visitors the store deleted. A
     * purged visitor who is connected right now is stored again as they are ({@code erase}
     * false); an erased one never is.
     */
    private void forgetRemoved(ConversationStore.Removed removed, boolean erase) {
        for (ConversationRecord r : removed.conversations()) {
            Conversation c = router.live.conversation(r.id()).orElse(null);
            Visitor v =
                    c != null ? c.visitor : router.live.visitor(r.visitorId()).orElse(null);
            if (c != null && c.state == ConversationState.CLOSED) {
                router.live.forgetConversation(c);
                c.release();
            }
            if (v != null) {
                v.stored.remove(r.id());
                v.conversationIds.remove(r.id());
            }
        }
        for (String id : removed.visitorIds()) {
            Visitor v = router.live.visitor(id).orElse(null);
            if (v == null || erase) {
                continue;
            }
            if (!v.sessions.isEmpty() || v.open != null) {
                store.saveVisitor(new VisitorRecord(v.id, v.token, v.context, v.firstSeen));
                if (v.user != null) {
                    int at = v.user.indexOf('\n');
                    store.linkUser(v.user.substring(0, at), v.user.substring(at + 1), v.id);
                }
            } else {
                router.live.forgetVisitor(v);
            }
        }
    }

    void close() {
        retentionThread.shutdownNow();
    }
}
