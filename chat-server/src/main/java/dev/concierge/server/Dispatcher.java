package dev.concierge.server;

import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.AgentInfo;
import dev.concierge.protocol.Values.Author;
import dev.concierge.protocol.Values.ConversationState;
import dev.concierge.protocol.Values.EarlierConversation;
import dev.concierge.protocol.Values.HandoffPackage;
import dev.concierge.protocol.Values.HandoffReason;
import dev.concierge.protocol.Values.Kind;
import dev.concierge.protocol.Values.QueueEntry;
import dev.concierge.protocol.Values.TranscriptEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The queue: conversations waiting for a human, in arrival order; assignment to agents through
 * the routing strategy; queue positions and wait estimates pushed to visitors and agents.
 * Router thread only.
 */
final class Dispatcher {
    private static final Duration DEFAULT_HANDLING = Duration.ofMinutes(3);
    private static final int HANDLING_WINDOW = 20;

    private final Router router;
    private final RoutingStrategy strategy;
    private final int maxChatsPerAgent;
    private final LinkedHashSet<Conversation> queue = new LinkedHashSet<>();
    private final Deque<Duration> recentHandling = new ArrayDeque<>();
    private final Map<String, ServerMessage.QueueStatus> lastStatus = new HashMap<>();

    Dispatcher(Router router, RoutingStrategy strategy, int maxChatsPerAgent) {
        this.router = router;
        this.strategy = strategy;
        this.maxChatsPerAgent = maxChatsPerAgent;
    }

    /**
     * Moves a bot conversation to the queue, then tries to assign it. Completes with the seq of
     * the handoff event once stored.
     */
    java.util.concurrent.CompletableFuture<Long> handoff(Conversation c, HandoffReason reason, String clientId) {
        c.handoffReason = reason;
        c.state = ConversationState.QUEUED;
        c.queuedAt = router.clock.instant();
        queue.add(c);
        router.saveRecord(c);
        var handoffSeq = router.appendAndBroadcast(c,
                system(clientId, Kind.HANDOFF, "Connecting you with a person.", reason.wire())).thenApply(TranscriptEvent::seq);
        if (clientId != null) {
            c.byClientId.put(clientId, handoffSeq);
        }
        boolean someoneOnline = onlineAgents() > 0;
        router.appendAndBroadcast(c, system(null, Kind.QUEUED, someoneOnline
                ? "You are in the queue. An agent will be with you shortly."
                : "No agent is online right now. You are in the queue and we will answer as soon as someone is back.",
                null));
        dispatch();
        publishQueue();
        return handoffSeq;
    }

    /** Puts a recovered queued conversation back in the queue, behind those already there. */
    void requeue(Conversation c) {
        queue.add(c);
    }

    /** Assigns queued conversations to available agents, oldest first. */
    void dispatch() {
        List<Conversation> waiting = new ArrayList<>(queue);
        for (Conversation c : waiting) {
            Optional<Agent> agent = strategy.pick(c, router.agents.values(), maxChatsPerAgent);
            if (agent.isEmpty()) {
                break; // FIFO: nobody jumps the queue
            }
            assign(c, agent.get());
        }
    }

    /** Gives a queued conversation to an agent and sends them the handoff package. */
    void assign(Conversation c, Agent agent) {
        queue.remove(c);
        lastStatus.remove(c.id);
        c.state = ConversationState.ASSIGNED;
        c.agentId = agent.info.id();
        c.assignedAt = router.clock.instant();
        agent.assigned.add(c.id);
        agent.lastAssignedAt = c.assignedAt;
        router.saveRecord(c);
        c.assignedSeq = c.nextSeq; // the seq the assigned event below receives
        AgentInfo info = agent.info;
        router.append(c, new TranscriptEvent(0, null, null, Kind.ASSIGNED, Author.SYSTEM,
                info.name() + " joined the conversation.", null, null, info, null, null)).thenAccept(e -> {
                    router.toAgent(c, new ServerMessage.Assigned(c.id, handoffPackage(c)));
                    router.toVisitor(c, ServerMessage.Event.of(c.id, e));
                });
        publishQueue();
    }

