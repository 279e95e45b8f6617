package dev.concierge.server.routing;

import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.AgentInfo;
import dev.concierge.protocol.Values.AgentStatus;
import dev.concierge.protocol.Values.ConversationState;
import dev.concierge.protocol.Values.EarlierConversation;
import dev.concierge.protocol.Values.HandoffPackage;
import dev.concierge.protocol.Values.HandoffReason;
import dev.concierge.protocol.Values.QueueEntry;
import dev.concierge.protocol.Values.Role;
import dev.concierge.protocol.Values.TranscriptEvent;
import dev.concierge.store.ConversationRecord;
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
 * The queue and the agents' load: conversations waiting for a human in order of priority, then
 * arrival; assignment through the routing strategy (with the returning visitor's last agent
 * first); queue positions and wait estimates pushed to visitors; alerts for long waits;
 * follow-ups left while nobody was available; transfers. Router thread only.
 */
public final class Dispatcher {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Dispatcher.class);

    private final Router router;
    private final RoutingStrategy strategy;
    public final RoutingConfig config;
    private long arrivals;
    /** Live queue: priority first (higher earlier), then arrival. */
    private final TreeSet<Conversation> queue = new TreeSet<>(
            Comparator.<Conversation>comparingInt(c -> -c.priority).thenComparingLong(c -> c.queueOrder));
    /** Messages left while nobody was available, oldest first; agents take them by hand. */
    private final LinkedHashSet<Conversation> followUps = new LinkedHashSet<>();

    private final HandlingTimes handlingTimes; // how long chats take, for the wait estimates
    private final Map<String, ServerMessage.QueueStatus> lastStatus = new HashMap<>();
    private ServerMessage.Availability lastAvailability;
    private ServerMessage.Agents lastAgents;
    /** The agents' {@code queue} frames: a page each, coalesced. */
    final QueueFeed feed;

    Dispatcher(Router router, RoutingConfig config) {
        this.router = router;
        this.config = config;
        this.strategy = RoutingStrategy.named(config.strategy());
        this.handlingTimes = new HandlingTimes(config.departments());
        this.feed = new QueueFeed(router.executor, this::queuePage);
    }

    /**
     * Moves a bot conversation to the queue, then tries to assign it. Completes with the seq of
     * the handoff event once stored.
     */
    CompletableFuture<Long> handoff(Conversation c, HandoffReason reason, String clientId) {
        c.handoffReason = reason;
        enqueue(c);
        router.saveRecord(c);
        var handoffSeq = router.appendAndBroadcast(
                        c, TranscriptEvent.handoff(clientId, "Connecting you with a person.", reason))
                .thenApply(TranscriptEvent::seq);
        if (clientId != null) {
            c.byClientId.put(clientId, handoffSeq);
        }
        ServerMessage.Availability availability = availability();
        router.appendAndBroadcast(
                c,
                TranscriptEvent.queued(
                        availability.agentsAvailable() && availability.withinHours()
                                ? "You are in the queue. An agent will be with you shortly."
                                : availability.message() + " You stay in the queue in case someone comes back."));
        dispatch();
        publishQueue();
        return handoffSeq;
    }

    private void enqueue(Conversation c) {
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

    /** Assigns queued conversations to agents who can take them, in queue order. */
    void dispatch() {
        for (Conversation c : new ArrayList<>(queue)) {
            List<Agent> candidates = candidates(c);
            if (candidates.isEmpty()) {
                // Nobody for this one; a later one (another department) may still have someone.
                continue;
            }
            Optional<Agent> agent =
                    affinity(c, candidates).or(() -> strategy.pick(c, candidates, List.copyOf(router.agents.values())));
            agent.ifPresent(a -> assign(c, a));
        }
    }

    /** Agents who could take {@code c} now: online, under the cap, allowed by a transfer. */
    private List<Agent> candidates(Conversation c) {
        List<Agent> out = new ArrayList<>();
        for (Agent a : router.agents.values()) {
            if (a.available()
                    && a.assigned.size() < config.maxChatsPerAgent()
                    && !a.info.id().equals(c.excludedAgentId)
                    && (c.requiredDepartment == null || a.departments.contains(c.requiredDepartment))) {
                out.add(a);
            }
        }
        return out;
    }

    /** "No bouncing around": a returning visitor goes back to the agent who last helped them. */
    private Optional<Agent> affinity(Conversation c, List<Agent> candidates) {
        String last = c.visitor.lastAgentId;
        if (last == null || c.handoffReason == HandoffReason.TRANSFER) {
            return Optional.empty();
        }
        return candidates.stream().filter(a -> a.info.id().equals(last)).findFirst();
    }

    /** Gives a queued conversation (or a follow-up) to an agent and sends them the handoff package. */
    void assign(Conversation c, Agent agent) {
        queue.remove(c);
        followUps.remove(c);
        lastStatus.remove(c.id);
        c.state = ConversationState.ASSIGNED;
        c.agentId = agent.info.id();
        c.assignedAt = router.clock.instant();
        c.visitor.lastAgentId = agent.info.id();
        agent.assigned.add(c.id);
        agent.lastAssignedAt = c.assignedAt;
        router.saveRecord(c);
        c.assignedSeq = c.nextSeq; // the seq the assigned event below receives
        AgentInfo info = agent.info;
        sendPackageWhenStored(
                c,
                router.appends.append(c, TranscriptEvent.assigned(info.name() + " joined the conversation.", info)),
                e -> router.toVisitor(c, ServerMessage.Event.of(c.id, e)));
        publishQueue();
        publishAgents();
    }

    /**
     * Sends the new owner's package once the {@code assigned} or {@code transferred} event, whose
     * seq is {@link Conversation#assignedSeq}, is stored, then runs {@code then}. If the store
     * failed that event (rolled back; {@link Appends} takes it out of the transcript), the package
     * goes all the same, without it: the owner must learn of the conversation, and everything
     * after the last committed event reaches them live.
     */
    private <T> void sendPackageWhenStored(
            Conversation c, CompletableFuture<T> stored, java.util.function.Consumer<T> then) {
        long eventSeq = c.assignedSeq;
        stored.whenComplete((v, error) -> { // on the router thread, as every append completes
            if (error == null) {
                sendPackage(c);
                then.accept(v);
                return;
            }
            log.error(
                    "conversation {}: the store failed the event that hands it to {}; the package goes without it",
                    c.id,
                    c.agentId,
                    error);
            if (c.assignedSeq == eventSeq) {
                c.assignedSeq = c.committedSeq; // every event before it has completed: the store completes in order
            }
            sendPackage(c);
        });
    }

    /** The owner's package, and the visitor's receipts so far. */
    void sendPackage(Conversation c) {
        router.toAgent(c, new ServerMessage.Assigned(c.id, handoffPackage(c)));
        c.receipts(Role.VISITOR).forEach(frame -> router.toAgent(c, frame));
    }

    /**
     * The visitor left a message while nobody was available: the conversation becomes a
     * follow-up. Completes with the seq of the stored message.
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
        CompletableFuture<Long> seq = router.appendOnce(c, clientId, message);
        router.appendAndBroadcast(
                c, TranscriptEvent.queued("Thanks, we have your message. We will reply to " + email + " and here."));
        publishQueue();
        return seq;
    }

    /**
     * Hands an assigned conversation to another agent, with a note only agents see. Completes
     * with the seq of the {@code transferred} event once stored.
     */
    CompletableFuture<Long> transferToAgent(Conversation c, Agent from, Agent to, String clientId, String note) {
        release(c, from);
        noteFor(c, from, note);
        c.state = ConversationState.ASSIGNED;
        c.agentId = to.info.id();
        c.assignedAt = router.clock.instant();
        c.handoffReason = HandoffReason.TRANSFER;
        c.transferredFrom = from.info;
        c.transferNote = note;
        c.visitor.lastAgentId = to.info.id();
        to.assigned.add(c.id);
        to.lastAssignedAt = c.assignedAt;
        router.saveRecord(c);
        c.assignedSeq = c.nextSeq; // the transferred event: the new owner gets it in the package
        CompletableFuture<Long> seq = router.appendOnce(
                c,
                clientId,
                TranscriptEvent.transferred(
                        clientId,
                        from.info.name() + " transferred the conversation to " + to.info.name()
                                + ". They can see everything written so far.",
                        to.info));
        sendPackageWhenStored(c, seq, s -> {});
        from.sessions.forEach(s -> s.send(new ServerMessage.Released(c.id, "transferred", to.info, null)));
        dispatch(); // the sender's freed slot goes to the queue at once
        publishQueue();
        publishAgents();
        return seq;
    }

    /** Hands an assigned conversation to a department's queue, ahead of new arrivals. */
    CompletableFuture<Long> transferToDepartment(
            Conversation c, Agent from, String department, String clientId, String note) {
        release(c, from);
        noteFor(c, from, note);
        c.agentId = null;
        c.handoffReason = HandoffReason.TRANSFER;
        c.transferredFrom = from.info;
        c.transferNote = note;
        c.department = department;
        c.requiredDepartment = department;
        c.excludedAgentId = from.info.id();
        c.priority = 1;
        enqueue(c);
        router.saveRecord(c);
        CompletableFuture<Long> seq = router.appendOnce(
                c,
                clientId,
                TranscriptEvent.transferredToDepartment(
                        clientId,
                        from.info.name() + " transferred you to the " + department
                                + " team. They can see everything written so far.",
                        department));
        from.sessions.forEach(s -> s.send(new ServerMessage.Released(c.id, "transferred", null, department)));
        dispatch();
        publishQueue();
        publishAgents();
        return seq;
    }

    private void release(Conversation c, Agent from) {
        from.assigned.remove(c.id);
        handlingTimes.record(c, router.clock.instant());
    }

    private void noteFor(Conversation c, Agent from, String note) {
        if (note != null && !note.isBlank()) {
            router.appends.append(c, TranscriptEvent.note(null, from.author(), note));
        }
    }

    /** A conversation left the queue or an agent (closed): update queue and handling times. */
    void closed(Conversation c) {
        if (queue.remove(c) | followUps.remove(c)) {
            lastStatus.remove(c.id);
        }
        if (c.agentId != null) {
            Agent agent = router.agents.get(c.agentId);
            if (agent != null && agent.assigned.remove(c.id)) {
                handlingTimes.record(c, router.clock.instant());
            }
        }
        dispatch();
        publishQueue();
        publishAgents();
    }

    /**
     * Takes a conversation out of the queue and the follow-ups without publishing (the caller
     * publishes once for many: {@link Expiry}).
     */
    void leaveQueue(Conversation c) {
        queue.remove(c);
        followUps.remove(c);
        lastStatus.remove(c.id);
    }

    /** A queued conversation whose visitor left becomes a follow-up; the caller stores and publishes. */
    void toFollowUp(Conversation c) {
        leaveQueue(c);
        c.state = ConversationState.FOLLOW_UP;
        followUps.add(c);
    }

    boolean isQueued(Conversation c) {
        return queue.contains(c) || followUps.contains(c);
    }

    /** Everything the agent needs to answer without asking the visitor again, in one package. */
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
        long waited = c.queuedAt == null
                ? 0
                : Math.max(0, Duration.between(c.queuedAt, until).toMillis());
        String question = c.unansweredQuestion != null ? c.unansweredQuestion : c.lastVisitorText;
        // The last events, within one page; the agent's client reads the earlier ones with history.
        List<TranscriptEvent> transcript = c.committedAfter(0);
        List<TranscriptEvent> last = FrameBounds.tail(transcript, FrameBounds.PACKAGE_EVENTS);
        if (earlier.size() > FrameBounds.PACKAGE_EARLIER) {
            earlier = earlier.subList(earlier.size() - FrameBounds.PACKAGE_EARLIER, earlier.size());
        }
        return new HandoffPackage(
                c.id,
                c.handoffReason,
                question,
                c.visitor.info(),
                c.visitor.context,
                last,
                earlier,
                waited,
                c.department,
                c.transferredFrom,
                c.transferNote,
                transcript.size());
    }

    /** Sends the queue to agents, and each queued visitor their position when it changed. */
    void publishQueue() {
        int online = onlineAgents();
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
        publishAvailability();
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
    public ServerMessage.Queue queuePage(int offset) {
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
            publishQueue(); // the entries now carry overdue: true
        }
    }

    private static String minutes(Duration d) {
        long m = Math.max(1, d.toMinutes());
        return m == 1 ? "1 minute" : m + " minutes";
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

    /** Whether a person can answer now, as visitors are told. */
    ServerMessage.Availability availability() {
        boolean within = config.businessHours()
                .map(h -> h.isOpen(router.clock.instant()))
                .orElse(true);
        boolean agents = onlineAgents() > 0;
        String message = !within
                ? "We are outside our opening hours right now. Leave a message and we will get back to you by email."
                : !agents
                        ? "Nobody is online right now. Leave a message and we will get back to you by email."
                        : "We are online.";
        return new ServerMessage.Availability(agents, within, message);
    }

    /** Tells every connected visitor when availability changed. */
    void publishAvailability() {
        ServerMessage.Availability now = availability();
        if (now.equals(lastAvailability)) {
            return;
        }
        lastAvailability = now;
        SharedFrame frame = new SharedFrame(now);
        for (Session s : router.visitorSessions.keySet()) {
            s.send(frame);
        }
    }

    /**
     * Every agent with presence, departments and load, sent to agents when it changed; false when
     * it did not (nothing was sent).
     */
    boolean publishAgents() {
        ServerMessage.Agents frame = agentsFrame();
        if (frame.equals(lastAgents)) {
            return false;
        }
        lastAgents = frame;
        router.toAgents(frame);
        return true;
    }

    ServerMessage.Agents agentsFrame() {
        List<AgentStatus> list = new ArrayList<>();
        for (Agent a : router.agents.values()) {
            list.add(new AgentStatus(
                    a.info.id(),
                    a.info.name(),
                    a.shownPresence(),
                    a.departments.stream().sorted().toList(),
                    a.assigned.size(),
                    config.maxChatsPerAgent()));
        }
        list.sort(Comparator.comparing(AgentStatus::name).thenComparing(AgentStatus::id));
        return new ServerMessage.Agents(list);
    }

    ServerMessage.Settings settings() {
        return new ServerMessage.Settings(
                config.departments(),
                config.cannedReplies(),
                config.queueAlertAfter().toSeconds(),
                config.maxChatsPerAgent());
    }
}
