package dev.concierge.store;

import dev.concierge.protocol.TranscriptEvent;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link IntegrationStore} of {@link JdbcConversationStore}: webhook endpoints, the webhook
 * outbox and its log ({@link JdbcWebhooks} holds their SQL), API keys and the conversation
 * listing. Reads go through the store's readers; every write is one write of the store's one
 * writer, so one transaction, fenced in a cluster as all the store's writes are.
 */
final class JdbcIntegrations implements IntegrationStore {
    static final String KEY_COLUMNS = "id, kind, site, scopes, acts_as_agent, integration, name, secret_sha256,"
            + " created_at, created_by, expires_at, revoked_at, last_used_at";
    static final String INSERT_KEY =
            "INSERT INTO api_keys (" + KEY_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static final String SELECT_KEYS = "SELECT " + KEY_COLUMNS + " FROM api_keys";
    static final String REVOKE_KEY = "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
    static final String KEY_USED = "UPDATE api_keys SET last_used_at = ? WHERE id = ?";
    static final String SELECT_LISTED =
            "SELECT " + JdbcRows.CONVERSATION_COLUMNS + ", updated_at FROM conversations WHERE 1 = 1";

    private final JdbcWriter writer;
    private final JdbcReaders readers;
    private final JdbcRows rows;
    private final Clock clock;
    private final JdbcWebhooks webhooks = new JdbcWebhooks();

    JdbcIntegrations(JdbcWriter writer, JdbcReaders readers, JdbcRows rows, Clock clock) {
        this.writer = writer;
        this.readers = readers;
        this.rows = rows;
        this.clock = clock;
    }

    /** The webhook rows of an append; see {@link JdbcWebhooks#enqueue}. */
    List<Object[][]> enqueue(String conversationId, List<TranscriptEvent> events, List<OutboundWebhook> outbound) {
        return webhooks.enqueue(conversationId, events, outbound);
    }

    // ---- endpoints ---------------------------------------------------------------------------

    @Override
    public List<Endpoint> endpoints(Optional<String> site) {
        String sql = JdbcWebhooks.SELECT_ENDPOINTS
                + (site.isPresent() ? " WHERE site = ?" : "")
                + JdbcWebhooks.ORDER_ENDPOINTS;
        return list(
                "webhook endpoints",
                sql,
                JdbcWebhooks::endpoint,
                site.isPresent() ? new Object[] {site.get()} : new Object[0]);
    }

    @Override
    public Optional<Endpoint> endpoint(String id) {
        return first(
                "webhook endpoint " + id, JdbcWebhooks.SELECT_ENDPOINTS + " WHERE id = ?", JdbcWebhooks::endpoint, id);
    }

    @Override
    public CompletableFuture<Void> insertEndpoint(Endpoint endpoint) {
        Object[] params = JdbcWebhooks.endpointParams(endpoint);
        return writer.submit(
                "store webhook endpoint " + endpoint.id(), tx -> tx.add(JdbcWebhooks.INSERT_ENDPOINT, params));
    }

