package dev.concierge.client;

import dev.concierge.protocol.TranscriptEvent;

/**
 * Receives what happens on a {@link VisitorClient}. Every method does nothing by default and
 * gets the client first, so one listener can serve many clients and answer through the client
 * it is called for. Calls come one at a time, in order, on the client's executor (the builder's
 * {@code executor}, by default the SDK's shared pool), never while the client holds a lock; keep
 * them short, or give blocking code an executor of its own.
 */
public interface VisitorListener {

    /**
     * A new transcript event, live or caught up after a reconnect. Each {@code seq} is reported
     * once, in order, except that events fetched to fill a gap follow the event that revealed it.
     *
     * @param client the client that saw it
     * @param conversationId the conversation the event belongs to
     * @param event the event
     */
    default void onEvent(VisitorClient client, String conversationId, TranscriptEvent event) {}

    /**
     * The conversation's queue position or estimated wait changed.
     *
     * @param client the client that saw it
     * @param status where the conversation stands now
     */
    default void onQueueStatus(VisitorClient client, QueueStatus status) {}

    /**
     * Whether a person can answer now (after connecting and on every change); when not, offer
     * {@link VisitorClient#leaveMessage}.
     *
     * @param client the client that saw it
     * @param availability whether agents are online and it is within business hours
     */
    default void onAvailability(VisitorClient client, Availability availability) {}

    /**
     * The agent received or read events up to a seq.
     *
     * @param client the client that saw it
     * @param receipt the conversation, the seq and whether received or read
     */
    default void onReceipt(VisitorClient client, ReadReceipt receipt) {}

    /**
     * The agent started or stopped typing.
     *
     * @param client the client that saw it
     * @param typing the conversation and whether the agent is typing now
     */
    default void onTyping(VisitorClient client, Typing typing) {}

    /**
     * An {@code error} from the server that no pending request claims (one that does fails that
     * request's future instead), or the server's refusal of the handshake.
     *
     * @param client the client that received it
     * @param error a {@link ServerRefusedException} with the server's code and message
     */
    default void onError(VisitorClient client, ConciergeClientException error) {}

    /**
     * The connection's state changed.
     *
     * @param client the client whose state changed
     * @param state the new state
     */
    default void onStateChanged(VisitorClient client, VisitorClient.State state) {}
}
