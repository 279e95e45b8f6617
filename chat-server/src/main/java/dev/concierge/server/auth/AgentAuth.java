package dev.concierge.server.auth;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.server.support.Ids;
import dev.concierge.store.ConversationStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent authentication, as the other packages see it: {@linkplain SignIn sign-in} (password to
 * a session token, throttled by {@link LoginThrottle}), the {@linkplain AgentSessions sessions}
 * (expiring after a period without use and after an absolute lifetime, ending when the password
 * changes, kept in the store across a restart), and the {@linkplain AgentTeam team} (accounts,
 * departments, disabled agents, kept in the store too). Password checks are slow on purpose:
 * call {@link #login} off the event loops.
 */
public final class AgentAuth {
    private static final Logger log = LoggerFactory.getLogger(AgentAuth.class);

    private final AgentTeam team;
    private final AgentSessions sessions;
    private volatile SessionEvents events = SessionEvents.NONE;
    private final SignIn signIn;
    private final LoginThrottle throttle;

    /** Checks a password against a stored hash: {@link PasswordHasher#verify} outside tests. */
    @FunctionalInterface
    public interface PasswordCheck {
        /** True if {@code password} matches {@code storedHash}. Slow on purpose. */
        boolean matches(String password, String storedHash);
    }

    /** A successful sign-in. */
    public record Login(String token, AgentInfo agent) {}

    /** Authentication for {@code accounts}, keeping agent sessions in {@code store}. */
    public AgentAuth(
            List<AgentAccount> accounts,
            Duration sessionTtl,
            Duration sessionMaxAge,
            Ticker ticker,
            Ids ids,
            ConversationStore store,
            Clock clock,
            PasswordCheck passwords,
            LoginThrottle.Limits throttle) {
        this.team = new AgentTeam(accounts, store, clock);
        this.sessions = new AgentSessions(team, sessionTtl, sessionMaxAge, ticker, ids, store, clock);
        this.throttle = new LoginThrottle(throttle, ticker);
        this.signIn = new SignIn(team, sessions, passwords, this.throttle);
    }

    /** The sign-in throttle, which a cluster node shares with the other nodes. */
    public LoginThrottle throttle() {
        return throttle;
    }

    /**
     * Admits a sign-in attempt for {@code username} from {@code address}, or says how long to
     * wait ({@link LoginThrottle}). Cheap: call it on the event loop, before {@link #login}.
     */
    public LoginThrottle.Result admit(String username, String address) {
        return signIn.admit(username, address);
    }

    /**
     * A new session token for right credentials, for an attempt {@link #admit admitted} from
     * {@code address}. An unknown username costs the same password check as a known one.
     */
    public Optional<Login> login(String username, String password, String address, LoginThrottle.Attempt attempt) {
        return signIn.login(username, password, address, attempt);
    }

    /**
     * Takes back the sessions a store kept from before a restart (those used within the session
     * lifetime); sessions of unknown or disabled agents are dropped. Returns how many it took.
     */
    public int restore(List<ConversationStore.AgentSession> kept) {
        team.restoreDisabled(); // before the sessions, which it filters
        return sessions.restore(kept);
    }

    /**
     * What a cluster node tells the other nodes, so that a sign-in works on every node at once and
     * a sign-out or a disabled account ends the agent's sockets on every node. Each is called
     * after the change is stored (a sign-in before its token is answered).
     */
    public interface SessionEvents {
        /** Nothing to tell: a single server. */
        SessionEvents NONE = new SessionEvents() {
            @Override
            public void opened(ConversationStore.AgentSession session) {}

            @Override
            public void signedOut(String tokenHash) {}

            @Override
            public void disabled(String agentId, boolean isDisabled) {}
        };

        /** A session was opened here. */
        void opened(ConversationStore.AgentSession session);

        /** The session with this token hash was signed out here. */
        void signedOut(String tokenHash);

        /** The agent was disabled (or enabled again) here. */
        void disabled(String agentId, boolean isDisabled);
    }

    /** Tells {@code events} of every sign-in, sign-out, disable and enable on this server from now on. */
    public void share(SessionEvents events) {
        this.events = Objects.requireNonNull(events, "events");
        sessions.share(events);
    }

    /** Takes a session another node of the cluster opened (see {@link #share}). */
    public void adopt(ConversationStore.AgentSession session) {
        sessions.restore(List.of(session));
    }

    /**
     * Ends here the session another node signed out (see {@link #share}); returns its token if
     * this node held it, so that its sockets can be closed.
     */
    public List<String> signedOutElsewhere(String tokenHash) {
        return sessions.endHashed(tokenHash);
    }

    /**
     * Applies here an agent another node disabled or enabled (see {@link #share}); returns the
     * tokens of the sessions it ended on this node.
     */
    public List<String> disabledElsewhere(String agentId, boolean isDisabled) {
        if (!team.has(agentId)) {
            return List.of();
        }
        team.setDisabled(agentId, isDisabled); // stored again by this node too: the same value
        return isDisabled ? sessions.endAllOf(agentId) : List.of();
    }

    /** The agent a session token belongs to, while it is valid. */
    public Optional<AgentInfo> agentFor(String token) {
        return sessions.agentFor(token);
    }

    /** Signs out: the token stops working at once, here and after a restart. True if it was valid. */
    public boolean logout(String token) {
        return sessions.logout(token);
    }

    /**
     * Disables an agent account: it can no longer sign in, and every token it holds stops
     * working. Returns those tokens (so their sockets can be closed), or empty for an unknown id.
     */
    public Optional<List<String>> disable(String agentId) {
        if (!team.has(agentId)) {
            return Optional.empty();
        }
        team.setDisabled(agentId, true); // first: a restored session shown meanwhile is refused
        List<String> tokens = sessions.endAllOf(agentId);
        log.info("agent {} disabled, {} sessions ended", agentId, tokens.size());
        events.disabled(agentId, true);
        return Optional.of(List.copyOf(tokens));
    }

    /**
     * Lets a disabled agent sign in again (their earlier sessions stay ended). False for an
     * unknown id.
     */
    public boolean enable(String agentId) {
        if (team.agentInfo(agentId).isEmpty()) {
            return false;
        }
        team.setDisabled(agentId, false);
        log.info("agent {} enabled", agentId);
        events.disabled(agentId, false);
        return true;
    }

    /**
     * Adds an agent (admin API). False when the id or username is taken.
     */
    public boolean add(AgentAccount account) {
        return team.add(account);
    }

    /** Every account, for writing the agents file back. */
    public List<AgentAccount> accounts() {
        return team.accounts();
    }

    /** The departments of the agent with this id. */
    public Set<String> departments(String agentId) {
        return team.departments(agentId);
    }

    /** The public identity of the agent with this id. */
    public Optional<AgentInfo> agentInfo(String agentId) {
        return team.agentInfo(agentId);
    }

    /** Whether the agent with this id is disabled (an unknown id is not). */
    public boolean isDisabled(String agentId) {
        return team.isDisabled(agentId);
    }

    /** The PBKDF2 rounds an unknown username's password check costs, for tests. */
    int unknownUserRounds() {
        return PasswordHasher.iterations(team.dummyHash()).orElseThrow();
    }
}
