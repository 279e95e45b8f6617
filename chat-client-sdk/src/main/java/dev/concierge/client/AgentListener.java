package dev.concierge.client;

import dev.concierge.protocol.AgentStatus;
import dev.concierge.protocol.TranscriptEvent;
import java.util.List;

/**
 * Receives what happens on an {@link AgentClient}. Every method does nothing by default and gets
 * the client first, so one listener can serve many clients and answer through the client it is
 * called for. Calls come one at a time, in order, on the client's executor (the builder's
 * {@code executor}, by default the SDK's shared pool), never while the client holds a lock; keep
 * them short, or give blocking code an executor of its own.
 */
public interface AgentListener {

    /**
     * A conversation is the agent's, with its handoff package (whose transcript is whole).
     * Called once per conversation and client, also on connect for each conversation the agent
     * already owns (then {@link Assignment#resumed()} is true): an integration that starts picks
     * up where it left off. When the server repeats a package after a reconnect, only the events
     * the client missed are reported, through {@link #onEvent}.
     *
     * @param client the client the conversation was assigned to
     * @param assignment the conversation, its whole handoff package, and whether it was resumed
     */
    default void onAssigned(AgentClient client, Assignment assignment) {}

    /**
     * A new transcript event of a conversation assigned to this agent (now or before), after its
     * handoff package. Each {@code seq} is reported once; events that reach the client before
     * the package are reported as part of it, not here.
     *
     * @param client the client that saw it
     * @param conversationId the conversation the event belongs to
     * @param event the event
     */
    default void onEvent(AgentClient client, String conversationId, TranscriptEvent event) {}

    /**
     * The queue changed: the page the client shows ({@link AgentClient#queuePage(int)}).
     *
     * @param client the client that saw it
     * @param queue the page, with the counts of the whole queue
     */
    default void onQueue(AgentClient client, QueuePage queue) {}

    /**
     * A conversation is no longer this agent's: they transferred it ({@link Released#to()} or
     * {@link Released#department()} says where it went).
     *
     * @param client the client whose agent released it
     * @param released the conversation and where it went
     */
    default void onReleased(AgentClient client, Released released) {}

    /**
     * Every agent with presence, departments and load (after connecting and on every change).
     *
     * @param client the client that saw it
     * @param agents every agent of the team
     */
    default void onAgents(AgentClient client, List<AgentStatus> agents) {}

    /**
     * Departments, canned replies, queue alert time and chat cap, after connecting.
     *
     * @param client the client that received them
     * @param settings the team's settings
     */
    default void onSettings(AgentClient client, TeamSettings settings) {}

    /**
     * Something needs attention, e.g. a visitor waited too long in the queue.
     *
     * @param client the client that received it
     * @param alert what, which conversation, and how long it has waited
     */
    default void onAlert(AgentClient client, Alert alert) {}

    /**
     * The visitor received or read events up to a seq.
     *
     * @param client the client that saw it
     * @param receipt the conversation, the seq and whether received or read
     */
    default void onReceipt(AgentClient client, ReadReceipt receipt) {}

    /**
     * The visitor's identity or context changed (another page, new attributes).
     *
     * @param client the client that saw it
     * @param update the conversation and the visitor's identity and context now
     */
    default void onVisitorUpdate(AgentClient client, VisitorUpdate update) {}

    /**
     * A visitor started or stopped typing.
     *
     * @param client the client that saw it
     * @param typing the conversation and whether its visitor is typing now
     */
    default void onTyping(AgentClient client, Typing typing) {}

    /**
     * An {@code error} from the server that no pending request claims (one that does fails that
     * request's future instead), or the server's refusal of the handshake.
     *
     * @param client the client that received it
     * @param error a {@link ServerRefusedException} with the server's code and message
     */
    default void onError(AgentClient client, ConciergeClientException error) {}

    /**
     * The connection's state changed.
     *
     * @param client the client whose state changed
     * @param state the new state
     */
    default void onStateChanged(AgentClient client, AgentClient.State state) {}
}
