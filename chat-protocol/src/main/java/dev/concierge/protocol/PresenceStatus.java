package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Agent presence: online agents receive new conversations, away agents keep theirs but get no
 * new ones, offline agents are signed out or said they are gone.
 */
public enum PresenceStatus {
    @JsonProperty("online")
    ONLINE,
    @JsonProperty("away")
    AWAY,
    @JsonProperty("offline")
    OFFLINE
}
