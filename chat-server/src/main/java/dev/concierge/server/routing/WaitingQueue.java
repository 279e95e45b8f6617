package dev.concierge.server.routing;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ServerMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The conversations waiting for a person: the live queue in order of priority, then arrival, and
 * the follow-ups (messages left while nobody was available, oldest first, taken by hand). Keeps
 * each queued visitor told their position and wait estimate (from {@link HandlingTimes}), the
 * agents' {@code queue} pages current through the {@link QueueFeed}, and raises an alert for a
 * long wait. Router thread only.
 */
final class WaitingQueue {
    private final Router router;
    private final RoutingConfig config;
    private final AgentAvailability availability;
    private long arrivals;
    /** Live queue: priority first (higher earlier), then arrival. */
    private final TreeSet<Conversation> queue = new TreeSet<>(
            Comparator.<Conversation>comparingInt(c -> -c.priority).thenComparingLong(c -> c.queueOrder));
    /** Messages left while nobody was available, oldest first; agents take them by hand. */
    private final LinkedHashSet<Conversation> followUps = new LinkedHashSet<>();

    private final HandlingTimes handlingTimes; // how long chats take, for the wait estimates
    private final Map<String, ServerMessage.QueueStatus> lastStatus = new HashMap<>();
    /** The agents' {@code queue} frames: a page each, coalesced. */
    final QueueFeed feed;

    WaitingQueue(Router router, RoutingConfig config, AgentAvailability availability) {
        this.router = router;
        this.config = config;
        this.availability = availability;
        this.handlingTimes = new HandlingTimes(config.departments());
        this.feed = new QueueFeed(router.executor, this::page);
    }

    /** Puts {@code c} at the end of its priority in the live queue, its wait starting now. */
    void enqueue(Conversation c) {
        c.state = ConversationState.QUEUED;
        c.queuedAt = router.clock.instant();
        c.alerted = false;
        c.queueOrder = ++arrivals;
        queue.add(c);
    }

    /** Puts a recovered conversation back in the queue (or the follow-ups), behind those already there. */
    void requeue(Conversation c) {
        if (c.state == ConversationState.FOLLOW_UP) {
            followUps.add(c);
        } else {
            c.queueOrder = ++arrivals;
            queue.add(c);
        }
    }

    /** The live queue in order, as a copy the caller may change the queue under. */
    List<Conversation> waiting() {
        return new ArrayList<>(queue);
    }

    /**
     * The visitor left a message while nobody was available: the conversation becomes a
     * follow-up (one already there keeps its place). Completes with the seq of the stored message.
     */
    CompletableFuture<Long> followUp(Conversation c, String clientId, TranscriptEvent message, String email) {
        queue.remove(c);
        lastStatus.remove(c.id);
        if (c.handoffReason == null) {
            c.handoffReason = HandoffReason.OFFLINE_MESSAGE;
        }
        if (c.queuedAt == null || c.state == ConversationState.BOT) {
            c.queuedAt = router.clock.instant();
        }
        c.state = ConversationState.FOLLOW_UP;
        c.lastVisitorText = message.text();
        followUps.add(c);
        router.saveRecord(c);
        CompletableFuture<Long> seq =
                router.appendOnce(c, clientId, message, event -> router.outbound.confirmationOf(c, event, email));
        seq.thenRun(router.outbound::wakeMailSender);
        router.appendAndBroadcast(
                c, TranscriptEvent.queued("Thanks, we have your message. We will reply to " + email + " and here."));
        publish();
        return seq;
    }

    /**
     * A visitor replied by email to a conversation nobody holds (closed, or with the bot): it
     * waits among the follow-ups again, its wait starting now. The caller stores and publishes.
     */
    void backToFollowUps(Conversation c) {
        queue.remove(c);
        lastStatus.remove(c.id);
        if (c.handoffReason == null) {
            c.handoffReason = HandoffReason.OFFLINE_MESSAGE;
        }
        c.state = ConversationState.FOLLOW_UP;
        c.agentId = null;
        c.queuedAt = router.clock.instant();
        c.alerted = false;
        followUps.add(c);
    }

    /** Takes a conversation out of the queue and the follow-ups without publishing. */
    void leave(Conversation c) {
        queue.remove(c);
        followUps.remove(c);
        lastStatus.remove(c.id);
    }

