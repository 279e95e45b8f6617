package dev.concierge.server.routing;

/** What became of a visitor's reply by email ({@link Router#visitorReplyByEmail}). */
public enum EmailReply {
    /** Stored as a visitor message with {@code via: "email"}. */
    STORED,
    /** A reply with this client id is already stored (the same mail read again). */
    DUPLICATE,
    /** No such conversation: never existed, purged or erased. */
    UNKNOWN_CONVERSATION,
    /** The conversation was closed more than 30 days ago. */
    TOO_OLD,
    /** The sender is neither an address mailed in the conversation nor the visitor's email. */
    UNKNOWN_SENDER,
    /** Over {@link #PER_CONVERSATION_PER_HOUR} replies in the last hour. */
    RATE_LIMITED,
    /** Nothing left to say once control characters are removed. */
    EMPTY;

    /** Replies by email taken per conversation per hour; more are dropped. */
    public static final int PER_CONVERSATION_PER_HOUR = 30;
}
