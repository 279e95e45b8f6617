package dev.concierge.server.auth;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.store.ConversationStore;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The team behind {@link AgentAuth}: the agent accounts by username, each agent's current
 * credential (the {@linkplain PasswordHasher#fingerprint fingerprint} of its password hash), the
 * disabled agents (kept in the store too, {@link ConversationStore#saveAgentDisabled}), and the
 * hash an unknown username's password is checked against.
 */
final class AgentTeam {
    /** Logs as {@link AgentAuth}: one logger for agent authentication. */
    private static final Logger log = LoggerFactory.getLogger(AgentAuth.class);

    private final Map<String, AgentAccount> byUsername;
    /** Each agent's current credential, by agent id: the fingerprint of its password hash. */
    private final Map<String, String> credentials = new ConcurrentHashMap<>();

    private final Set<String> disabled = ConcurrentHashMap.newKeySet();
    private final ConversationStore store;
    private final Clock clock;
    /** What an unknown username's password is checked against: as slow as a real hash. */
    private volatile String dummyHash;

    AgentTeam(List<AgentAccount> accounts, ConversationStore store, Clock clock) {
        this.byUsername = new ConcurrentHashMap<>(
                accounts.stream().collect(Collectors.toUnmodifiableMap(AgentAccount::username, Function.identity())));
        accounts.forEach(a -> credentials.put(a.id(), PasswordHasher.fingerprint(a.passwordHash())));
        this.dummyHash = PasswordHasher.unmatchable(slowest(accounts));
        this.store = store;
        this.clock = clock;
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

    /** The account signing in as {@code username}, if there is one. */
    Optional<AgentAccount> account(String username) {
        return Optional.ofNullable(byUsername.get(username));
    }

    /** What an unknown username's password is checked against: as slow as a real hash. */
    String dummyHash() {
        return dummyHash;
    }

    /** The fingerprint of the agent's current password hash; null for an unknown id. */
    String credential(String agentId) {
        return credentials.get(agentId);
    }

    /** True if the agent is disabled. */
    boolean isDisabled(String agentId) {
        return disabled.contains(agentId);
    }

    /** Takes back the agents the store keeps disabled. */
    void restoreDisabled() {
        disabled.addAll(store.disabledAgents());
    }

    /** True if an account has this id. */
    boolean has(String agentId) {
        return byUsername.values().stream().anyMatch(a -> a.id().equals(agentId));
    }

    /** Disables the agent, or enables it again, here and in the store. */
    synchronized void setDisabled(String agentId, boolean isDisabled) {
        if (isDisabled) {
            disabled.add(agentId);
        } else {
            disabled.remove(agentId);
        }
        remember(agentId, isDisabled);
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

    /** Adds an agent. False when the id or username is taken. */
    synchronized boolean add(AgentAccount account) {
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

    /** Every account, by id. */
    List<AgentAccount> accounts() {
        return byUsername.values().stream()
                .sorted(Comparator.comparing(AgentAccount::id))
                .toList();
    }

    /** The departments of the agent with this id. */
    Set<String> departments(String agentId) {
        return byUsername.values().stream()
                .filter(a -> a.id().equals(agentId))
                .findFirst()
                .map(a -> Set.copyOf(a.departments()))
                .orElse(Set.of());
    }

    /** The public identity of the agent with this id. */
    Optional<AgentInfo> agentInfo(String agentId) {
        return byUsername.values().stream()
                .filter(a -> a.id().equals(agentId))
                .findFirst()
                .map(AgentAccount::info);
    }
}
