package dev.concierge.client;

import dev.concierge.protocol.HandoffPackage;

/**
 * A conversation assigned to the agent, with its handoff package (whose transcript is whole).
 *
 * @param conversationId the conversation
 * @param handoff who the visitor is, what they asked, the whole transcript
 * @param resumed true when the agent already owned the conversation when this client connected
 *     (the server repeats those on connect); false for one assigned or accepted since
 */
public record Assignment(String conversationId, HandoffPackage handoff, boolean resumed) {}
