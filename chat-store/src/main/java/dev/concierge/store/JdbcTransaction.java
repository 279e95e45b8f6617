package dev.concierge.store;

import dev.concierge.protocol.Author;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction the {@link JdbcWriter}'s batches run in, on its one connection: the prepared
 * statements a batch adds to, sent in JDBC batches at {@link #commit}, and what this writer
 * remembers of what it committed (each conversation's last seq, the author last named apart),
 * so that a write rarely reads the database. What a transaction adds to those caches counts
 * only once it is committed; a rollback forgets it. Used on the writer thread only.
 */
final class JdbcTransaction implements JdbcWriter.Tx {
    /** How many conversations' last seq are remembered; the others are read again when needed. */
    private static final int SEQ_CACHE_SIZE = 100_000;
    /** How many conversations' named authors are remembered as stored. */
    private static final int NAME_CACHE_SIZE = 20_000;

    private static final Logger log = LoggerFactory.getLogger(JdbcWriter.class);

    private final JdbcDatabase database;
    /** True when a {@link WalSyncer} fsyncs after the commit (SQLite), so the commit need not. */
    private final boolean syncedApart;

    private Connection connection;
    private final Map<String, PreparedStatement> statements = new LinkedHashMap<>();
    private final Map<String, Long> committedSeq = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > SEQ_CACHE_SIZE;
        }
    };
    private final Map<String, Long> pendingSeq = new HashMap<>();
    /**
     * The author last named in {@code event_authors} for each conversation, most recently used
     * first: one per conversation, since only its visitor is named apart. Looked up per event by
     * the conversation id (its hash is cached) and compared by identity first, since a visitor's
     * events share one {@code Author} for as long as the name stays the same.
     */
    private final Map<String, Author> committedNames = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Author> eldest) {
            return size() > NAME_CACHE_SIZE; // forgotten ones are stored again: an upsert, harmless
        }
    };

    private final Map<String, Author> pendingNames = new HashMap<>();
    /** The uploads this transaction marks referred to by a message. */
    private final Set<String> pendingAttachments = new HashSet<>();

    /** Who is told the update count of each counted execution, by statement, in the order added. */
    private final Map<String, List<IntConsumer>> counted = new HashMap<>();

    private long lastRowid; // the number of the last event appended (on SQLite its rowid in recent_events)

    /**
     * How long a fenced transaction may sit idle before PostgreSQL ends its session: a writer
     * sends its statements back to back, so only a paused or dead process gets near it.
     */
    static final int FENCED_IDLE_LIMIT_MS = 2_000;

    /** The lease every commit checks first; null when writes are not fenced. */
    private final Fencing fencing;

    /** Not connected yet: {@link #ensureConnection} connects. */
    JdbcTransaction(JdbcDatabase database, boolean syncedApart, Fencing fencing) {
        this.database = database;
        this.syncedApart = syncedApart;
        this.fencing = fencing;
    }

    /** A commit refused because the lease this store's writes are fenced by has moved on. */
    static final class FencedOut extends SQLException {
        private static final long serialVersionUID = 1L;

        FencedOut(String message) {
            super(message);
        }
    }

    @Override
    public void add(String sql, Object... params) throws SQLException {
        if (!counted.isEmpty() && counted.containsKey(sql)) {
            throw new IllegalStateException("a counted statement added without its count: " + sql);
        }
        bind(sql, params);
    }

    @Override
    public void addCounted(String sql, IntConsumer count, Object... params) throws SQLException {
        bind(sql, params);
        counted.computeIfAbsent(sql, k -> new ArrayList<>()).add(count);
    }

    private void bind(String sql, Object... params) throws SQLException {
        boolean event = JdbcRows.INSERT_EVENT.equals(sql);
        if (event && database.isSqlite()) {
            sql = JdbcRows.INSERT_NUMBERED_EVENT;
        }
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            statements.put(sql, ps);
        }
        JdbcRows.bind(ps, params);
        if (event) {
            lastRowid++; // never reused: on SQLite the merge mark counts on it
            if (database.isSqlite()) {
                ps.setLong(params.length + 1, lastRowid);
            }
        }
        ps.addBatch();
    }

    @Override
    public long lastSeq(String conversationId) throws SQLException {
        Long seq = pendingSeq.get(conversationId);
        if (seq == null) {
            seq = committedSeq.get(conversationId);
        }
        if (seq == null) {
            seq = loadLastSeq(conversationId);
            committedSeq.put(conversationId, seq);
        }
        return seq;
    }

    @Override
    public void advanceSeq(String conversationId, long seq) {
        pendingSeq.put(conversationId, seq);
    }

    @Override
    public void nameAuthor(String conversationId, Author author) throws SQLException {
        Author stored = pendingNames.get(conversationId);
        if (stored == null) {
            stored = committedNames.get(conversationId);
        }
        if (stored != author && !author.equals(stored)) {
            add(JdbcRows.UPSERT_AUTHOR, JdbcRows.authorParams(conversationId, author));
            pendingNames.put(conversationId, author);
        }
    }

    @Override
    public void checkAttachment(String conversationId, String attachmentId) throws SQLException {
        long seq = -1;
        if (!pendingAttachments.contains(attachmentId)) {
            try (PreparedStatement ps = connection.prepareStatement(JdbcAttachmentLinks.SELECT_REFERENCE)) {
                ps.setString(1, attachmentId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !conversationId.equals(rs.getString(1))) {
                        throw new StoreException(
                                "attachment " + attachmentId + " is not an upload to " + conversationId);
                    }
                    seq = rs.getLong(2);
                }
            }
        }
        if (seq != 0) {
            throw new StoreException("attachment " + attachmentId + " is carried by another message already");
        }
    }

    @Override
    public void referenceAttachment(String conversationId, String attachmentId, long seq) throws SQLException {
        add(JdbcAttachmentLinks.REFERENCE, seq, attachmentId, conversationId);
        pendingAttachments.add(attachmentId);
    }

    /** The number of the last event appended: committed, or rolled back for good. */
    long lastRowid() {
        return lastRowid;
    }

    /** Numbers the next events after {@code rowid} at least (the merge mark of an earlier run). */
    void skipRowidsTo(long rowid) {
        lastRowid = Math.max(lastRowid, rowid);
    }

    /** True while connected (it is not after a lost connection, until the next write). */
    boolean connected() {
        return connection != null;
    }

    /** Sends the batched statements and commits; the caches then take what it stored. */
    void commit() throws SQLException {
        if (fencing != null) {
            checkFence();
        }
        List<Runnable> told = counted.isEmpty() ? List.of() : new ArrayList<>();
        for (Map.Entry<String, PreparedStatement> e : statements.entrySet()) {
            int[] counts = e.getValue().executeBatch();
            List<IntConsumer> sinks = counted.get(e.getKey());
            for (int i = 0; sinks != null && i < sinks.size(); i++) {
                IntConsumer sink = sinks.get(i);
                int n = i < counts.length ? counts[i] : Statement.SUCCESS_NO_INFO;
                told.add(() -> sink.accept(n));
            }
        }
        connection.commit();
        counted.clear();
        told.forEach(Runnable::run);
        committedSeq.putAll(pendingSeq);
        pendingSeq.clear();
        committedNames.putAll(pendingNames);
        pendingNames.clear();
        pendingAttachments.clear();
    }

    /** Rolls back and forgets what the transaction added; disconnects if the connection is lost. */
    void rollback() {
        pendingSeq.clear();
        pendingNames.clear();
        pendingAttachments.clear();
        counted.clear();
        closeStatements(); // a failed executeBatch may leave queued parameters behind
        try {
            if (connection != null) {
                connection.rollback();
            }
        } catch (SQLException e) {
            log.debug("rollback failed", e);
        }
        try {
            if (connection != null && !connection.isValid(2)) {
                log.warn("store connection lost; reconnecting");
                disconnect();
            }
        } catch (SQLException e) {
            disconnect();
        }
    }

    /**
     * Checkpoints whatever the background checkpoints left of the SQLite WAL (see {@link
     * SqliteCheckpointer}), so that the next commit writes from the start of the WAL file again.
     */
    void rewindWal() {
        try {
            SqliteCheckpointer.framesLeft(connection, "PASSIVE");
            connection.commit(); // ends the driver's empty transaction; the next one rewinds
        } catch (SQLException e) {
            log.warn("WAL checkpoint on the writer failed: {}", e.getMessage());
        }
    }

    /**
     * Reads the lease's row with {@code FOR SHARE}, held until this transaction ends: a node
     * taking the lease over waits for the commit, and after it no commit of ours passes here.
     */
    private void checkFence() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(DeciderLease.FENCE)) {
            ps.setString(1, fencing.lease());
            try (ResultSet rs = ps.executeQuery()) {
                long token = rs.next() ? rs.getLong(1) : -1;
                if (token != fencing.token()) {
                    throw new FencedOut("lease " + fencing.lease() + " is held under token " + token + ", not "
                            + fencing.token() + ": another node decides now");
                }
            }
        }
    }

    private long loadLastSeq(String conversationId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(JdbcRows.LAST_SEQ)) {
            ps.setString(1, conversationId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0; // MAX of no rows is NULL, read as 0
            }
        }
    }

    /** Connects unless connected, reading where the numbering of recent events stands. */
    void ensureConnection() throws SQLException {
        if (connection == null) {
            Connection c = database.connect();
            try {
                if (syncedApart) {
                    try (Statement s = c.createStatement()) {
                        s.execute("PRAGMA synchronous = NORMAL"); // the WalSyncer fsyncs after the commit
                    }
                }
                // In auto-commit mode: the read holds no transaction open.
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery(
                                database.isSqlite()
                                        ? "SELECT MAX(rowid) FROM recent_events"
                                        : "SELECT COUNT(*) FROM recent_events")) {
                    lastRowid = Math.max(lastRowid, rs.next() ? rs.getLong(1) : 0);
                }
                if (fencing != null) {
                    // A node paused in the middle of a transaction holds the lease's row; the
                    // server ends such a session, so the takeover waits at most this long.
                    try (Statement st = c.createStatement()) {
                        st.execute("SET idle_in_transaction_session_timeout = " + FENCED_IDLE_LIMIT_MS);
                    }
                }
                c.setAutoCommit(false);
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            connection = c;
        }
    }

    private void closeStatements() {
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // the connection may be gone already
            }
        }
        statements.clear();
    }

    /** Closes the statements and the connection; the next write connects again. */
    void disconnect() {
        closeStatements();
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("closing the writer connection failed", e);
            }
            connection = null;
        }
    }
}
