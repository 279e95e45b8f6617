package dev.concierge.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.wire.ContextClip;
import dev.concierge.protocol.wire.ProtocolCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The store's SQL and the mapping between rows and records, shared by both engines: the
 * statements use only syntax SQLite and PostgreSQL have in common ({@code ON CONFLICT ... DO
 * UPDATE} included). Times are microseconds since the epoch; nested values are JSON text.
 */
public final class JdbcRows {
    /** Marks a SQL NULL of a given type, since PostgreSQL wants to know the type of a null. */
    record SqlNull(int type) {}

    static final SqlNull NULL_TEXT = new SqlNull(Types.VARCHAR);
    static final SqlNull NULL_BIGINT = new SqlNull(Types.BIGINT);
    static final SqlNull NULL_INTEGER = new SqlNull(Types.INTEGER);

    /** {@link VisitorRecord#token()} of visitors read by id: the stored hash, marked as such. */
    static final String HASHED_TOKEN_PREFIX = "sha256:";

    static final String UPSERT_VISITOR = "INSERT INTO visitors (id, token_hash, context_json, first_seen)"
            + " VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash,"
            + " context_json = excluded.context_json, first_seen = excluded.first_seen";
    static final String UPSERT_CONVERSATION = "INSERT INTO conversations (id, visitor_id, state, agent_id,"
            + " started_at, first_line, score, queued_at, assigned_at, handoff_reason, updated_at, department,"
            + " given_emails, site) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            + " visitor_id = excluded.visitor_id, state = excluded.state, agent_id = excluded.agent_id,"
            + " started_at = excluded.started_at, first_line = excluded.first_line, score = excluded.score,"
            + " queued_at = excluded.queued_at, assigned_at = excluded.assigned_at,"
            + " handoff_reason = excluded.handoff_reason, updated_at = excluded.updated_at,"
            + " department = excluded.department, given_emails = excluded.given_emails,"
            + " site = COALESCE(excluded.site, conversations.site)"; // a known site is never forgotten
    static final String INSERT_EVENT = "INSERT INTO recent_events (conversation_id, seq, client_id, ts, kind,"
            + " author_json, text, bot_json, reason, agent_json, score, comment)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /**
     * {@link #INSERT_EVENT} on SQLite, with the rowid the writer numbers each row with (the merge
     * mark counts on it, see {@link Merger}), bound after the other parameters.
     */
    static final String INSERT_NUMBERED_EVENT = "INSERT INTO recent_events (conversation_id, seq, client_id, ts,"
            + " kind, author_json, text, bot_json, reason, agent_json, score, comment, rowid)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /** Names the author of a conversation's events ({@code event_authors}, see {@link #storedAuthor}). */
    static final String UPSERT_AUTHOR = "INSERT INTO event_authors (conversation_id, role, author_id, name)"
            + " VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id, role, author_id) DO UPDATE SET name = excluded.name";
    /** The authors named apart of one conversation: role, id, name. */
    static final String SELECT_AUTHORS = "SELECT role, author_id, name FROM event_authors WHERE conversation_id = ?";
    /** The authors named apart of the conversations started in [{@code ?} 1, {@code ?} 2), conversation id last. */
    static final String SELECT_AUTHORS_STARTED = "SELECT role, author_id, name, conversation_id FROM event_authors"
            + " WHERE conversation_id IN (SELECT id FROM conversations WHERE started_at >= ? AND started_at < ?)";

    static final String LAST_SEQ = "SELECT MAX(seq) FROM stored_events WHERE conversation_id = ?";

    private static final String EVENT_COLUMNS =
            "seq, ts, client_id, kind, author_json, text, bot_json," + " reason, agent_json, score, comment";
    static final String SELECT_EVENTS =
            "SELECT " + EVENT_COLUMNS + " FROM stored_events WHERE conversation_id = ? AND seq > ? ORDER BY seq";
    /** The columns {@link #conversation} reads, in its order. */
    static final String CONVERSATION_COLUMNS = "id, visitor_id, state, agent_id, started_at,"
            + " first_line, score, queued_at, assigned_at, handoff_reason, department, given_emails, site";

