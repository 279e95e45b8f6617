package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Who produced a transcript event. */
public enum Role {
    /** The visitor on the website (the widget or a {@code VisitorClient}). */
    @JsonProperty("visitor")
    VISITOR,
    /** A person of the team (the console or an {@code AgentClient}). */
    @JsonProperty("agent")
    AGENT,
    /** The FAQ bot. */
    @JsonProperty("bot")
    BOT,
    /** The server itself: handoffs, queueing, closing. */
    @JsonProperty("system")
    SYSTEM
}
