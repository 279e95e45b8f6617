package dev.concierge.client;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ServerMessage;

/**
 * Receives what happens on an {@link AgentClient}. Every method does nothing by default.
 * Calls come one at a time, in order, on a pool thread; keep them short.
 */
public interface AgentListener {

    /**
     * A conversation was assigned to this agent, with its handoff package. Called once per
     * conversation: when the server repeats the package after a reconnect, only the events the
     * agent missed are reported, through {@link #onEvent}.
     */
    default void onAssigned(ServerMessage.Assigned assigned) {}

    /**
     * A new transcript event of a conversation assigned to this agent (now or before), after its
     * handoff package. Each {@code seq} is reported once; events that reach the client before
     * the package are reported as part of it, not here.
     */
    default void onEvent(String conversationId, TranscriptEvent event) {}

    /** The queue changed. */
    default void onQueue(ServerMessage.Queue queue) {}

    /**
     * A conversation is no longer this agent's: they transferred it ({@code released.to()} or
     * {@code released.department()} says where it went).
     */
    default void onReleased(ServerMessage.Released released) {}

    /** Every agent with presence, departments and load (after connecting and on every change). */
    default void onAgents(ServerMessage.Agents agents) {}

    /** Departments, canned replies, queue alert time and chat cap, after connecting. */
    default void onSettings(ServerMessage.Settings settings) {}

    /** Something needs attention, e.g. a visitor waited too long in the queue. */
    default void onAlert(ServerMessage.Alert alert) {}

    /** The visitor received or read events up to a seq. */
    default void onReceipt(ServerMessage.Receipt receipt) {}

    /** The visitor's context changed (another page, new attributes). */
    default void onVisitorUpdate(ServerMessage.VisitorUpdate update) {}

    /** A visitor started or stopped typing. */
    default void onTyping(ServerMessage.Typing typing) {}

    /**
     * An {@code error} frame that no pending request claims (one that does fails that request's
     * future instead), or the server's refusal of the handshake.
     */
    default void onError(ServerMessage.Error error) {}

    /** The connection's state changed. */
    default void onStateChanged(AgentClient.State state) {}
}
