package dev.concierge.protocol;

/** A "did you mean" suggestion of the bot. */
public record Suggestion(String entryId, String question) {}
