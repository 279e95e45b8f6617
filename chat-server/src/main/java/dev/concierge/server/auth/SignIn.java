package dev.concierge.server.auth;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent sign-in: throttled attempts ({@link LoginThrottle}), a password check as slow for an
 * unknown username as for a known one, and a session for right credentials. The check is slow
 * on purpose: call {@link #login} off the event loops.
 */
final class SignIn {
    /** Logs as {@link AgentAuth}: one logger for agent authentication, which fail2ban may watch. */
    private static final Logger log = LoggerFactory.getLogger(AgentAuth.class);

    private final AgentTeam team;
    private final AgentSessions sessions;
    private final AgentAuth.PasswordCheck passwords;
    private final LoginThrottle throttle;

    SignIn(AgentTeam team, AgentSessions sessions, AgentAuth.PasswordCheck passwords, LoginThrottle throttle) {
        this.team = team;
        this.sessions = sessions;
        this.passwords = passwords;
        this.throttle = throttle;
    }

    /** Admits a sign-in attempt, or says how long to wait. Cheap: call it on the event loop. */
    LoginThrottle.Result admit(String username, String address) {
        return throttle.admit(username, address);
    }

    /** A new session token for right credentials, for an attempt {@link #admit admitted}. */
    Optional<AgentAuth.Login> login(String username, String password, String address, LoginThrottle.Attempt attempt) {
        AgentAccount account = team.account(username).orElse(null);
        // Hash even for unknown users, with as many rounds, so timing does not tell which usernames exist.
        String hash = account != null ? account.passwordHash() : team.dummyHash();
        boolean ok = passwords.matches(password, hash) && account != null && !team.isDisabled(account.id());
        if (!ok) {
            // One line per failure, with the address, for fail2ban and the like.
            log.warn("login failed for user \"{}\" from {}", escaped(username), address);
            return Optional.empty();
        }
        attempt.succeeded();
        String token = sessions.open(account);
        log.info("agent {} signed in", account.id());
        return Optional.of(new AgentAuth.Login(token, account.info()));
    }

    /**
     * A username as a log line may show it: quotes and backslashes escaped, control and other
     * invisible characters as {@code \}{@code uXXXX}, so that it cannot forge or split lines.
     */
    static String escaped(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20
                    || c == 0x7f
                    || (c >= 0x80 && c < 0xa0)
                    || c == 0x2028
                    || c == 0x2029
                    || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
