package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The author of an event, stamped by the server from the session. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Author(Role role, String id, String name) {
    /** The bot. */
    public static final Author BOT = new Author(Role.BOT, "bot", "Concierge");
    /** The server itself (state changes). */
    public static final Author SYSTEM = new Author(Role.SYSTEM, "system", "Concierge");
}
