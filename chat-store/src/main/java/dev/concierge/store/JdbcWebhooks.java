package dev.concierge.store;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.store.IntegrationStore.Attempt;
import dev.concierge.store.IntegrationStore.Delivery;
import dev.concierge.store.IntegrationStore.DeliveryState;
import dev.concierge.store.IntegrationStore.DueDelivery;
import dev.concierge.store.IntegrationStore.Endpoint;
import dev.concierge.store.IntegrationStore.EndpointState;
import dev.concierge.store.IntegrationStore.OutboundWebhook;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The SQL of the webhook tables (migration V16) for {@link JdbcIntegrations}, and the mapping of
 * their rows to the records of {@link IntegrationStore}.
 *
 * <p>A lane is (endpoint, conversation); its deliveries go out one at a time in (seq, sub)
 * order. A delivery written while its lane has an unfinished one is <em>parked</em>: its {@code
 * next_attempt_at} is {@link #PARKED} until the one before it finishes, when the write that
 * finishes it makes the next one due ({@link #UNPARK_AFTER_OUTCOME}, {@link
 * #UNPARK_AFTER_CANCEL}). So the due index holds the heads of lanes only, and the sender's
 * question ({@link #SELECT_HEADS}) costs one seek per due head, not one per row queued behind a
 * failing head. The {@code NOT EXISTS} of that question alone keeps the order; parking only
 * keeps followers out of its way.
 *
 * <p>The writer sends the executions of one statement together, statement after statement in the
 * order each was first prepared on its connection. Each unpark statement is therefore used only
 * right after the statement that finishes a row, so that it always runs after it, and it looks
 * for the lane's first unfinished row other than the finished one.
 */
final class JdbcWebhooks {
    /** The {@code next_attempt_at} of a parked delivery: never due by time. */
    static final long PARKED = Long.MAX_VALUE;

    private static final String UNFINISHED = "('pending', 'sending')";

    static final String ENDPOINT_COLUMNS = "id, site, url, description, event_types, secret, previous_secret,"
            + " previous_secret_until, max_in_flight, state, paused_at, paused_reason, failing_since,"
            + " consecutive_failures, last_success_at, created_at, updated_at, version";
    static final String SELECT_ENDPOINTS = "SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoints";
    static final String ORDER_ENDPOINTS = " ORDER BY created_at, id";
    static final String INSERT_ENDPOINT = "INSERT INTO webhook_endpoints (" + ENDPOINT_COLUMNS + ")"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /**
     * An admin's change: the columns the admin sets; the pause's columns only when the state
     * changes ({@code ?} 8 and 10 the new state); never the sender's failure counters, which its
     * outcomes move without a new version.
     */
    static final String UPDATE_ENDPOINT = "UPDATE webhook_endpoints SET url = ?, description = ?, event_types = ?,"
            + " secret = ?, previous_secret = ?, previous_secret_until = ?, max_in_flight = ?,"
            + " paused_at = CASE WHEN state = ? THEN paused_at ELSE ? END,"
            + " paused_reason = CASE WHEN state = ? THEN paused_reason ELSE ? END, state = ?,"
            + " updated_at = ?, version = ? WHERE id = ? AND version = ?";
    /** {@link #UPDATE_ENDPOINT} to the active state: one coming back from another state starts afresh, as a resume. */
    static final String UPDATE_ENDPOINT_TO_ACTIVE = UPDATE_ENDPOINT.replace(
            " state = ?,",
            " failing_since = CASE WHEN state = 'active' THEN failing_since ELSE NULL END,"
                    + " consecutive_failures = CASE WHEN state = 'active' THEN consecutive_failures ELSE 0 END,"
                    + " state = ?,");

    static final String DELETE_ENDPOINT = "DELETE FROM webhook_endpoints WHERE id = ?";
    static final String CANCEL_OF_ENDPOINT = "UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at = ?"
            + " WHERE endpoint_id = ? AND state IN " + UNFINISHED;
    static final String PAUSE = "UPDATE webhook_endpoints SET state = 'paused', paused_at = ?, paused_reason = ?,"
            + " updated_at = ?, version = version + 1 WHERE id = ? AND state = 'active'";
    /**
     * {@link #PAUSE} right after its alert mails ({@link JdbcOutbox#INSERT_IF_ENDPOINT_ACTIVE}),
     * always added after them, so that it is prepared, and run, right after them.
     */
    static final String PAUSE_AFTER_ALERTS = PAUSE + " /* after its alerts */";

    static final String RESUME = "UPDATE webhook_endpoints SET state = 'active', paused_at = NULL,"
            + " paused_reason = NULL, failing_since = NULL, consecutive_failures = 0, updated_at = ?,"
            + " version = version + 1 WHERE id = ?";
    /** The deliveries of endpoint {@code ?} not finished yet. */
    static final String COUNT_WAITING =
            "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = ? AND state IN " + UNFINISHED;

    static final String REDELIVER_EXPIRED = "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?,"
            + " deadline_at = NULL WHERE endpoint_id = ? AND state = 'expired' AND created_at >= ?";

    static final String INSERT_EVENT = "INSERT INTO webhook_events (event_id, conversation_id, seq, sub, type, site,"
            + " occurred_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    /** Pending, due at its creation, or parked if its lane has an unfinished delivery. */
    static final String INSERT_DELIVERY = "INSERT INTO webhook_deliveries (id, endpoint_id, event_id,"
            + " conversation_id, seq, sub, state, attempts, created_at, next_attempt_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries"
            + " WHERE endpoint_id = ? AND conversation_id = ? AND state IN " + UNFINISHED + ") THEN " + PARKED
            + " ELSE ? END)";

    /**
     * The heads of lanes due at {@code ?} 1, at most {@code ?} 2: the first unfinished delivery
     * of each lane of an active endpoint, pending and due, or sending (a claim makes a delivery
     * due from its start, so one range of the due index finds both).
     */
    static final String SELECT_HEADS = "SELECT d.id, d.endpoint_id, d.event_id, d.conversation_id, d.seq, d.sub,"
            + " ev.type, d.state, d.attempts, d.created_at, d.deadline_at, ev.body FROM webhook_deliveries d"
            + " JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.state = 'active'"
            + " JOIN webhook_events ev ON ev.event_id = d.event_id"
            + " WHERE d.state IN " + UNFINISHED + " AND d.next_attempt_at <= ?"
            + " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id"
            + " AND p.conversation_id = d.conversation_id AND p.state IN " + UNFINISHED
            + " AND (p.seq < d.seq OR (p.seq = d.seq AND p.sub < d.sub)))"
            + " ORDER BY d.next_attempt_at, d.id LIMIT ?";

    /** {@link #SELECT_HEADS} without the heads of {@code skipped} endpoints (one placeholder each). */
    static String selectHeadsSkipping(int skipped) {
        if (skipped == 0) {
            return SELECT_HEADS;
        }
        String not =
                " AND d.endpoint_id NOT IN (" + String.join(", ", java.util.Collections.nCopies(skipped, "?")) + ")";
        int order = SELECT_HEADS.lastIndexOf(" ORDER BY");
        return SELECT_HEADS.substring(0, order) + not + SELECT_HEADS.substring(order);
    }

    static final String CLAIM = "UPDATE webhook_deliveries SET state = 'sending', attempts = ?, next_attempt_at = ?,"
            + " deadline_at = COALESCE(deadline_at, ?) WHERE id = ? AND state IN " + UNFINISHED;
    /** The attempt row of a claim that took (run after {@link #CLAIM}: added after it in every write). */
    static final String INSERT_ATTEMPT = "INSERT INTO webhook_attempts (delivery_id, attempt, node, started_at)"
            + " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = ? AND state = 'sending'"
            + " AND attempts = ?) ON CONFLICT (delivery_id, attempt) DO NOTHING";

    static final String OUTCOME = "UPDATE webhook_deliveries SET state = ?, next_attempt_at = ?, delivered_at = ?,"
            + " last_status = ?, last_error = ? WHERE id = ? AND state = 'sending' AND attempts = ?";
    static final String ATTEMPT_OUTCOME = "UPDATE webhook_attempts SET duration_ms = ?, address = ?, status = ?,"
            + " error = ?, response = ? WHERE delivery_id = ? AND attempt = ?";
    static final String ENDPOINT_SUCCESS = "UPDATE webhook_endpoints SET consecutive_failures = 0,"
            + " failing_since = NULL, last_success_at = ? WHERE id = ?";
    static final String ENDPOINT_FAILURE = "UPDATE webhook_endpoints SET consecutive_failures ="
            + " consecutive_failures + 1, failing_since = COALESCE(failing_since, ?) WHERE id = ?";
    private static final String UNPARK = "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE next_attempt_at = "
            + PARKED + " AND state = 'pending' AND id = (SELECT n.id FROM webhook_deliveries n, webhook_deliveries f"
            + " WHERE f.id = ? AND n.endpoint_id = f.endpoint_id AND n.conversation_id = f.conversation_id"
            + " AND n.state IN " + UNFINISHED + " AND n.id <> f.id ORDER BY n.seq, n.sub LIMIT 1)";
    /** Makes the next delivery of a lane due, after {@link #OUTCOME} finished one (always added after it). */
    static final String UNPARK_AFTER_OUTCOME = UNPARK + " /* after an outcome */";
    /** Makes the next delivery of a lane due, after {@link #CANCEL} (always added after it). */
    static final String UNPARK_AFTER_CANCEL = UNPARK + " /* after a cancel */";

    static final String CANCEL = "UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at = ?"
            + " WHERE id = ? AND state = 'pending'";
    static final String REDELIVER =
            "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?, deadline_at = NULL WHERE id = ?"
                    + " AND state <> 'sending'"; // one in flight keeps its answer

    private static final String DELIVERY_COLUMNS = "d.id, d.endpoint_id, d.event_id, d.conversation_id, d.seq,"
            + " ev.type, d.state, d.attempts, d.created_at, d.next_attempt_at, d.deadline_at, d.delivered_at,"
            + " d.last_status, d.last_error";
    private static final String DELIVERY_FROM =
            " FROM webhook_deliveries d JOIN webhook_events ev ON ev.event_id = d.event_id";
    static final String SELECT_DELIVERY =
            "SELECT " + DELIVERY_COLUMNS + ", ev.body" + DELIVERY_FROM + " WHERE d.id = ?";
    /** The log of an endpoint; the caller appends its filters, then {@link #ORDER_LOG}. */
    static final String SELECT_LOG =
            "SELECT " + DELIVERY_COLUMNS + ", NULL" + DELIVERY_FROM + " WHERE d.endpoint_id = ?";

    static final String ORDER_LOG = " ORDER BY d.created_at DESC, d.id DESC LIMIT ?";
    static final String SELECT_ATTEMPTS = "SELECT delivery_id, attempt, node, started_at, duration_ms, address,"
            + " status, error, response FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt";

    /** The purge and the erasure: a conversation's attempts, then its deliveries and events. */
    static final String DELETE_ATTEMPTS_OF_CONVERSATION = "DELETE FROM webhook_attempts WHERE delivery_id IN"
            + " (SELECT id FROM webhook_deliveries WHERE conversation_id = ?)";

    static final String DELETE_DELIVERIES_OF_CONVERSATION = "DELETE FROM webhook_deliveries WHERE conversation_id = ?";
    static final String DELETE_EVENTS_OF_CONVERSATION = "DELETE FROM webhook_events WHERE conversation_id = ?";

    /** The daily sweep: rows pending since before {@code ?} 2 expire (at {@code ?} 1). */
    static final String EXPIRE_OLD = "UPDATE webhook_deliveries SET state = 'expired', next_attempt_at = ?"
            + " WHERE state = 'pending' AND created_at < ?";
    /**
     * The daily sweep, after {@link #EXPIRE_OLD}, and the sender now and then: every parked row
     * with no unfinished row before it in its lane becomes due at {@code ?} 1.
     */
    static final String UNPARK_HEADS = "UPDATE webhook_deliveries SET next_attempt_at = ?" + parkedHeads();
    /** Whether {@link #UNPARK_HEADS} would change a row: one seek per parked row, in the due index. */
    static final String ANY_PARKED_HEAD = "SELECT 1 FROM webhook_deliveries" + parkedHeads() + " LIMIT 1";

    /** The parked rows no unfinished row precedes in their lane. */
    private static String parkedHeads() {
        return " WHERE next_attempt_at = "
                + PARKED + " AND state = 'pending' AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p"
                + " WHERE p.endpoint_id = webhook_deliveries.endpoint_id"
                + " AND p.conversation_id = webhook_deliveries.conversation_id AND p.state IN " + UNFINISHED
                + " AND (p.seq < webhook_deliveries.seq"
                + " OR (p.seq = webhook_deliveries.seq AND p.sub < webhook_deliveries.sub)))";
    }

    private static final String FINISHED_BEFORE = "state IN ('delivered', 'expired', 'cancelled') AND created_at < ?";
    /** The daily sweep: the attempts of the finished rows created before {@code ?} 1. */
    static final String DELETE_OLD_ATTEMPTS = "DELETE FROM webhook_attempts WHERE delivery_id IN"
            + " (SELECT id FROM webhook_deliveries WHERE " + FINISHED_BEFORE + ")";
    /** The daily sweep, after {@link #DELETE_OLD_ATTEMPTS}: those rows. */
    static final String DELETE_OLD_DELIVERIES = "DELETE FROM webhook_deliveries WHERE " + FINISHED_BEFORE;
    /** The daily sweep, last: the events before {@code ?} 1 that no delivery names any more. */
    static final String DELETE_UNNAMED_EVENTS = "DELETE FROM webhook_events WHERE occurred_at < ? AND NOT EXISTS"
            + " (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.event_id)";

    private final SecureRandom random = new SecureRandom();

    /**
     * The rows of {@code webhooks}, appended to {@code conversationId} with {@code events}: for
     * each, its {@link #INSERT_EVENT} parameters, then one {@link #INSERT_DELIVERY} per endpoint.
     * Fails if one names another conversation or a seq none of {@code events} has.
     */
    List<Object[][]> enqueue(String conversationId, List<TranscriptEvent> events, List<OutboundWebhook> webhooks) {
        List<Object[][]> out = new ArrayList<>(webhooks.size());
        for (OutboundWebhook w : webhooks) {
            if (!w.conversationId().equals(conversationId) || events.stream().noneMatch(e -> e.seq() == w.seq())) {
                throw new StoreException("webhook event " + w.eventId() + " names " + w.conversationId() + " seq "
                        + w.seq() + ", not an event appended with it to " + conversationId);
            }
            Object at = JdbcRows.micros(w.occurredAt());
            Object[][] rows = new Object[1 + w.endpointIds().size()][];
            rows[0] =
                    new Object[] {w.eventId(), w.conversationId(), w.seq(), w.sub(), w.type(), w.site(), at, w.body()};
            for (int i = 0; i < w.endpointIds().size(); i++) {
                String endpoint = w.endpointIds().get(i);
                rows[i + 1] = new Object[] {
                    deliveryId(),
                    endpoint,
                    w.eventId(),
                    conversationId,
                    w.seq(),
                    w.sub(),
                    at,
                    endpoint,
                    conversationId,
                    at
                };
            }
            out.add(rows);
        }
        return out;
    }

    /** Adds the rows {@link #enqueue} made to a write. */
    static void add(JdbcWriter.Tx tx, List<Object[][]> rows) throws SQLException {
        for (Object[][] webhook : rows) {
            tx.add(INSERT_EVENT, webhook[0]);
            for (Object[] delivery : Arrays.asList(webhook).subList(1, webhook.length)) {
                tx.add(INSERT_DELIVERY, delivery);
            }
        }
    }

    /** A new delivery id: {@code whd_} and 16 characters of 12 random bytes, base64url. */
    private String deliveryId() {
        byte[] bytes = new byte[12];
        random.nextBytes(bytes);
        return "whd_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The parameters of {@link #INSERT_ENDPOINT}. */
    static Object[] endpointParams(Endpoint e) {
        return new Object[] {
            e.id(),
            e.site(),
            e.url(),
            JdbcRows.text(e.description()),
            String.join(",", e.eventTypes()),
            e.secret(),
            JdbcRows.text(e.previousSecret()),
            JdbcRows.micros(e.previousSecretUntil()),
            e.maxInFlight(),
            e.state().wire(),
            JdbcRows.micros(e.pausedAt()),
            JdbcRows.text(e.pausedReason()),
            JdbcRows.micros(e.failingSince()),
            e.consecutiveFailures(),
            JdbcRows.micros(e.lastSuccessAt()),
            JdbcRows.micros(e.createdAt()),
            JdbcRows.micros(e.updatedAt()),
            e.version()
        };
    }

    /** The parameters of {@link #UPDATE_ENDPOINT}: the admin's columns of the insert, then the keys. */
    static Object[] updateParams(Endpoint e, long expectedVersion) {
        Object[] all = endpointParams(e);
        Object[] out = new Object[16];
        System.arraycopy(all, 2, out, 0, 7); // url .. max_in_flight
        out[7] = all[9]; // state: paused_at kept unless it changes
        out[8] = all[10]; // paused_at
        out[9] = all[9];
        out[10] = all[11]; // paused_reason
        out[11] = all[9]; // state
        out[12] = all[16]; // updated_at
        out[13] = all[17]; // version
        out[14] = e.id();
        out[15] = expectedVersion;
        return out;
    }

    static Endpoint endpoint(ResultSet rs) throws SQLException {
        String types = rs.getString(5);
        return new Endpoint(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                types.isEmpty() ? List.of() : List.of(types.split(",")),
                rs.getString(6),
                rs.getString(7),
                JdbcRows.instant(rs, 8),
                rs.getInt(9),
                EndpointState.of(rs.getString(10)).orElseThrow(() -> new SQLException("unknown endpoint state")),
                JdbcRows.instant(rs, 11),
                rs.getString(12),
                JdbcRows.instant(rs, 13),
                rs.getInt(14),
                JdbcRows.instant(rs, 15),
                JdbcRows.instant(rs, 16),
                JdbcRows.instant(rs, 17),
                rs.getLong(18));
    }

    static DueDelivery due(ResultSet rs) throws SQLException {
        return new DueDelivery(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getLong(5),
                rs.getInt(6),
                rs.getString(7),
                state(rs.getString(8)),
                rs.getInt(9),
                JdbcRows.instant(rs, 10),
                JdbcRows.instant(rs, 11),
                rs.getString(12));
    }

    /** A row of {@link #SELECT_DELIVERY} or {@link #SELECT_LOG}; a parked one has no next attempt time. */
    static Delivery delivery(ResultSet rs) throws SQLException {
        boolean parked = rs.getLong(10) == PARKED;
        return new Delivery(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getLong(5),
                rs.getString(6),
                state(rs.getString(7)),
                rs.getInt(8),
                JdbcRows.instant(rs, 9),
                parked ? null : JdbcRows.instant(rs, 10),
                JdbcRows.instant(rs, 11),
                JdbcRows.instant(rs, 12),
                JdbcRows.integer(rs, 13),
                rs.getString(14),
                rs.getString(15));
    }

    static Attempt attempt(ResultSet rs) throws SQLException {
        long duration = rs.getLong(5);
        Long durationMillis = rs.wasNull() ? null : duration;
        return new Attempt(
                rs.getString(1),
                rs.getInt(2),
                rs.getString(3),
                JdbcRows.instant(rs, 4),
                durationMillis,
                rs.getString(6),
                JdbcRows.integer(rs, 7),
                rs.getString(8),
                rs.getString(9));
    }

    private static DeliveryState state(String wire) throws SQLException {
        return DeliveryState.of(wire.toLowerCase(Locale.ROOT))
                .orElseThrow(() -> new SQLException("unknown delivery state " + wire));
    }

    /**
     * {@code text} without NUL characters (PostgreSQL's text refuses them; a receiver's binary
     * answer has them) cut to {@code max} characters; null stays null.
     */
    static Object clip(String text, int max) {
        String clean = text == null ? null : text.replace("\u0000", "");
        return JdbcRows.text(clean == null || clean.length() <= max ? clean : clean.substring(0, max));
    }
}
