package dev.concierge.server;

import dev.concierge.protocol.Values.AgentInfo;
import java.util.Objects;

/**
 * An agent who may sign in to the console. Only a salted slow hash of the password is kept.
 *
 * @param id stable agent id
 * @param name display name shown to visitors
 * @param username sign-in name
 * @param passwordHash hash made by {@link #withPassword}
 */
public record AgentAccount(String id, String name, String username, String passwordHash) {
    public AgentAccount {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(passwordHash, "passwordHash");
    }

    /** An account whose password is hashed here with the default work factor. */
    public static AgentAccount withPassword(String id, String name, String username, String password) {
        return withPassword(id, name, username, password, PasswordHasher.DEFAULT_ITERATIONS);
    }

    /** An account hashed with {@code iterations} PBKDF2 rounds (fewer only in tests). */
    public static AgentAccount withPassword(String id, String name, String username, String password, int iterations) {
        return new AgentAccount(id, name, username, PasswordHasher.hash(password, iterations));
    }

    AgentInfo info() {
        return new AgentInfo(id, name);
    }
}
