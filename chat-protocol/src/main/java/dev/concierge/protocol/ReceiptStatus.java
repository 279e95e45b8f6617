package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How far a message got on the other side. */
public enum ReceiptStatus {
    @JsonProperty("delivered")
    DELIVERED,
    @JsonProperty("read")
    READ
}