    static final String SELECT_CONVERSATION = "SELECT " + CONVERSATION_COLUMNS + " FROM conversations WHERE id = ?";
    static final String SELECT_CONVERSATIONS_OF =
            "SELECT " + CONVERSATION_COLUMNS + " FROM conversations WHERE visitor_id = ? ORDER BY started_at, id";
    static final String SELECT_OPEN_CONVERSATIONS =
            "SELECT " + CONVERSATION_COLUMNS + " FROM conversations WHERE state <> ? ORDER BY started_at, id";
    /**
     * Conversations with an event whose text contains the query (case-insensitive), newest
     * first; {@code ?} 1 is the lower-cased {@code %query%} pattern, 2 the limit.
     */
    static final String SEARCH_CONVERSATIONS = "SELECT " + CONVERSATION_COLUMNS
            + " FROM conversations WHERE id IN (SELECT conversation_id FROM stored_events"
            + " WHERE LOWER(text) LIKE ? ESCAPE '\\')"
            + " ORDER BY started_at DESC, id LIMIT ?";
    /** Conversations started in [{@code ?} 1, {@code ?} 2), oldest first, at most {@code ?} 3: insights. */
    static final String SELECT_CONVERSATIONS_STARTED = "SELECT " + CONVERSATION_COLUMNS
            + " FROM conversations WHERE started_at >= ? AND started_at < ? ORDER BY started_at, id LIMIT ?";
    /**
     * The events of the conversations started in [{@code ?} 1, {@code ?} 2), by conversation and
     * seq; the conversation id is the last column, so {@link #event} reads the others as usual.
     */
    static final String SELECT_EVENTS_STARTED = "SELECT " + EVENT_COLUMNS + ", conversation_id"
            + " FROM stored_events WHERE conversation_id IN (SELECT id FROM conversations"
            + " WHERE started_at >= ? AND started_at < ?) ORDER BY conversation_id, seq";

    static final String UPSERT_USER = "INSERT INTO verified_users (site, user_id, visitor_id, linked_at)"
            + " VALUES (?, ?, ?, ?) ON CONFLICT (site, user_id) DO UPDATE SET visitor_id = excluded.visitor_id,"
            + " linked_at = excluded.linked_at";
    static final String UPSERT_AGENT_SESSION = "INSERT INTO agent_sessions (token_hash, agent_id, last_used,"
            + " credential, created_at) VALUES (?, ?, ?, ?, ?)"
            + " ON CONFLICT (token_hash) DO UPDATE SET last_used = excluded.last_used";
    static final String DELETE_AGENT_SESSION = "DELETE FROM agent_sessions WHERE token_hash = ?";
    static final String DELETE_AGENT_SESSIONS_OF = "DELETE FROM agent_sessions WHERE agent_id = ?";
    static final String DELETE_AGENT_SESSIONS_BEFORE = "DELETE FROM agent_sessions WHERE last_used < ?";
    static final String SELECT_AGENT_SESSIONS = "SELECT token_hash, agent_id, last_used, credential, created_at"
            + " FROM agent_sessions"
            + " WHERE last_used >= ? ORDER BY last_used";
    static final String UPSERT_DISABLED_AGENT = "INSERT INTO disabled_agents (agent_id, disabled_at) VALUES (?, ?)"
            + " ON CONFLICT (agent_id) DO UPDATE SET disabled_at = excluded.disabled_at";
    static final String DELETE_DISABLED_AGENT = "DELETE FROM disabled_agents WHERE agent_id = ?";
    static final String SELECT_DISABLED_AGENTS = "SELECT agent_id FROM disabled_agents ORDER BY agent_id";
    static final String SELECT_USER = "SELECT visitor_id FROM verified_users WHERE site = ? AND user_id = ?";
    static final String SELECT_VISITOR =
            "SELECT id, token_hash, context_json, first_seen" + " FROM visitors WHERE id = ?";
    static final String SELECT_VISITOR_BY_TOKEN =
            "SELECT id, token_hash, context_json, first_seen" + " FROM visitors WHERE token_hash = ?";

    private final ObjectMapper mapper = ProtocolCodec.create().mapper();
    /** How many authors' JSON {@link #authorJson} keeps. */
    static final int AUTHOR_MEMO_SIZE = 4096;

    private final Map<Author, Object> authorJson = new ConcurrentHashMap<>();

