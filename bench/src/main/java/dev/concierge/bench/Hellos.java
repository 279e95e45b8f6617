package dev.concierge.bench;

/**
 * The {@code hello} frames of the load clients, in the protocol version of the run
 * ({@code --protocol}; the newest by default, as the SDK and the widget say hello with). Set once
 * by {@link Bench} before any phase starts.
 */
final class Hellos {
    /** The newest protocol version, in which a message's own event is its acknowledgement. */
    static final int NEWEST = 2;

    private static volatile int version = NEWEST;

    private Hellos() {}

    /** Sets the protocol version of every hello from now on. */
    static void version(int v) {
        version = v;
    }

    static int version() {
        return version;
    }

    /** A new visitor's hello (no token, so a new visitor each time), with an optional display name. */
    static String visitor(String name) {
        return "{\"type\":\"hello\",\"id\":\"h\",\"version\":" + version + ",\"site\":\"demo\",\"context\":{"
                + (name == null ? "" : "\"name\":\"" + name + "\",") + "\"language\":\"en\"}}";
    }

    /** An agent's hello for a session token. */
    static String agent(String token) {
        return "{\"type\":\"hello\",\"id\":\"h\",\"version\":" + version + ",\"token\":\"" + token + "\"}";
    }
}
