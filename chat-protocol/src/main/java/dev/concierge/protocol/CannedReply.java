package dev.concierge.protocol;

/** A canned reply: typing {@code /shortcut} in the console expands to {@code text}. */
public record CannedReply(String shortcut, String text) {}
