package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Why a conversation went to a human. */
public enum HandoffReason {
    /** The visitor asked for a person. */
    @JsonProperty("visitor_asked")
    VISITOR_ASKED,
    /** The bot could not answer with confidence and handed the conversation over. */
    @JsonProperty("bot_unsure")
    BOT_UNSURE,
    /** Another agent transferred it. */
    @JsonProperty("transfer")
    TRANSFER,
    /** The visitor left a message while nobody was available. */
    @JsonProperty("offline_message")
    OFFLINE_MESSAGE;

    /**
     * The reason as written on the wire.
     *
     * @return the wire string, e.g. {@code visitor_asked}
     */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
