package dev.concierge.protocol;

/** An agent's public identity. */
public record AgentInfo(String id, String name) {}