    /** A queued conversation whose visitor left becomes a follow-up; the caller stores and publishes. */
    void toFollowUp(Conversation c) {
        leave(c);
        c.state = ConversationState.FOLLOW_UP;
        followUps.add(c);
    }

    /** Whether {@code c} waits in the live queue or the follow-ups. */
    boolean contains(Conversation c) {
        return queue.contains(c) || followUps.contains(c);
    }

    /** An agent stopped handling {@code c} (closed or transferred): its time counts in the estimates. */
    void handled(Conversation c) {
        handlingTimes.record(c, router.clock.instant());
    }

    /** Sends the queue to agents, and each queued visitor their position when it changed. */
    void publish() {
        int online = availability.onlineAgents();
        int position = 0;
        for (Conversation c : queue) {
            position++;
            ServerMessage.QueueStatus status = new ServerMessage.QueueStatus(
                    c.id,
                    position,
                    handlingTimes.eta(position, online * config.maxChatsPerAgent(), c.department),
                    online);
            if (!status.equals(lastStatus.get(c.id))) {
                lastStatus.put(c.id, status);
                router.toVisitor(c, status);
            }
        }
        feed.changed();
        availability.publishAvailability();
    }

    /** The current queue status of a queued conversation, for a visitor who just connected. */
    Optional<ServerMessage.QueueStatus> status(Conversation c) {
        return Optional.ofNullable(lastStatus.get(c.id));
    }

    /**
     * One page of the queue as agents see it: live conversations in order, then follow-ups, from
     * {@code offset} (the last page when the queue is shorter), previews and visitors cut to what
     * the list shows (the whole transcript and context come with the assignment).
     */
    ServerMessage.Queue page(int offset) {
        int total = queue.size() + followUps.size();
        int from = offset < total
                ? offset
                : total == 0 ? 0 : (total - 1) / ServerMessage.Queue.PAGE_SIZE * ServerMessage.Queue.PAGE_SIZE;
        int to = Math.min(total, from + ServerMessage.Queue.PAGE_SIZE);
        List<QueueEntry> entries = new ArrayList<>();
        Instant now = router.clock.instant();
        int position = 0;
        for (Conversation c : queue) {
            if (position >= to) {
                break;
            }
            if (position++ < from) {
                continue;
            }
            boolean overdue =
                    c.queuedAt != null && Duration.between(c.queuedAt, now).compareTo(config.queueAlertAfter()) >= 0;
            entries.add(new QueueEntry(
                    c.id,
                    position,
                    FrameBounds.brief(c.visitor.info()),
                    c.queuedAt,
                    c.handoffReason,
                    FrameBounds.clip(c.lastVisitorText, FrameBounds.PREVIEW_CHARS),
                    c.department,
                    c.priority,
                    null,
                    overdue ? Boolean.TRUE : null));
        }
        if (to > queue.size()) {
            for (Conversation c : followUps) {
                if (position >= to) {
                    break;
                }
                if (position++ < from) {
                    continue;
                }
                entries.add(new QueueEntry(
                        c.id,
                        position,
                        FrameBounds.brief(c.visitor.info()),
                        c.queuedAt,
                        c.handoffReason,
                        FrameBounds.clip(c.lastVisitorText, FrameBounds.PREVIEW_CHARS),
                        c.department,
                        c.priority,
                        Boolean.TRUE,
                        null));
            }
        }
        return new ServerMessage.Queue(null, entries, from, total, queue.size());
    }

    /**
     * Raises an alert, once per wait, for every live queued conversation that has waited at
     * least the configured time. Run every few seconds by the router.
     */
    void checkAlerts() {
        Instant now = router.clock.instant();
        boolean raised = false;
        for (Conversation c : queue) {
            if (c.alerted || c.queuedAt == null) {
                continue;
            }
            Duration waited = Duration.between(c.queuedAt, now);
            if (waited.compareTo(config.queueAlertAfter()) >= 0) {
                c.alerted = true;
                raised = true;
                ServerMessage.Alert alert = new ServerMessage.Alert(
                        "queue_wait",
                        c.id,
                        waited.toSeconds(),
                        c.visitor.displayName() + " has waited over " + minutes(waited) + ".");
                router.toAgents(alert);
            }
        }
        if (raised) {
            publish(); // the entries now carry overdue: true
        }
    }

    private static String minutes(Duration d) {
        long m = Math.max(1, d.toMinutes());
        return m == 1 ? "1 minute" : m + " minutes";
    }
}
