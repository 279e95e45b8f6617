package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How far a message got on the other side. */
public enum ReceiptStatus {
    /** The message reached the other side's client. */
    @JsonProperty("delivered")
    DELIVERED,
    /** The other side has seen the message. */
    @JsonProperty("read")
    READ
}
