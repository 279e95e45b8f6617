package dev.concierge.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.server.support.Ids;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.JdbcRows;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents' sessions, by token. Tokens live in a Caffeine cache that expires them after a
 * period without use, and in the store (only their SHA-256, see
 * {@link ConversationStore#saveAgentSession}), so that a restart does not sign every agent out:
 * a starting server {@link #restore restores} the sessions used within that period, and a
 * restored token becomes an ordinary one the first time it is shown.
 *
 * <p>A session also ends, however often it is used, once it is older than the absolute
 * lifetime, and as soon as its agent's password hash is not the one it was signed in with (each
 * session keeps a {@linkplain PasswordHasher#fingerprint fingerprint} of that hash, in the store
 * too, so this holds across a restart).
 */
final class AgentSessions {
    /** Logs as {@link AgentAuth}: one logger for agent authentication. */
    private static final Logger log = LoggerFactory.getLogger(AgentAuth.class);

    /** Told of each session opened or signed out here (a cluster shares them); nothing by default. */
    private volatile AgentAuth.SessionEvents events = AgentAuth.SessionEvents.NONE;

    /** The sessions by token. */
    private final Cache<String, Held> sessions;
    /** Sessions from before a restart, by token hash, until their token is first shown. */
    private final Cache<String, Restored> restored;

    private final AgentTeam team;
    private final Ids ids;
    private final ConversationStore store;
    private final Clock clock;
    /** How stale a session's stored last use may get before it is written again. */
    private final long refreshMillis;
    /** The absolute session lifetime: a session older than this ends, used or not. */
    private final long maxAgeMillis;

    /**
     * A session: its agent, its token's hash, when its last use was last stored, when it was
     * signed in (epoch millis), and the fingerprint of the password hash it was signed in with.
     */
    private record Held(AgentInfo agent, String tokenHash, long storedAt, long createdAt, String credential) {}

    /** A session from before a restart, not shown since. */
    private record Restored(String agentId, long createdAt, String credential) {}

    AgentSessions(
            AgentTeam team,
            Duration sessionTtl,
            Duration sessionMaxAge,
            Ticker ticker,
            Ids ids,
            ConversationStore store,
            Clock clock) {
        this.team = team;
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

    /**
     * A new session for an agent that just signed in: its token, answered once the session would
     * survive a crash, as messages are (or after 10 s, or once storing it failed).
     */
    String open(AgentAccount account) {
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
            events.opened(record(held)); // the other nodes of a cluster learn it before the token is answered
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // stored() logged it: the session works, until a restart
        }
        return token;
    }

    /**
     * Takes back the sessions a store kept from before a restart (those used within the session
     * lifetime); sessions of unknown or disabled agents are dropped. Returns how many it took.
     */
    int restore(List<ConversationStore.AgentSession> kept) {
        int taken = 0;
        long now = clock.millis();
        for (ConversationStore.AgentSession session : kept) {
            if (team.agentInfo(session.agentId()).isEmpty() || team.isDisabled(session.agentId())) {
                continue;
            }
            long createdAt = session.createdAt().toEpochMilli();
            if (!session.credential().equals(team.credential(session.agentId())) || now - createdAt >= maxAgeMillis) {
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
    Optional<AgentInfo> agentFor(String token) {
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
                || !held.credential().equals(team.credential(held.agent().id()))) {
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
                kept == null || team.isDisabled(kept.agentId()) ? Optional.empty() : team.agentInfo(kept.agentId());
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
                        held.credential().equals(team.credential(held.agent().id()))
                                ? "older than the session lifetime"
                                : "the password changed");
            }
        }
    }

    private static ConversationStore.AgentSession record(Held held) {
        return new ConversationStore.AgentSession(
                held.tokenHash(),
                held.agent().id(),
                Instant.ofEpochMilli(held.storedAt()),
                held.credential(),
                Instant.ofEpochMilli(held.createdAt()));
    }

    /** Tells {@code events} of every session opened or signed out here from now on. */
    void share(AgentAuth.SessionEvents events) {
        this.events = Objects.requireNonNull(events, "events");
    }

    private CompletableFuture<Void> stored(Held held) {
        return store.saveAgentSession(record(held)).whenComplete((ok, error) -> {
            if (error != null) {
                log.warn(
                        "agent {}'s session could not be stored; it ends with this process: {}",
                        held.agent().id(),
                        error.getMessage());
            }
        });
    }

    /** Signs out: the token stops working at once, here and after a restart. True if it was valid. */
    boolean logout(String token) {
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
        events.signedOut(hash);
        return true;
    }

    /**
     * Ends the session with this token hash (signed out on another node of the cluster): here
     * only, the store already forgot it. Returns its token if this node held it.
     */
    synchronized List<String> endHashed(String tokenHash) {
        restored.invalidate(tokenHash);
        List<String> tokens = new ArrayList<>();
        sessions.asMap().forEach((token, held) -> {
            if (held.tokenHash().equals(tokenHash)) {
                tokens.add(token);
            }
        });
        tokens.forEach(sessions::invalidate);
        return tokens;
    }

    /** Ends every session of the agent, here and in the store; returns their tokens. */
    synchronized List<String> endAllOf(String agentId) {
        List<String> tokens = new ArrayList<>();
        sessions.asMap().forEach((token, held) -> {
            if (held.agent().id().equals(agentId)) {
                tokens.add(token);
            }
        });
        tokens.forEach(sessions::invalidate);
        restored.asMap().values().removeIf(r -> r.agentId().equals(agentId));
        store.deleteAgentSessionsOf(agentId);
        return tokens;
    }
}
