package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The state of a conversation, owned by the server's router. */
public enum ConversationState {
    /** The FAQ bot answers; nobody of the team is involved. */
    @JsonProperty("bot")
    BOT,
    /** Waiting in the queue for an agent. */
    @JsonProperty("queued")
    QUEUED,
    /** An agent has it. */
    @JsonProperty("assigned")
    ASSIGNED,
    /** Closed by the visitor, an agent or the server; nothing more is stored in it. */
    @JsonProperty("closed")
    CLOSED,
    /** The visitor left a message while nobody was available; an agent takes it by hand. */
    @JsonProperty("follow_up")
    FOLLOW_UP
}
