package dev.concierge.client;

import dev.concierge.protocol.TranscriptEvent;

/**
 * Receives what happens on a {@link VisitorClient}. Every method does nothing by default and
 * gets the client first, so one listener can serve many clients and answer through the client
 * it is called for. Calls come one at a time, in order, on a pool thread; keep them short.
 */
public interface VisitorListener {

    /**
     * A new transcript event, live or caught up after a reconnect. Each {@code seq} is reported
     * once, in order, except that events fetched to fill a gap follow the event that revealed it.
     */
    default void onEvent(VisitorClient client, String conversationId, TranscriptEvent event) {}

    /** The conversation's queue position or estimated wait changed. */
    default void onQueueStatus(VisitorClient client, QueueStatus status) {}

    /**
     * Whether a person can answer now (after connecting and on every change); when not, offer
     * {@link VisitorClient#leaveMessage}.
     */
    default void onAvailability(VisitorClient client, Availability availability) {}

    /** The agent received or read events up to a seq. */
    default void onReceipt(VisitorClient client, ReadReceipt receipt) {}

    /** The agent started or stopped typing. */
    default void onTyping(VisitorClient client, Typing typing) {}

    /**
     * An {@code error} from the server that no pending request claims (one that does fails that
     * request's future instead), or the server's refusal of the handshake.
     */
    default void onError(VisitorClient client, ConciergeClientException error) {}

    /** The connection's state changed. */
    default void onStateChanged(VisitorClient client, VisitorClient.State state) {}
}
