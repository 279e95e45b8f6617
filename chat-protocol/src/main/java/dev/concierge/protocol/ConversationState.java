package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The state of a conversation, owned by the server's router. */
public enum ConversationState {
    @JsonProperty("bot")
    BOT,
    @JsonProperty("queued")
    QUEUED,
    @JsonProperty("assigned")
    ASSIGNED,
    @JsonProperty("closed")
    CLOSED,
    /** The visitor left a message while nobody was available; an agent takes it by hand. */
    @JsonProperty("follow_up")
    FOLLOW_UP
}
