package dev.concierge.client;

import dev.concierge.protocol.Role;

/**
 * The other side of a conversation started or stopped typing.
 *
 * @param conversationId the conversation
 * @param who who is typing (the visitor or the agent)
 * @param typing true when they started, false when they stopped
 */
public record Typing(String conversationId, Role who, boolean typing) {}
