package dev.concierge.client;

import dev.concierge.protocol.wire.ClientMessage;
import java.util.Optional;

/**
 * What the visitor client needs to know about its own requests when the server no longer has
 * their conversation: which conversation a request names, and the same request (same id) without
 * one, for the requests that make the server start a new conversation (a message, a handoff, a
 * left message). Closing, rating or reading a forgotten conversation has no such replacement.
 */
final class VisitorRequests {
    private VisitorRequests() {}

    /** The conversation {@code request} names, if it is a request that names one. */
    static Optional<String> conversationOf(ClientMessage request) {
        if (request instanceof ClientMessage.Send send) {
            return Optional.ofNullable(send.conversationId());
        }
        if (request instanceof ClientMessage.Handoff handoff) {
            return Optional.ofNullable(handoff.conversationId());
        }
        if (request instanceof ClientMessage.LeaveMessage leave) {
            return Optional.ofNullable(leave.conversationId());
        }
        if (request instanceof ClientMessage.Close close) {
            return Optional.ofNullable(close.conversationId());
        }
        if (request instanceof ClientMessage.Rate rate) {
            return Optional.ofNullable(rate.conversationId());
        }
        if (request instanceof ClientMessage.History history) {
            return Optional.ofNullable(history.conversationId());
        }
        return Optional.empty();
    }

    /**
     * {@code request} with the same id and no conversation, if the server starts one for it. A
     * message carrying a file has none: the file was uploaded to the conversation that is gone.
     */
    static Optional<ClientMessage> withoutConversation(ClientMessage request) {
        if (request instanceof ClientMessage.Send send && send.attachmentId() != null) {
            return Optional.empty();
        }
        if (request instanceof ClientMessage.Send send) {
            return Optional.of(new ClientMessage.Send(send.id(), null, send.text(), send.entryId()));
        }
        if (request instanceof ClientMessage.Handoff handoff) {
            return Optional.of(new ClientMessage.Handoff(handoff.id(), null, handoff.department()));
        }
        if (request instanceof ClientMessage.LeaveMessage leave) {
            return Optional.of(
                    new ClientMessage.LeaveMessage(leave.id(), null, leave.name(), leave.email(), leave.text()));
        }
        return Optional.empty();
    }
}
