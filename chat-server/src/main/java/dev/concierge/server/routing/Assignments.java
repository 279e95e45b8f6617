package dev.concierge.server.routing;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.EarlierConversation;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.store.ConversationRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who answers a conversation: chooses an agent for each queued one (online, under the cap, of the
 * required department, not the one who transferred it; the returning visitor's last agent first,
 * then the {@link RoutingStrategy}), hands conversations over between agents and to departments,
 * and sends the new owner the handoff package. Router thread only.
 */
final class Assignments {
    private static final Logger log = LoggerFactory.getLogger(Assignments.class);

    private final Router router;
    private final RoutingConfig config;
    private final RoutingStrategy strategy;
    private final WaitingQueue queue;
    private final AgentAvailability availability;

    Assignments(Router router, RoutingConfig config, WaitingQueue queue, AgentAvailability availability) {
        this.router = router;
        this.config = config;
        this.strategy = RoutingStrategy.named(config.strategy());
        this.queue = queue;
        this.availability = availability;
    }

    /** Assigns queued conversations to agents who can take them, in queue order. */
    void dispatch() {
        for (Conversation c : queue.waiting()) {
            List<Agent> candidates = candidates(c);
            if (candidates.isEmpty()) {
                // Nobody for this one; a later one (another department) may still have someone.
                continue;
            }
            Optional<Agent> agent =
                    affinity(c, candidates).or(() -> strategy.pick(c, candidates, List.copyOf(router.live.agents())));
            agent.ifPresent(a -> assign(c, a));
        }
    }

    /** Agents who could take {@code c} now: online, under the cap, allowed by a transfer. */
    private List<Agent> candidates(Conversation c) {
        List<Agent> out = new ArrayList<>();
        for (Agent a : router.live.agents()) {
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
        queue.leave(c);
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
        queue.publish();
        availability.publishAgents();
    }

    /**
     * Sends the new owner's package once the {@code assigned} or {@code transferred} event, whose
     * seq is {@link Conversation#assignedSeq}, is stored, then runs {@code then}. If the store
     * failed that event (rolled back; {@link Appends} takes it out of the transcript), the package
     * goes all the same, without it: the owner must learn of the conversation, and everything
     * after the last committed event reaches them live.
     */
    private <T> void sendPackageWhenStored(Conversation c, CompletableFuture<T> stored, Consumer<T> then) {
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
    private void sendPackage(Conversation c) {
        router.toAgent(c, new ServerMessage.Assigned(c.id, handoffPackage(c)));
        c.receipts(Role.VISITOR).forEach(frame -> router.toAgent(c, frame));
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
        queue.publish();
        availability.publishAgents();
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
        queue.enqueue(c);
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
        queue.publish();
        availability.publishAgents();
        return seq;
    }

    private void release(Conversation c, Agent from) {
        from.assigned.remove(c.id);
        queue.handled(c);
    }

    private void noteFor(Conversation c, Agent from, String note) {
        if (note != null && !note.isBlank()) {
            router.appends.append(c, TranscriptEvent.note(null, from.author(), note));
        }
    }

    /** A conversation closed: its agent, if it had one, is free of it and its handling time counts. */
    void closed(Conversation c) {
        if (c.agentId != null) {
            Agent agent = router.live.agent(c.agentId).orElse(null);
            if (agent != null && agent.assigned.remove(c.id)) {
                queue.handled(c);
            }
        }
    }

    /** Everything the agent needs to answer without asking the visitor again, in one package. */
    HandoffPackage handoffPackage(Conversation c) {
        List<EarlierConversation> earlier = new ArrayList<>();
        for (String id : c.visitor.conversationIds) {
            Conversation live = router.live.conversation(id).orElse(null);
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
}
