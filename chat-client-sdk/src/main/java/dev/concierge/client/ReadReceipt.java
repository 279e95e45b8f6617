package dev.concierge.client;

import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.Role;

/**
 * The other side received or read a conversation's events up to a {@code seq}.
 *
 * @param conversationId the conversation
 * @param by who received or read them (the visitor or the agent)
 * @param seq the highest {@code seq} received or read
 * @param status received or read
 */
public record ReadReceipt(String conversationId, Role by, long seq, ReceiptStatus status) {}