    @Override
    public CompletableFuture<Boolean> updateEndpoint(Endpoint changed, long expectedVersion) {
        if (changed.version() != expectedVersion + 1) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "version: must be " + (expectedVersion + 1) + ", was " + changed.version()));
        }
        Object[] params = JdbcWebhooks.updateParams(changed, expectedVersion);
        String sql = changed.state() == EndpointState.ACTIVE
                ? JdbcWebhooks.UPDATE_ENDPOINT_TO_ACTIVE
                : JdbcWebhooks.UPDATE_ENDPOINT;
        return changed("update webhook endpoint " + changed.id(), sql, params, tx -> {});
    }

    @Override
    public CompletableFuture<Boolean> deleteEndpoint(String id) {
        Object now = JdbcRows.micros(clock.instant());
        return changed(
                "delete webhook endpoint " + id,
                JdbcWebhooks.DELETE_ENDPOINT,
                new Object[] {id},
                tx -> tx.add(JdbcWebhooks.CANCEL_OF_ENDPOINT, now, id));
    }

    @Override
    public CompletableFuture<Boolean> pauseEndpoint(String id, String reason, Instant at) {
        Object when = JdbcRows.micros(Objects.requireNonNull(at, "at"));
        return changed(
                "pause webhook endpoint " + id,
                JdbcWebhooks.PAUSE,
                new Object[] {when, JdbcRows.text(reason), when, id},
                tx -> {});
    }

    @Override
    public CompletableFuture<Boolean> pauseEndpoint(
            String id, String reason, Instant at, List<ConversationStore.OutboundMail> mails) {
        if (mails.isEmpty()) {
            return pauseEndpoint(id, reason, at);
        }
        Object when = JdbcRows.micros(Objects.requireNonNull(at, "at"));
        Object[] pause = {when, JdbcRows.text(reason), when, id};
        List<Object[]> rows = mails.stream()
                .map(m -> {
                    Object[] insert = JdbcOutbox.insertParams(m);
                    Object[] row = java.util.Arrays.copyOf(insert, insert.length + 1);
                    row[insert.length] = id;
                    return row;
                })
                .toList();
        AtomicInteger count = new AtomicInteger();
        return writer.submit("pause webhook endpoint " + id + " with " + rows.size() + " email(s)", tx -> {
                    count.set(0); // a write retried alone runs again
                    // The mails first: both statements see the endpoint as it was before the pause.
                    for (Object[] row : rows) {
                        tx.add(JdbcOutbox.INSERT_IF_ENDPOINT_ACTIVE, row);
                    }
                    tx.addCounted(JdbcWebhooks.PAUSE_AFTER_ALERTS, count::addAndGet, pause);
                })
                .thenApply(v -> count.get() > 0);
    }

    @Override
    public long waitingDeliveries(String endpointId) {
        return first("waiting deliveries of " + endpointId, JdbcWebhooks.COUNT_WAITING, rs -> rs.getLong(1), endpointId)
                .orElse(0L);
    }

    @Override
    public CompletableFuture<Boolean> resumeEndpoint(String id, Instant at, Optional<Instant> redeliverExpiredSince) {
        Object when = JdbcRows.micros(Objects.requireNonNull(at, "at"));
        Optional<Object> since = redeliverExpiredSince.map(JdbcRows::micros);
        return changed("resume webhook endpoint " + id, JdbcWebhooks.RESUME, new Object[] {when, id}, tx -> {
            if (since.isPresent()) {
                tx.add(JdbcWebhooks.REDELIVER_EXPIRED, when, id, since.get());
            }
        });
    }

    // ---- the outbox --------------------------------------------------------------------------

    @Override
    public List<DueDelivery> dueDeliveries(Instant now, int limit, Set<String> skipped) {
        positive(limit);
        List<Object> params = new ArrayList<>();
        params.add(JdbcRows.micros(Objects.requireNonNull(now, "now")));
        params.addAll(List.copyOf(skipped));
        params.add(limit);
        return list(
                "due webhook deliveries",
                JdbcWebhooks.selectHeadsSkipping(skipped.size()),
                JdbcWebhooks::due,
                params.toArray());
    }

    @Override
    public CompletableFuture<Set<String>> claimDeliveries(List<Claim> claims) {
        return writer.submitClaims(
                "claim " + claims.size() + " webhook deliveries", claims, Claim::deliveryId, (tx, c, count) -> {
                    Object started = JdbcRows.micros(c.startedAt());
                    Object deadline = JdbcRows.micros(c.deadlineAt());
                    tx.addCounted(JdbcWebhooks.CLAIM, count, c.attempt(), started, deadline, c.deliveryId());
                    tx.add(
                            JdbcWebhooks.INSERT_ATTEMPT,
                            c.deliveryId(),
                            c.attempt(),
                            c.node(),
                            started,
                            c.deliveryId(),
                            c.attempt());
                });
    }

    @Override
    public CompletableFuture<Optional<Endpoint>> deliveryDone(Outcome o) {
        if (o.result() == Result.RETRY && o.nextAttemptAt() == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("nextAttemptAt: required for a retry"));
        }
        Object at = JdbcRows.micros(Objects.requireNonNull(o.at(), "at"));
        Object error = JdbcWebhooks.clip(o.error(), MAX_ERROR);
        Object status = JdbcRows.integer(o.status());
        boolean delivered = o.result() == Result.DELIVERED;
        Object next = o.result() == Result.RETRY ? JdbcRows.micros(o.nextAttemptAt()) : at;
        Object[] delivery = {
            JdbcRows.wire(
                    o.result() == Result.RETRY
                            ? DeliveryState.PENDING
                            : DeliveryState.valueOf(o.result().name())),
            next,
            delivered ? at : JdbcRows.NULL_BIGINT,
            status,
            error,
            o.deliveryId(),
            o.attempt()
        };
        Object[] attempt = {
            o.durationMillis(),
            JdbcRows.text(o.address()),
            status,
            error,
            JdbcWebhooks.clip(o.response(), MAX_RESPONSE),
            o.deliveryId(),
            o.attempt()
        };
        return writer.submit("record the outcome of webhook delivery " + o.deliveryId(), tx -> {
                    tx.add(JdbcWebhooks.OUTCOME, delivery);
                    if (o.result() != Result.RETRY) {
                        tx.add(JdbcWebhooks.UNPARK_AFTER_OUTCOME, at, o.deliveryId());
                    }
                    tx.add(JdbcWebhooks.ATTEMPT_OUTCOME, attempt);
                    if (delivered) {
                        tx.add(JdbcWebhooks.ENDPOINT_SUCCESS, at, o.endpointId());
                    } else {
                        tx.add(JdbcWebhooks.ENDPOINT_FAILURE, at, o.endpointId());
                    }
                })
                .thenApplyAsync(v -> endpoint(o.endpointId())); // a read: never on the writer's thread
    }

    @Override
    public List<Delivery> deliveries(
            String endpointId, DeliveryState state, String conversationId, Cursor after, int limit) {
        positive(limit);
        StringBuilder sql = new StringBuilder(JdbcWebhooks.SELECT_LOG);
        List<Object> params = new ArrayList<>(List.of(endpointId));
        if (state != null) {
            sql.append(" AND d.state = ?");
            params.add(state.wire());
        }
        if (conversationId != null) {
            sql.append(" AND d.conversation_id = ?");
            params.add(conversationId);
        }
        after(sql, params, after, "d.created_at", "d.id", false);
        sql.append(JdbcWebhooks.ORDER_LOG);
        params.add(limit);
        return list("webhook deliveries of " + endpointId, sql.toString(), JdbcWebhooks::delivery, params.toArray());
    }

    @Override
    public Optional<Delivery> delivery(String id) {
        return first("webhook delivery " + id, JdbcWebhooks.SELECT_DELIVERY, JdbcWebhooks::delivery, id);
    }

    @Override
    public List<Attempt> attempts(String deliveryId) {
        return list("attempts of " + deliveryId, JdbcWebhooks.SELECT_ATTEMPTS, JdbcWebhooks::attempt, deliveryId);
    }

    @Override
    public CompletableFuture<Boolean> redeliver(String deliveryId, Instant now) {
        return deliveryChange("redeliver", JdbcWebhooks.REDELIVER, deliveryId, now, null);
    }

    @Override
    public CompletableFuture<Boolean> cancelDelivery(String deliveryId, Instant now) {
        return deliveryChange("cancel", JdbcWebhooks.CANCEL, deliveryId, now, JdbcWebhooks.UNPARK_AFTER_CANCEL);
    }

    @Override
    public CompletableFuture<Integer> unparkLaneHeads(Instant now) {
        Object at = JdbcRows.micros(Objects.requireNonNull(now, "now"));
        if (list("parked lane heads", JdbcWebhooks.ANY_PARKED_HEAD, rs -> 1).isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        AtomicInteger count = new AtomicInteger();
        return writer.submit("make parked lane heads due", tx -> {
                    count.set(0); // a write retried alone runs again
                    tx.addCounted(JdbcWebhooks.UNPARK_HEADS, count::addAndGet, at);
                })
                .thenApply(v -> count.get());
    }

    /** {@code sql} on one delivery at {@code now}, then {@code after} (if not null) with the same parameters. */
    private CompletableFuture<Boolean> deliveryChange(
            String verb, String sql, String deliveryId, Instant now, String after) {
        Object[] params = {JdbcRows.micros(Objects.requireNonNull(now, "now")), deliveryId};
        return changed(verb + " webhook delivery " + deliveryId, sql, params, tx -> {
            if (after != null) {
                tx.add(after, params);
            }
        });
    }

    // ---- API keys ----------------------------------------------------------------------------

    @Override
    public Optional<ApiKeyRecord> apiKey(String id) {
        return first("API key " + id, SELECT_KEYS + " WHERE id = ?", JdbcIntegrations::apiKey, id);
    }

    @Override
    public List<ApiKeyRecord> apiKeys() {
        return list("API keys", SELECT_KEYS + " ORDER BY created_at DESC, id DESC", JdbcIntegrations::apiKey);
    }

    @Override
    public CompletableFuture<Void> insertApiKey(ApiKeyRecord k) {
        Object[] params = {
            k.id(),
            k.kind(),
            JdbcRows.text(k.site()),
            String.join(",", k.scopes()),
            JdbcRows.text(k.actsAsAgent()),
            JdbcRows.text(k.integration()),
            k.name(),
            k.secretSha256(),
            JdbcRows.micros(k.createdAt()),
            k.createdBy(),
            JdbcRows.micros(k.expiresAt()),
            JdbcRows.micros(k.revokedAt()),
            JdbcRows.micros(k.lastUsedAt())
        };
        return writer.submit("store API key " + k.id(), tx -> tx.add(INSERT_KEY, params));
    }

    @Override
    public CompletableFuture<Boolean> revokeApiKey(String id, Instant at) {
        Object[] params = {JdbcRows.micros(Objects.requireNonNull(at, "at")), id};
        return changed("revoke API key " + id, REVOKE_KEY, params, tx -> {});
    }

    @Override
    public CompletableFuture<Void> apiKeyUsed(String id, Instant at) {
        Object[] params = {JdbcRows.micros(Objects.requireNonNull(at, "at")), id};
        return writer.submit("record the use of API key " + id, tx -> tx.add(KEY_USED, params));
    }

    private static ApiKeyRecord apiKey(ResultSet rs) throws SQLException {
        String scopes = rs.getString(4);
        return new ApiKeyRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                scopes.isEmpty() ? List.of() : List.of(scopes.split(",")),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8),
                JdbcRows.instant(rs, 9),
                rs.getString(10),
                JdbcRows.instant(rs, 11),
                JdbcRows.instant(rs, 12),
                JdbcRows.instant(rs, 13));
    }

    // ---- the conversation listing ------------------------------------------------------------

    @Override
    public List<ListedConversation> conversations(ConversationQuery q) {
        positive(q.limit());
        StringBuilder sql = new StringBuilder(SELECT_LISTED);
        List<Object> params = new ArrayList<>();
        where(sql, params, "site = ?", q.site());
        where(sql, params, "state = ?", q.state() == null ? null : JdbcRows.wire(q.state()));
        where(sql, params, "department = ?", q.department());
        where(sql, params, "agent_id = ?", q.agentId());
        where(sql, params, "updated_at >= ?", q.since() == null ? null : JdbcRows.micros(q.since()));
        where(sql, params, "updated_at < ?", q.until() == null ? null : JdbcRows.micros(q.until()));
        after(sql, params, q.after(), "updated_at", "id", q.oldestFirst());
        sql.append(q.oldestFirst() ? " ORDER BY updated_at, id LIMIT ?" : " ORDER BY updated_at DESC, id DESC LIMIT ?");
        params.add(q.limit());
        return list(
                "conversations",
                sql.toString(),
                rs -> new ListedConversation(rows.conversation(rs), JdbcRows.instant(rs, 14)),
                params.toArray());
    }

    private static void where(StringBuilder sql, List<Object> params, String condition, Object value) {
        if (value != null) {
            sql.append(" AND ").append(condition);
            params.add(value);
        }
    }

    /**
     * Keeps the rows after {@code cursor} in a list sorted by {@code time} then {@code id}, both
     * descending, or both ascending.
     */
    private static void after(
            StringBuilder sql, List<Object> params, Cursor cursor, String time, String id, boolean ascending) {
        if (cursor != null) {
            Object at = JdbcRows.micros(cursor.at());
            String beyond = ascending ? " > ?" : " < ?";
            sql.append(" AND (")
                    .append(time)
                    .append(beyond)
                    .append(" OR (")
                    .append(time)
                    .append(" = ? AND ")
                    .append(id)
                    .append(beyond)
                    .append("))");
            params.addAll(List.of(at, at, cursor.id()));
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** Maps the row at a result set's cursor. */
    private interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private <T> List<T> list(String what, String sql, Row<T> row, Object... params) {
        return readers.read(what, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                JdbcRows.bind(ps, params);
                List<T> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(row.map(rs));
                    }
                }
                return List.copyOf(out);
            }
        });
    }

    private <T> Optional<T> first(String what, String sql, Row<T> row, Object... params) {
        return list(what, sql, row, params).stream().findFirst();
    }

    /**
     * One write: {@code sql}, counted, then {@code more}; completes with whether {@code sql}
     * changed a row.
     */
    private CompletableFuture<Boolean> changed(String what, String sql, Object[] params, JdbcWriter.Write more) {
        AtomicInteger count = new AtomicInteger();
        return writer.submit(what, tx -> {
                    count.set(0); // a write retried alone runs again
                    tx.addCounted(sql, count::addAndGet, params);
                    more.apply(tx);
                })
                .thenApply(v -> count.get() > 0);
    }

    private static void positive(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
    }
}
