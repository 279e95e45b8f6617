package dev.concierge.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.protocol.Values.AgentInfo;
import dev.concierge.server.support.Ids;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.JdbcRows;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent sign-in: password to a session token. Tokens live in a Caffeine cache that expires them
 * after a period without use, and in the store (only their SHA-256, see
 * {@link ConversationStore#saveAgentSession}), so that a restart does not sign every agent out:
 * a starting server {@link #restore restores} the sessions used within that period, and a
 * restored token becomes an ordinary one the first time it is shown. Disabled agents are kept in
 * the store too ({@link ConversationStore#saveAgentDisabled}). Password checks are slow
 * on purpose: call {@link #login} off the event loops.
 *
 * <p>A session also ends, however often it is used, once it is older than the absolute
 * lifetime, and as soon as its agent's password hash is not the one it was signed in with (each
 * session keeps a {@linkplain PasswordHasher#fingerprint fingerprint} of that hash, in the store
 * too, so this holds across a restart). Sign-in attempts are throttled ({@link LoginThrottle}).
 */
public final class AgentAuth {
    private static final Logger log = LoggerFactory.getLogger(AgentAuth.class);

    private final Map<String, AgentAccount> byUsername;
    /** Each agent's current credential, by agent id: the fingerprint of its password hash. */
    private final Map<String, String> credentials = new ConcurrentHashMap<>();
    /** The sessions by token. */
    private final Cache<String, Held> sessions;
    /** Sessions from before a restart, by token hash, until their token is first shown. */
    private final Cache<String, Restored> restored;

    private final Ids ids;
    private final Set<String> disabled = ConcurrentHashMap.newKeySet();
    private final ConversationStore store;
    private final Clock clock;
    /** How stale a session's stored last use may get before it is written again. */
    private final long refreshMillis;
    /** The absolute session lifetime: a session older than this ends, used or not. */
    private final long maxAgeMillis;

    private final PasswordCheck passwords;
    private final LoginThrottle throttle;
    /** What an unknown username's password is checked against: as slow as a real hash. */
    private volatile String dummyHash;

    /**
     * A session: its agent, its token's hash, when its last use was last stored, when it was
     * signed in (epoch millis), and the fingerprint of the password hash it was signed in with.
     */
    private record Held(AgentInfo agent, String tokenHash, long storedAt, long createdAt, String credential) {}

    /** A session from before a restart, not shown since. */
    private record Restored(String agentId, long createdAt, String credential) {}

    /** Checks a password against a stored hash: {@link PasswordHasher#verify} outside tests. */
    @FunctionalInterface
    public interface PasswordCheck {
        /** True if {@code password} matches {@code storedHash}. Slow on purpose. */
        boolean matches(String password, String storedHash);
    }

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
        this.byUsername = new ConcurrentHashMap<>(
                accounts.stream().collect(Collectors.toUnmodifiableMap(AgentAccount::username, Function.identity())));
        accounts.forEach(a -> credentials.put(a.id(), PasswordHasher.fingerprint(a.passwordHash())));
        this.dummyHash = PasswordHasher.unmatchable(slowest(accounts));
        this.passwords = passwords;
        this.throttle = new LoginThrottle(throttle, ticker);
        this.maxAgeMillis = sessionMaxAge.toMillis();
        // Every agent frame reads this cache; its upkeep (expiry) runs on the reading thread
        // rather than being handed to ForkJoinPool.commonPool(), a thread hop per few reads.
        this.sessions = Caffeine.newBuilder()
                .expireAfterAccess(sessionTtl)
                .ticker(ticker)
                .executor(Runnable::run)
                .build();
        this.restored = Caffeine.newBuilder()
                .expireAfterWrite(sessionTtl)
                .ticker(ticker)
                .executor(Runnable::run)
                .build();
        this.ids = ids;
        this.store = store;
        this.clock = clock;
        this.refreshMillis = Math.max(1, sessionTtl.toMillis() / 8);
    }

    /** The highest PBKDF2 iteration count among the accounts, for the unknown-username check. */
    private static int slowest(List<AgentAccount> accounts) {
        return accounts.stream()
                .mapToInt(a -> PasswordHasher.iterations(a.passwordHash()).orElse(0))
                .max()
                .stream()
                .filter(n -> n > 0)
                .findFirst()
                .orElse(PasswordHasher.DEFAULT_ITERATIONS);
    }

    /**
     * Admits a sign-in attempt for {@code username} from {@code address}, or says how long to
     * wait ({@link LoginThrottle}). Cheap: call it on the event loop, before {@link #login}.
     */
    public LoginThrottle.Result admit(String username, String address) {
        return throttle.admit(username, address);
    }

    /**
     * A new session token for right credentials, for an attempt {@link #admit admitted} from
     * {@code address}. An unknown username costs the same password check as a known one.
     */
    public Optional<Login> login(String username, String password, String address, LoginThrottle.Attempt attempt) {
        AgentAccount account = byUsername.get(username);
        // Hash even for unknown users, with as many rounds, so timing does not tell which usernames exist.
        String hash = account != null ? account.passwordHash() : dummyHash;
        boolean ok = passwords.matches(password, hash) && account != null && !disabled.contains(account.id());
        if (!ok) {
            // One line per failure, with the address, for fail2ban and the like.
            log.warn("login failed for user \"{}\" from {}", escaped(username), address);
            return Optional.empty();
        }
        attempt.succeeded();
        String token = ids.sessionToken();
        long now = clock.millis();
        Held held = new Held(
                account.info(),
                JdbcRows.tokenHash(token),
                now,
                now,
                PasswordHasher.fingerprint(account.passwordHash()));
        CompletableFuture<Void> saved;
        synchronized (this) {
            sessions.put(token, held);
            saved = stored(held);
        }
        try { // the token is answered once the session would survive a crash, as messages are
            saved.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // stored() logged it: the session works, until a restart
        }
        log.info("agent {} signed in", account.id());
        return Optional.of(new Login(token, account.info()));
    }

    /**
     * Takes back the sessions a store kept from before a restart (those used within the session
     * lifetime); sessions of unknown or disabled agents are dropped. Returns how many it took.
     */
    public int restore(List<ConversationStore.AgentSession> kept) {
        disabled.addAll(store.disabledAgents()); // before the sessions, which it filters
        int taken = 0;
        long now = clock.millis();
        for (ConversationStore.AgentSession session : kept) {
            if (agentInfo(session.agentId()).isEmpty() || disabled.contains(session.agentId())) {
                continue;
            }
            long createdAt = session.createdAt().toEpochMilli();
            if (!session.credential().equals(credentials.get(session.agentId())) || now - createdAt >= maxAgeMillis) {
                store.deleteAgentSession(session.tokenHash()); // the password changed, or it is too old
                continue;
            }
            restored.put(session.tokenHash(), new Restored(session.agentId(), createdAt, session.credential()));
            taken++;
        }
        if (taken > 0) {
            log.info("{} agent sessions restored from the store", taken);
        }
        return taken;
    }

    /** The agent a session token belongs to, while it is valid. */
    public Optional<AgentInfo> agentFor(String token) {
        if (token == null) {
            return Optional.empty();
        }
        Held held = sessions.getIfPresent(token);
        if (held == null) {
            held = promote(token);
            if (held == null) {
                return Optional.empty();
            }
        }
        long now = clock.millis();
        if (now - held.createdAt() >= maxAgeMillis
                || !held.credential().equals(credentials.get(held.agent().id()))) {
            end(token, held);
            return Optional.empty();
        }
        if (now - held.storedAt() > refreshMillis) {
            Held fresh = new Held(held.agent(), held.tokenHash(), now, held.createdAt(), held.credential());
            synchronized (this) { // against a sign-out in between: never store a session it ended
                if (sessions.asMap().replace(token, held, fresh)) {
                    stored(fresh);
                }
            }
        }
        return Optional.of(held.agent());
    }

    /** A restored session shown for the first time becomes an ordinary one; null if there is none. */
    private Held promote(String token) {
        if (restored.asMap().isEmpty()) {
            return null; // the usual case: no hashing for an unknown token
        }
        String hash = JdbcRows.tokenHash(token);
        Restored kept = restored.asMap().remove(hash);
        Optional<AgentInfo> agent =
                kept == null || disabled.contains(kept.agentId()) ? Optional.empty() : agentInfo(kept.agentId());
        if (agent.isEmpty()) {
            return null;
        }
        // stored again at once (storedAt 0): its last use is now
        Held held = new Held(agent.get(), hash, 0, kept.createdAt(), kept.credential());
        return sessions.asMap().putIfAbsent(token, held) == null ? held : sessions.getIfPresent(token);
    }

    /** Ends a session that outlived its absolute lifetime or its credential, here and in the store. */
    private void end(String token, Held held) {
        synchronized (this) {
            if (sessions.asMap().remove(token, held)) {
                store.deleteAgentSession(held.tokenHash());
                log.info(
                        "agent {}'s session ended: {}",
                        held.agent().id(),
                        held.credential().equals(credentials.get(held.agent().id()))
                                ? "older than the session lifetime"
                                : "the password changed");
            }
        }
    }

    private CompletableFuture<Void> stored(Held held) {
        return store.saveAgentSession(new ConversationStore.AgentSession(
                        held.tokenHash(),
                        held.agent().id(),
                        Instant.ofEpochMilli(held.storedAt()),
                        held.credential(),
                        Instant.ofEpochMilli(held.createdAt())))
                .whenComplete((ok, error) -> {
                    if (error != null) {
                        log.warn(
                                "agent {}'s session could not be stored; it ends with this process: {}",
                                held.agent().id(),
                                error.getMessage());
                    }
                });
    }

    /** Signs out: the token stops working at once, here and after a restart. True if it was valid. */
    public boolean logout(String token) {
        if (token == null) {
            return false;
        }
        String hash;
        synchronized (this) {
            Held held = sessions.asMap().remove(token);
            if (held != null) {
                hash = held.tokenHash();
            } else if (!restored.asMap().isEmpty() && restored.asMap().remove(JdbcRows.tokenHash(token)) != null) {
                hash = JdbcRows.tokenHash(token);
            } else {
                return false;
            }
            store.deleteAgentSession(hash);
        }
        return true;
    }

    /**
     * Disables an agent account: it can no longer sign in, and every token it holds stops
     * working. Returns those tokens (so their sockets can be closed), or empty for an unknown id.
     */
    public Optional<List<String>> disable(String agentId) {
        if (byUsername.values().stream().noneMatch(a -> a.id().equals(agentId))) {
            return Optional.empty();
        }
        disabled.add(agentId);
        List<String> tokens = new ArrayList<>();
        synchronized (this) {
            sessions.asMap().forEach((token, held) -> {
                if (held.agent().id().equals(agentId)) {
                    tokens.add(token);
                }
            });
            tokens.forEach(sessions::invalidate);
            restored.asMap().values().removeIf(r -> r.agentId().equals(agentId));
            store.deleteAgentSessionsOf(agentId);
            remember(agentId, true);
        }
        log.info("agent {} disabled, {} sessions ended", agentId, tokens.size());
        return Optional.of(List.copyOf(tokens));
    }

    /**
     * Lets a disabled agent sign in again (their earlier sessions stay ended). False for an
     * unknown id.
     */
    public boolean enable(String agentId) {
        if (agentInfo(agentId).isEmpty()) {
            return false;
        }
        synchronized (this) {
            disabled.remove(agentId);
            remember(agentId, false);
        }
        log.info("agent {} enabled", agentId);
        return true;
    }

    /** Stores that the agent is disabled or not, so that a restart keeps it. */
    private void remember(String agentId, boolean isDisabled) {
        store.saveAgentDisabled(agentId, isDisabled, clock.instant()).whenComplete((ok, error) -> {
            if (error != null) {
                log.error(
                        "agent {} is {} only until a restart: the store failed: {}",
                        agentId,
                        isDisabled ? "disabled" : "enabled",
                        error.getMessage());
            }
        });
    }

    /**
     * Adds an agent (admin API). False when the id or username is taken.
     */
    public synchronized boolean add(AgentAccount account) {
        boolean taken = byUsername.containsKey(account.username())
                || byUsername.values().stream().anyMatch(a -> a.id().equals(account.id()));
        if (taken) {
            return false;
        }
        byUsername.put(account.username(), account);
        credentials.put(account.id(), PasswordHasher.fingerprint(account.passwordHash()));
        int rounds = PasswordHasher.iterations(account.passwordHash()).orElse(0);
        if (rounds > PasswordHasher.iterations(dummyHash).orElse(0)) {
            dummyHash = PasswordHasher.unmatchable(rounds);
        }
        log.info("agent {} created", account.id());
        return true;
    }

    /** Every account, for writing the agents file back. */
    public List<AgentAccount> accounts() {
        return byUsername.values().stream()
                .sorted(Comparator.comparing(AgentAccount::id))
                .toList();
    }

    /** The departments of the agent with this id. */
    public Set<String> departments(String agentId) {
        return byUsername.values().stream()
                .filter(a -> a.id().equals(agentId))
                .findFirst()
                .map(a -> Set.copyOf(a.departments()))
                .orElse(Set.of());
    }

    /** The public identity of the agent with this id. */
    public Optional<AgentInfo> agentInfo(String agentId) {
        return byUsername.values().stream()
                .filter(a -> a.id().equals(agentId))
                .findFirst()
                .map(AgentAccount::info);
    }

    /** A successful sign-in. */
    public record Login(String token, AgentInfo agent) {}

    /** The PBKDF2 rounds an unknown username's password check costs, for tests. */
    int unknownUserRounds() {
        return PasswordHasher.iterations(dummyHash).orElseThrow();
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
