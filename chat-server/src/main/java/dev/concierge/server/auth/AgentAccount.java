package dev.concierge.server.auth;

import dev.concierge.protocol.AgentInfo;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
 * @param email where the agent's email alerts go; empty for none
 * @param emailAlerts which alerts the agent gets by email: {@value #FOLLOW_UP} (a follow-up was
 *                    left), {@value #LONG_WAIT} (a visitor waits long in the queue) and, for an
 *                    {@value #ADMIN} only, {@value #WEBHOOK_PAUSED} (a failing webhook endpoint
 *                    was paused); needs {@code email}
 */
public record AgentAccount(
        String id,
        String name,
        String username,
        String passwordHash,
        List<String> departments,
        List<String> roles,
        Optional<String> email,
        List<String> emailAlerts) {
    /** The role of a team's administrator: edits the FAQ. */
    public static final String ADMIN = "admin";
    /** The role of a supervisor: edits the FAQ. */
    public static final String SUPERVISOR = "supervisor";
    /** Every role there is. */
    static final List<String> ROLES = List.of(ADMIN, SUPERVISOR);
    /** The email alert of a new follow-up. */
    public static final String FOLLOW_UP = "follow_up";
    /** The email alert of a visitor waiting long in the queue. */
    public static final String LONG_WAIT = "long_wait";
    /** The email alert of a webhook endpoint paused because it kept failing: for admins only. */
    public static final String WEBHOOK_PAUSED = "webhook_paused";
    /** Every email alert there is. */
    static final List<String> ALERTS = List.of(FOLLOW_UP, LONG_WAIT, WEBHOOK_PAUSED);

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
        Objects.requireNonNull(email, "email");
        email.ifPresent(e -> dev.concierge.protocol.wire.Checks.email("email", e));
        emailAlerts = emailAlerts == null ? List.of() : List.copyOf(emailAlerts);
        for (String alert : emailAlerts) {
            if (!ALERTS.contains(alert)) {
                throw new IllegalArgumentException("emailAlerts must be among " + ALERTS + ", was " + alert);
            }
        }
        if (!emailAlerts.isEmpty() && email.isEmpty()) {
            throw new IllegalArgumentException("emailAlerts needs an email to send them to");
        }
        if (emailAlerts.contains(WEBHOOK_PAUSED) && !roles.contains(ADMIN)) {
            throw new IllegalArgumentException(ADMIN_ONLY);
        }
    }

    /** Why an agent who is not an admin may not have {@link #WEBHOOK_PAUSED}. */
    static final String ADMIN_ONLY = "emailAlerts: " + WEBHOOK_PAUSED + " is for agents with the role " + ADMIN
            + " (webhooks are managed with admin keys)";

    /** An account without email alerts. */
    public AgentAccount(
            String id,
            String name,
            String username,
            String passwordHash,
            List<String> departments,
            List<String> roles) {
        this(id, name, username, passwordHash, departments, roles, Optional.empty(), List.of());
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
        return new AgentAccount(id, name, username, passwordHash, departments, roles, email, emailAlerts);
    }

    /** This account with {@code roles} ({@link #ADMIN}, {@link #SUPERVISOR}). */
    public AgentAccount withRoles(List<String> roles) {
        return new AgentAccount(id, name, username, passwordHash, departments, roles, email, emailAlerts);
    }

    /** This account with email alerts ({@link #FOLLOW_UP}, {@link #LONG_WAIT}) to {@code email}. */
    public AgentAccount withEmailAlerts(String email, List<String> emailAlerts) {
        return new AgentAccount(id, name, username, passwordHash, departments, roles, Optional.of(email), emailAlerts);
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
