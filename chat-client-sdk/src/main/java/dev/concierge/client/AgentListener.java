package dev.concierge.client;

import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values;

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
    default void onEvent(String conversationId, Values.TranscriptEvent event) {}

    /** The queue changed. */
    default void onQueue(ServerMessage.Queue queue) {}

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