    /** A conversation left the queue or an agent (closed): update queue and handling times. */
    void closed(Conversation c) {
        if (queue.remove(c)) {
            lastStatus.remove(c.id);
        }
        if (c.agentId != null) {
            Agent agent = router.agents.get(c.agentId);
            if (agent != null && agent.assigned.remove(c.id) && c.assignedAt != null) {
                recentHandling.addLast(Duration.between(c.assignedAt, router.clock.instant()));
                while (recentHandling.size() > HANDLING_WINDOW) {
                    recentHandling.removeFirst();
                }
            }
        }
        dispatch();
        publishQueue();
    }

    boolean isQueued(Conversation c) {
        return queue.contains(c);
    }

    /** Everything the agent needs to answer without asking again (ARCHITECTURE.md §2). */
    HandoffPackage handoffPackage(Conversation c) {
        List<EarlierConversation> earlier = new ArrayList<>();
        for (String id : c.visitor.conversationIds) {
            Conversation live = router.conversations.get(id);
            if (live != null) {
                if (live != c) {
                    earlier.add(new EarlierConversation(live.id, live.startedAt, live.firstLine, live.score));
                }
            } else {
                ConversationRecord r = c.visitor.stored.get(id);
                if (r != null) {
                    earlier.add(new EarlierConversation(r.id(), r.startedAt(), r.firstLine(), r.score()));
                }
            }
        }
        Instant until = c.assignedAt != null ? c.assignedAt : router.clock.instant();
        long waited = c.queuedAt == null ? 0 : Duration.between(c.queuedAt, until).toMillis();
        String question = c.unansweredQuestion != null ? c.unansweredQuestion : c.lastVisitorText;
        return new HandoffPackage(c.id, c.handoffReason, question, c.visitor.info(), c.visitor.context,
                c.committedAfter(0), earlier, waited);
    }

    /** Sends the queue to agents, and each queued visitor their position when it changed. */
    void publishQueue() {
        List<QueueEntry> entries = new ArrayList<>();
        int online = onlineAgents();
        int position = 0;
        for (Conversation c : queue) {
            position++;
            entries.add(new QueueEntry(c.id, position, c.visitor.info(), c.queuedAt, c.handoffReason,
                    c.lastVisitorText));
            ServerMessage.QueueStatus status = new ServerMessage.QueueStatus(c.id, position, eta(position, online), online);
            if (!status.equals(lastStatus.get(c.id))) {
                lastStatus.put(c.id, status);
                router.toVisitor(c, status);
            }
        }
        ServerMessage.Queue frame = new ServerMessage.Queue(entries);
        for (Agent agent : router.agents.values()) {
            for (Session s : agent.sessions) {
                s.send(frame);
            }
        }
    }

    /** The current queue status of a queued conversation, for a visitor who just connected. */
    Optional<ServerMessage.QueueStatus> status(Conversation c) {
        return Optional.ofNullable(lastStatus.get(c.id));
    }

    ServerMessage.Queue queueFrame() {
        List<QueueEntry> entries = new ArrayList<>();
        int position = 0;
        for (Conversation c : queue) {
            entries.add(new QueueEntry(c.id, ++position, c.visitor.info(), c.queuedAt, c.handoffReason, c.lastVisitorText));
        }
        return new ServerMessage.Queue(entries);
    }

    private Long eta(int position, int online) {
        if (online == 0) {
            return null;
        }
        Duration avg = recentHandling.isEmpty() ? DEFAULT_HANDLING
                : recentHandling.stream().reduce(Duration.ZERO, Duration::plus).dividedBy(recentHandling.size());
        // Each online agent frees a slot about once per average handling time.
        return (long) Math.ceil((double) position / online * avg.toSeconds());
    }

    int onlineAgents() {
        int n = 0;
        for (Agent a : router.agents.values()) {
            if (a.available()) {
                n++;
            }
        }
        return n;
    }

    static TranscriptEvent system(String clientId, Kind kind, String text, String reason) {
        return new TranscriptEvent(0, null, clientId, kind, Author.SYSTEM, text, null, reason, null, null, null);
    }

}
