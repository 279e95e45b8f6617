package dev.concierge.client;

import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.VisitorInfo;

/**
 * The visitor of an assigned conversation changed identity or context (another page, new
 * attributes).
 *
 * @param conversationId the conversation
 * @param visitor who the visitor is now
 * @param context where they are now
 */
public record VisitorUpdate(String conversationId, VisitorInfo visitor, VisitorContext context) {}
