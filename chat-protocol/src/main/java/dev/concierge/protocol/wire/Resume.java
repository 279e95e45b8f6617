package dev.concierge.protocol.wire;

/** A request to receive the events of a conversation after {@code lastSeq}. */
public record Resume(String conversationId, long lastSeq) {}
