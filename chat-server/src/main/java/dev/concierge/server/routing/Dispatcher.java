package dev.concierge.server.routing;

import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ServerMessage;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Conversations on their way to a person, as the router sees them: a bot conversation handed
 * off, a follow-up left, a conversation closed, a transfer. Coordinates the {@link WaitingQueue}
 * (who waits, in which order, told what), the {@link Assignments} (which agent takes what) and
 * the {@link AgentAvailability} (whether anyone can answer), so that every change publishes the
 * queue, the agents and availability once, in that order. Router thread only.
 */
public final class Dispatcher {
    /** How conversations reach agents: strategy, cap, alerts, hours, departments, canned replies. */
    public final RoutingConfig config;

    private final Router router;
    private final AgentAvailability availability;
    private final WaitingQueue queue;
    private final Assignments assignments;
    /** The agents' {@code queue} frames: a page each, coalesced. */
    final QueueFeed feed;

    Dispatcher(Router router, RoutingConfig config) {
        this.router = router;
        this.config = config;
        this.availability = new AgentAvailability(router, config);
        this.queue = new WaitingQueue(router, config, availability);
        this.assignments = new Assignments(router, config, queue, availability);
        this.feed = queue.feed;
    }

    /**
     * Moves a bot conversation to the queue, then tries to assign it. Completes with the seq of
     * the handoff event once stored.
     */
    CompletableFuture<Long> handoff(Conversation c, HandoffReason reason, String clientId) {
        c.handoffReason = reason;
        queue.enqueue(c);
        router.saveRecord(c);
        var handoffSeq = router.appendAndBroadcast(
                        c, TranscriptEvent.handoff(clientId, "Connecting you with a person.", reason))
                .thenApply(TranscriptEvent::seq);
        if (clientId != null) {
            Idempotency.remember(c, clientId, handoffSeq);
        }
        ServerMessage.Availability now = availability.availability();
        router.appendAndBroadcast(
                c,
                TranscriptEvent.queued(
                        now.agentsAvailable() && now.withinHours()
                                ? "You are in the queue. An agent will be with you shortly."
                                : now.message() + " You stay in the queue in case someone comes back."));
        assignments.dispatch();
        queue.publish();
        return handoffSeq;
    }

    /** Puts a recovered conversation back in the queue (or the follow-ups), behind those already there. */
    void requeue(Conversation c) {
        queue.requeue(c);
    }

    /** Assigns queued conversations to agents who can take them, in queue order. */
    void dispatch() {
        assignments.dispatch();
    }

    /** Gives a queued conversation (or a follow-up) to an agent and sends them the handoff package. */
    void assign(Conversation c, Agent agent) {
        assignments.assign(c, agent);
    }

    /**
     * The visitor left a message while nobody was available: the conversation becomes a
     * follow-up. Completes with the seq of the stored message.
     */
    CompletableFuture<Long> followUp(Conversation c, String clientId, TranscriptEvent message, String email) {
        return queue.followUp(c, clientId, message, email);
    }

    /** A visitor's reply by email reopens {@code c} (closed, or with the bot) as a follow-up. */
    void followUpByEmail(Conversation c) {
        queue.backToFollowUps(c);
        router.saveRecord(c);
        queue.publish();
    }

    /**
     * Hands an assigned conversation to another agent, with a note only agents see. Completes
     * with the seq of the {@code transferred} event once stored.
     */
    CompletableFuture<Long> transferToAgent(Conversation c, Agent from, Agent to, String clientId, String note) {
        return assignments.transferToAgent(c, from, to, clientId, note);
    }

    /** Hands an assigned conversation to a department's queue, ahead of new arrivals. */
    CompletableFuture<Long> transferToDepartment(
            Conversation c, Agent from, String department, String clientId, String note) {
        return assignments.transferToDepartment(c, from, department, clientId, note);
    }

    /** A conversation left the queue or an agent (closed): update queue and handling times. */
    void closed(Conversation c) {
        queue.leave(c);
        assignments.closed(c);
        assignments.dispatch();
        queue.publish();
        availability.publishAgents();
    }

    /**
     * Takes a conversation out of the queue and the follow-ups without publishing (the caller
     * publishes once for many: {@link Expiry}).
     */
    void leaveQueue(Conversation c) {
        queue.leave(c);
    }

    /** A queued conversation whose visitor left becomes a follow-up; the caller stores and publishes. */
    void toFollowUp(Conversation c) {
        queue.toFollowUp(c);
    }

    /** Whether {@code c} waits in the live queue or the follow-ups. */
    boolean isQueued(Conversation c) {
        return queue.contains(c);
    }

    /** Everything the agent needs to answer without asking the visitor again, in one package. */
    HandoffPackage handoffPackage(Conversation c) {
        return assignments.handoffPackage(c);
    }

    /** Sends the queue to agents, and each queued visitor their position when it changed. */
    void publishQueue() {
        queue.publish();
    }

    /** The current queue status of a queued conversation, for a visitor who just connected. */
    Optional<ServerMessage.QueueStatus> status(Conversation c) {
        return queue.status(c);
    }

    /**
     * One page of the queue as agents see it: live conversations in order, then follow-ups, from
     * {@code offset} (the last page when the queue is shorter).
     */
    public ServerMessage.Queue queuePage(int offset) {
        return queue.page(offset);
    }

    /** Raises an alert, once per wait, for every queued conversation waiting past the configured time. */
    void checkAlerts() {
        queue.checkAlerts();
    }

    /** Whether a person can answer now, as visitors are told. */
    ServerMessage.Availability availability() {
        return availability.availability();
    }

    /** Tells every connected visitor when availability changed. */
    void publishAvailability() {
        availability.publishAvailability();
    }

    /** Every agent's presence and load, sent to agents when it changed; false when nothing was sent. */
    boolean publishAgents() {
        return availability.publishAgents();
    }

    /** Every agent with presence, departments and load. */
    ServerMessage.Agents agentsFrame() {
        return availability.agentsFrame();
    }

    /** The console's settings: departments, canned replies, alert time and cap. */
    ServerMessage.Settings settings() {
        return new ServerMessage.Settings(
                config.departments(),
                config.cannedReplies(),
                config.queueAlertAfter().toSeconds(),
                config.maxChatsPerAgent());
    }
}
