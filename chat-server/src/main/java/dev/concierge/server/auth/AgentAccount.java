package dev.concierge.server.auth;

import dev.concierge.protocol.AgentInfo;
import java.util.List;
import java.util.Objects;

/**
 * An agent who may sign in to the console. Only a salted slow hash of the password is kept.
 *
 * @param id stable agent id
 * @param name display name shown to visitors
 * @param username sign-in name
 * @param passwordHash hash made by {@link #withPassword}
 * @param departments the teams the agent belongs to (may be empty)
 * @param roles what the agent may do beyond chatting: {@value #ADMIN} or {@value #SUPERVISOR}
 *              (both may edit the FAQ); empty for an agent who chats only
 */
public record AgentAccount(
        String id, String name, String username, String passwordHash, List<String> departments, List<String> roles) {
    /** The role of a team's administrator: edits the FAQ. */
    public static final String ADMIN = "admin";
    /** The role of a supervisor: edits the FAQ. */
    public static final String SUPERVISOR = "supervisor";
    /** Every role there is. */
    static final List<String> ROLES = List.of(ADMIN, SUPERVISOR);

    public AgentAccount {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(passwordHash, "passwordHash");
        departments = departments == null ? List.of() : List.copyOf(departments);
        roles = roles == null ? List.of() : List.copyOf(roles);
        for (String role : roles) {
            if (!ROLES.contains(role)) {
                throw new IllegalArgumentException("roles must be among " + ROLES + ", was " + role);
            }
        }
    }

    /** An account in {@code departments} with no role beyond chatting. */
    public AgentAccount(String id, String name, String username, String passwordHash, List<String> departments) {
        this(id, name, username, passwordHash, departments, List.of());
    }

    /** An account in no department. */
    public AgentAccount(String id, String name, String username, String passwordHash) {
        this(id, name, username, passwordHash, List.of());
    }

    /** This account in {@code departments}. */
    public AgentAccount inDepartments(List<String> departments) {
        return new AgentAccount(id, name, username, passwordHash, departments, roles);
    }

    /** This account with {@code roles} ({@link #ADMIN}, {@link #SUPERVISOR}). */
    public AgentAccount withRoles(List<String> roles) {
        return new AgentAccount(id, name, username, passwordHash, departments, roles);
    }

    /** Whether the agent may edit the FAQ: an admin or a supervisor. */
    public boolean editsFaq() {
        return roles.contains(ADMIN) || roles.contains(SUPERVISOR);
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