    /** The parameters of {@link #UPSERT_VISITOR}. */
    Object[] visitorParams(VisitorRecord v) {
        String hash = v.token().startsWith(HASHED_TOKEN_PREFIX)
                ? v.token().substring(HASHED_TOKEN_PREFIX.length())
                : tokenHash(v.token());
        return new Object[] {v.id(), hash, json(v.context()), micros(v.firstSeen())};
    }

    /** The parameters of {@link #UPSERT_CONVERSATION}. */
    Object[] conversationParams(ConversationRecord c, Instant updatedAt) {
        return new Object[] {
            c.id(),
            c.visitorId(),
            wire(c.state()),
            text(c.agentId()),
            micros(c.startedAt()),
            text(c.firstLine()),
            integer(c.score()),
            micros(c.queuedAt()),
            micros(c.assignedAt()),
            c.handoffReason() == null ? NULL_TEXT : c.handoffReason().wire(),
            micros(updatedAt),
            text(c.department()),
            text(c.givenEmails().isEmpty() ? null : String.join("\n", c.givenEmails())),
            text(c.site())
        };
    }

    /**
     * The parameters of {@link #INSERT_EVENT}. A {@code message} has no {@code reason}; its
     * {@code reason} column holds its {@code via} instead ({@code email}), so the channel costs no
     * column and rows stored before it read as chat messages.
     */
    Object[] eventParams(String conversationId, TranscriptEvent e) {
        return new Object[] {
            conversationId,
            e.seq(),
            text(e.id()),
            micros(e.ts()),
            wire(e.kind()),
            authorJson(e.author()),
            text(e.text()),
            json(e.bot()),
            text(e.kind() == Kind.MESSAGE && e.via() != null ? e.via() : e.reason()),
            json(e.agent()),
            integer(e.score()),
            text(e.comment())
        };
    }

    TranscriptEvent event(ResultSet rs) throws SQLException {
        Kind kind = Kind.valueOf(rs.getString(4).toUpperCase(Locale.ROOT));
        String reason = rs.getString(8);
        boolean via = kind == Kind.MESSAGE && reason != null; // see eventParams
        return new TranscriptEvent(
                rs.getLong(1),
                instant(rs, 2),
                rs.getString(3),
                kind,
                parse(rs.getString(5), Author.class),
                rs.getString(6),
                parse(rs.getString(7), BotTurn.class),
                via ? null : reason,
                parse(rs.getString(9), AgentInfo.class),
                integer(rs, 10),
                rs.getString(11),
                via ? reason : null);
    }

    ConversationRecord conversation(ResultSet rs) throws SQLException {
        String reason = rs.getString(10);
        return new ConversationRecord(
                rs.getString(1),
                rs.getString(2),
                ConversationState.valueOf(rs.getString(3).toUpperCase(Locale.ROOT)),
                rs.getString(4),
                instant(rs, 5),
                rs.getString(6),
                integer(rs, 7),
                instant(rs, 8),
                instant(rs, 9),
                reason == null ? null : HandoffReason.valueOf(reason.toUpperCase(Locale.ROOT)),
                rs.getString(11),
                givenEmails(rs.getString(12)),
                rs.getString(13));
    }

    /** The {@code given_emails} column: the addresses one per line (an address holds no line break), or null. */
    private static List<String> givenEmails(String column) {
        return column == null || column.isEmpty() ? List.of() : List.of(column.split("\n"));
    }

    /** A visitor row; {@code token} is the caller's token, or null to return the marked hash. */
    VisitorRecord visitor(ResultSet rs, String token) throws SQLException {
        String shown = token != null ? token : HASHED_TOKEN_PREFIX + rs.getString(2);
        return new VisitorRecord(rs.getString(1), shown, context(rs.getString(3)), instant(rs, 4));
    }

    /**
     * A stored context. One stored before the context had limits may break them: it is read
     * clipped to them ({@link ContextClip}) rather than not at all.
     */
    private VisitorContext context(String json) throws SQLException {
        try {
            return mapper.readValue(json, VisitorContext.class);
        } catch (ValueInstantiationException e) {
            try {
                return ContextClip.stored(mapper.readTree(json));
            } catch (JsonProcessingException notJson) {
                throw new SQLException("stored VisitorContext is not valid JSON", notJson);
            }
        } catch (JsonProcessingException e) {
            throw new SQLException("stored VisitorContext is not valid JSON", e);
        }
    }

