package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Who produced a transcript event. */
public enum Role {
    @JsonProperty("visitor")
    VISITOR,
    @JsonProperty("agent")
    AGENT,
    @JsonProperty("bot")
    BOT,
    @JsonProperty("system")
    SYSTEM
}
