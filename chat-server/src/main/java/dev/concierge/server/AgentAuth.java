package dev.concierge.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.protocol.Values.AgentInfo;
import java.time.Duration;
import java.util.List;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent sign-in: password to a short-lived session token. Tokens live in a Caffeine cache that
 * expires them after a period without use. Password checks are slow on purpose: call
 * {@link #login} off the event loops.
 */
final class AgentAuth {
    private static final Logger log = LoggerFactory.getLogger(AgentAuth.class);

    private final Map<String, AgentAccount> byUsername;
    private final Cache<String, AgentInfo> sessions;
    private final Ids ids;
    private final Set<String> disabled = ConcurrentHashMap.newKeySet();

    AgentAuth(List<AgentAccount> accounts, Duration sessionTtl, Ticker ticker, Ids ids) {
        this.byUsername = new ConcurrentHashMap<>(accounts.stream()
                .collect(Collectors.toUnmodifiableMap(AgentAccount::username, Function.identity())));
        // Every agent frame reads this cache; its upkeep (expiry) runs on the reading thread
        // rather than being handed to ForkJoinPool.commonPool(), a thread hop per few reads.
        this.sessions = Caffeine.newBuilder().expireAfterAccess(sessionTtl).ticker(ticker)
                .executor(Runnable::run).build();
        this.ids = ids;
    }

    /** A new session token for right credentials. */
    Optional<Login> login(String username, String password) {
        AgentAccount account = byUsername.get(username);
        // Hash even for unknown users so timing does not tell which usernames exist.
        String hash = account != null ? account.passwordHash() : DUMMY_HASH;
        boolean ok = PasswordHasher.verify(password, hash) && account != null && !disabled.contains(account.id());
        if (!ok) {
            log.warn("agent sign-in failed for a username of {} characters", username.length());
            return Optional.empty();
        }
        String token = ids.sessionToken();
        sessions.put(token, account.info());
        log.info("agent {} signed in", account.id());
        return Optional.of(new Login(token, account.info()));
    }

    /** The agent a session token belongs to, while it is valid. */
    Optional<AgentInfo> agentFor(String token) {
        return token == null ? Optional.empty() : Optional.ofNullable(sessions.getIfPresent(token));
    }

    /** Signs out: the token stops working at once. True if it was valid. */
    boolean logout(String token) {
        return token != null && sessions.asMap().remove(token) != null;
    }

    /**
     * Disables an agent account: it can no longer sign in, and every token it holds stops
     * working. Returns those tokens (so their sockets can be closed), or empty for an unknown id.
     */
    Optional<List<String>> disable(String agentId) {
        if (byUsername.values().stream().noneMatch(a -> a.id().equals(agentId))) {
            return Optional.empty();
        }
        disabled.add(agentId);
        List<String> tokens = new ArrayList<>();
        sessions.asMap().forEach((token, agent) -> {
            if (agent.id().equals(agentId)) {
                tokens.add(token);
            }
        });
        tokens.forEach(sessions::invalidate);
        log.info("agent {} disabled, {} sessions ended", agentId, tokens.size());
        return Optional.of(List.copyOf(tokens));
    }

    /**
     * Adds an agent (admin API). False when the id or username is taken.
     */
    synchronized boolean add(AgentAccount account) {
        boolean taken = byUsername.containsKey(account.username())
                || byUsername.values().stream().anyMatch(a -> a.id().equals(account.id()));
        if (taken) {
            return false;
        }
        byUsername.put(account.username(), account);
        log.info("agent {} created", account.id());
        return true;
    }

    /** Every account, for writing the agents file back. */
    List<AgentAccount> accounts() {
        return byUsername.values().stream().sorted(java.util.Comparator.comparing(AgentAccount::id)).toList();
    }

    /** The departments of the agent with this id. */
    Set<String> departments(String agentId) {
        return byUsername.values().stream().filter(a -> a.id().equals(agentId)).findFirst()
                .map(a -> Set.copyOf(a.departments())).orElse(Set.of());
    }

    /** The public identity of the agent with this id. */
    Optional<AgentInfo> agentInfo(String agentId) {
        return byUsername.values().stream().filter(a -> a.id().equals(agentId)).findFirst().map(AgentAccount::info);
    }

    /** A successful sign-in. */
    record Login(String token, AgentInfo agent) {}

    private static final String DUMMY_HASH = PasswordHasher.hash("not-a-password", 1_000);
}
