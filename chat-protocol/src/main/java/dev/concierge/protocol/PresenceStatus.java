package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Agent presence: online agents receive new conversations, away agents keep theirs but get no
 * new ones, offline agents are signed out or said they are gone.
 */
public enum PresenceStatus {
    /** Receives new conversations. */
    @JsonProperty("online")
    ONLINE,
    /** Keeps its conversations, gets no new ones. */
    @JsonProperty("away")
    AWAY,
    /** Signed out, or said they are gone. */
    @JsonProperty("offline")
    OFFLINE
}
