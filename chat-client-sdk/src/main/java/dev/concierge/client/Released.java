package dev.concierge.client;

import dev.concierge.protocol.AgentInfo;
import java.util.Optional;

/**
 * A conversation is no longer the agent's.
 *
 * @param conversationId the conversation
 * @param reason why, e.g. {@code transferred}
 * @param to the agent it went to, when it went to one
 * @param department the department whose queue it went to, when it went to one
 */
public record Released(String conversationId, String reason, Optional<AgentInfo> to, Optional<String> department) {}
