package dev.concierge.server.auth;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.protocol.Values.AgentInfo;
import dev.concierge.server.support.Ids;
import dev.concierge.store.ConversationStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
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
    private final SignIn signIn;

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
        this.signIn = new SignIn(team, sessions, passwords, new LoginThrottle(throttle, ticker));
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
     * Tells {@code listener} of every session opened on this server from now on, once stored and
     * before its token is answered: a cluster node passes them to the other nodes, which
     * {@link #adopt} them, so that a token works on every node at once.
     */
    public void onSessionOpened(Consumer<ConversationStore.AgentSession> listener) {
        sessions.onOpened(listener);
    }

    /** Takes a session another node of the cluster opened (see {@link #onSessionOpened}). */
    public void adopt(ConversationStore.AgentSession session) {
        sessions.restore(List.of(session));
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

    /** The PBKDF2 rounds an unknown username's password check costs, for tests. */
    int unknownUserRounds() {
        return PasswordHasher.iterations(team.dummyHash()).orElseThrow();
    }
}
