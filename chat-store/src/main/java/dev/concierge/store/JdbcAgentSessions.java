package dev.concierge.store;

import dev.concierge.store.ConversationStore.AgentSession;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Agents' sessions and disabled agents for {@link JdbcConversationStore}: tokens kept only as
 * their SHA-256, so a sign-in survives a restart, and the agents an admin disabled. Writes go
 * through the store's writer, reads through its readers.
 */
final class JdbcAgentSessions {
    private final JdbcWriter writer;
    private final JdbcReaders readers;

    JdbcAgentSessions(JdbcWriter writer, JdbcReaders readers) {
        this.writer = writer;
        this.readers = readers;
    }

    CompletableFuture<Void> save(AgentSession session) {
        Object[] params = {
            Objects.requireNonNull(session.tokenHash(), "tokenHash"),
            Objects.requireNonNull(session.agentId(), "agentId"),
            JdbcRows.micros(session.lastUsed()),
            Objects.requireNonNull(session.credential(), "credential"),
            JdbcRows.micros(session.createdAt())
        };
        return writer.submit(
                "save a session of agent " + session.agentId(), tx -> tx.add(JdbcRows.UPSERT_AGENT_SESSION, params));
    }

    CompletableFuture<Void> delete(String tokenHash) {
        Objects.requireNonNull(tokenHash, "tokenHash");
        return writer.submit("delete an agent session", tx -> tx.add(JdbcRows.DELETE_AGENT_SESSION, tokenHash));
    }

    CompletableFuture<Void> deleteAllOf(String agentId) {
        Objects.requireNonNull(agentId, "agentId");
        return writer.submit(
                "delete the sessions of agent " + agentId, tx -> tx.add(JdbcRows.DELETE_AGENT_SESSIONS_OF, agentId));
    }

    List<AgentSession> usedSince(Instant since) {
        Object cutoff = JdbcRows.micros(Objects.requireNonNull(since, "since"));
        writer.submit(
                "delete agent sessions idle since before " + since,
                tx -> tx.add(JdbcRows.DELETE_AGENT_SESSIONS_BEFORE, cutoff));
        return readers.read("agent sessions", c -> {
            try (PreparedStatement ps = c.prepareStatement(JdbcRows.SELECT_AGENT_SESSIONS)) {
                ps.setObject(1, cutoff);
                List<AgentSession> sessions = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        sessions.add(new AgentSession(
                                rs.getString(1),
                                rs.getString(2),
                                JdbcRows.instant(rs, 3),
                                rs.getString(4),
                                JdbcRows.instant(rs, 5)));
                    }
                }
                return sessions;
            }
        });
    }

    CompletableFuture<Void> saveDisabled(String agentId, boolean disabled, Instant at) {
        Objects.requireNonNull(agentId, "agentId");
        Object when = JdbcRows.micros(Objects.requireNonNull(at, "at"));
        return writer.submit((disabled ? "disable agent " : "enable agent ") + agentId, tx -> {
            if (disabled) {
                tx.add(JdbcRows.UPSERT_DISABLED_AGENT, agentId, when);
            } else {
                tx.add(JdbcRows.DELETE_DISABLED_AGENT, agentId);
            }
        });
    }

    List<String> disabled() {
        return readers.read("disabled agents", c -> {
            try (PreparedStatement ps = c.prepareStatement(JdbcRows.SELECT_DISABLED_AGENTS);
                    ResultSet rs = ps.executeQuery()) {
                List<String> ids = new ArrayList<>();
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
                return ids;
            }
        });
    }
}
