package dev.concierge.client;

import dev.concierge.protocol.AgentStatus;
import dev.concierge.protocol.TranscriptEvent;
import java.util.List;

/**
 * Receives what happens on an {@link AgentClient}. Every method does nothing by default and gets
 * the client first, so one listener can serve many clients and answer through the client it is
 * called for. Calls come one at a time, in order, on a pool thread; keep them short.
 */
public interface AgentListener {

    /**
     * A conversation is the agent's, with its handoff package (whose transcript is whole).
     * Called once per conversation and client, also on connect for each conversation the agent
     * already owns (then {@link Assignment#resumed()} is true): an integration that starts picks
     * up where it left off. When the server repeats a package after a reconnect, only the events
     * the client missed are reported, through {@link #onEvent}.
     */
    default void onAssigned(AgentClient client, Assignment assignment) {}

    /**
     * A new transcript event of a conversation assigned to this agent (now or before), after its
     * handoff package. Each {@code seq} is reported once; events that reach the client before
     * the package are reported as part of it, not here.
     */
    default void onEvent(AgentClient client, String conversationId, TranscriptEvent event) {}

    /** The queue changed: the page the client shows ({@link AgentClient#queuePage(int)}). */
    default void onQueue(AgentClient client, QueuePage queue) {}

    /**
     * A conversation is no longer this agent's: they transferred it ({@link Released#to()} or
     * {@link Released#department()} says where it went).
     */
    default void onReleased(AgentClient client, Released released) {}

    /** Every agent with presence, departments and load (after connecting and on every change). */
    default void onAgents(AgentClient client, List<AgentStatus> agents) {}

    /** Departments, canned replies, queue alert time and chat cap, after connecting. */
    default void onSettings(AgentClient client, TeamSettings settings) {}

    /** Something needs attention, e.g. a visitor waited too long in the queue. */
    default void onAlert(AgentClient client, Alert alert) {}

    /** The visitor received or read events up to a seq. */
    default void onReceipt(AgentClient client, ReadReceipt receipt) {}

    /** The visitor's identity or context changed (another page, new attributes). */
    default void onVisitorUpdate(AgentClient client, VisitorUpdate update) {}

    /** A visitor started or stopped typing. */
    default void onTyping(AgentClient client, Typing typing) {}

    /**
     * An {@code error} from the server that no pending request claims (one that does fails that
     * request's future instead), or the server's refusal of the handshake.
     */
    default void onError(AgentClient client, ConciergeClientException error) {}

    /** The connection's state changed. */
    default void onStateChanged(AgentClient client, AgentClient.State state) {}
}