    /** The SHA-256 of a token as lower-case hex: what {@code visitors.token_hash} holds. */
    public static String tokenHash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Binds parameters made by the methods above: strings, longs, integers and typed nulls. */
    static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p instanceof SqlNull n) {
                ps.setNull(i + 1, n.type());
            } else if (p instanceof String s) {
                ps.setString(i + 1, s);
            } else if (p instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (p instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else {
                throw new IllegalArgumentException("unsupported parameter type " + p.getClass());
            }
        }
    }

    static String wire(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Whether an author is stored by role and id alone, with the name once per conversation in
     * {@code event_authors}: visitors, whose names are theirs to choose (up to 200 characters) and
     * would otherwise be stored with every message. Agents, the bot and the server keep their
     * short, configured names in the event.
     */
    static boolean namedApart(Author author) {
        return author != null && author.role() == Role.VISITOR && author.id() != null && author.name() != null;
    }

    /** The parameters of {@link #UPSERT_AUTHOR} for an author {@link #namedApart named apart}. */
    static Object[] authorParams(String conversationId, Author author) {
        return new Object[] {conversationId, wire(author.role()), author.id(), author.name()};
    }

    /**
     * Names read from {@code event_authors}: by role and id, one {@link Author} each, so the events
     * of one author share it.
     */
    static final class Authors {
        private final Map<String, Author> byKey = new HashMap<>();

        /** Adds the row of {@link #SELECT_AUTHORS} (or {@link #SELECT_AUTHORS_STARTED}) at the result set's cursor. */
        void add(ResultSet rs) throws SQLException {
            Role role = Role.valueOf(rs.getString(1).toUpperCase(Locale.ROOT));
            byKey.put(role + "\n" + rs.getString(2), new Author(role, rs.getString(2), rs.getString(3)));
        }

        /**
         * {@code e} with its author's name filled in, if it was {@link #namedApart named apart}; an
         * author with no row (none is written without one) gets the name a nameless visitor has.
         */
        TranscriptEvent fill(TranscriptEvent e) {
            Author a = e.author();
            if (a == null || a.name() != null || a.role() != Role.VISITOR || a.id() == null) {
                return e;
            }
            Author named = byKey.computeIfAbsent(
                    a.role() + "\n" + a.id(), k -> new Author(a.role(), a.id(), VisitorContext.defaultName(a.id())));
            return e.withAuthor(named);
        }
    }

    /** Whether some event's author was {@link #namedApart named apart} (its name must be read). */
    static boolean needsNames(Collection<TranscriptEvent> events) {
        for (TranscriptEvent e : events) {
            Author a = e.author();
            if (a != null && a.name() == null && a.role() == Role.VISITOR && a.id() != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * An event author's JSON, remembered: authors are few and shared (one object per visitor and
     * agent, see {@code Visitor#author()}), while encoding one took a Jackson generator and its
     * buffers for every stored event. Keyed by value, so a renamed visitor gets new JSON; cleared
     * when full rather than evicted one by one. A visitor is written without the name
     * ({@link #namedApart}).
     */
    private Object authorJson(Author author) {
        if (author == null) {
            return NULL_TEXT;
        }
        Object json = authorJson.get(author);
        if (json == null) {
            json = json(namedApart(author) ? new Author(author.role(), author.id(), null) : author);
            if (authorJson.size() >= AUTHOR_MEMO_SIZE) {
                authorJson.clear();
            }
            authorJson.put(author, json);
        }
        return json;
    }

    private Object json(Object value) {
        if (value == null) {
            return NULL_TEXT;
        }
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot encode " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private <T> T parse(String json, Class<T> type) throws SQLException {
        if (json == null) {
            return null;
        }
        try {
            return mapper.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new SQLException("stored " + type.getSimpleName() + " is not valid JSON", e);
        }
    }

    static Object text(String value) {
        return value == null ? NULL_TEXT : value;
    }

    static Object integer(Integer value) {
        return value == null ? NULL_INTEGER : value;
    }

    static Object micros(Instant t) {
        if (t == null) {
            return NULL_BIGINT;
        }
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000L);
    }

    static Instant instant(ResultSet rs, int column) throws SQLException {
        long micros = rs.getLong(column);
        return rs.wasNull()
                ? null
                : Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    static Integer integer(ResultSet rs, int column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }
}
