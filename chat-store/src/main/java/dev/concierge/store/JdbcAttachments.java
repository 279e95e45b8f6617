package dev.concierge.store;

import dev.concierge.protocol.Attachment;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The {@link AttachmentStore} of {@link JdbcConversationStore} (migration V18): uploads in {@code
 * attachments}, written through the store's writer; the bytes once per content, in files
 * ({@link AttachmentFiles}) on SQLite and in {@code attachment_contents.bytes} on PostgreSQL.
 *
 * <p>A message event does not repeat its attachment: the append sets the upload's {@code seq} in
 * its own transaction, after checking that the upload belongs to the conversation and no other
 * message refers to it, and the reads of events fill the view in from the uploads
 * ({@link JdbcAttachmentLinks}).
 *
 * <p>Bytes no upload refers to are deleted, but not while they were touched (stored or found by
 * an upload) within {@link #TOUCH_GRACE}: an upload finds bytes stored already, then records
 * itself, and bytes deleted in between would leave it with none. On SQLite a lock keeps the
 * deletion of bytes (their rows, then their files after the commit) and the storing of bytes
 * apart. PostgreSQL needs none: the touch updates the row the deletion re-checks.
 */
final class JdbcAttachments implements AttachmentStore, AutoCloseable {
    /** How long bytes an upload touched are kept even if no upload refers to them. */
    static final Duration TOUCH_GRACE = Duration.ofHours(1);
    /** PostgreSQL: how many downloads read bytes at once; more wait for one of them. */
    static final int CONTENT_READERS = 2;
    /** Bytes deleted per write of the sweep. */
    static final int SWEEP_BATCH = 500;

    static final String COLUMNS = "id, name, kind, media_type, size, width, height, conversation_id,"
            + " uploaded_by, sha256, created_at, seq";
    /** Records an upload only if its bytes are stored. */
    static final String INSERT = "INSERT INTO attachments (id, name, kind, media_type, size, width, height,"
            + " conversation_id, uploaded_by, sha256, created_at, seq) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
            + " WHERE EXISTS (SELECT 1 FROM attachment_contents WHERE sha256 = ?)";

    static final String SELECT = "SELECT " + COLUMNS + " FROM attachments WHERE id = ?";
    static final String BYTES_OF = "SELECT COALESCE(SUM(size), 0) FROM attachments WHERE conversation_id = ?";
    static final String DELETE_OF_CONVERSATION = "DELETE FROM attachments WHERE conversation_id = ?";
    static final String SHA_OF_CONVERSATION = "SELECT DISTINCT sha256 FROM attachments WHERE conversation_id = ?";
    static final String DELETE_UNREFERENCED = "DELETE FROM attachments WHERE seq = 0 AND created_at < ?";
    static final String TOUCH = "UPDATE attachment_contents SET touched_at = ? WHERE sha256 = ?";
    /** SQLite: the row of bytes kept in a file. */
    static final String UPSERT_CONTENT = "INSERT INTO attachment_contents (sha256, size, touched_at)"
            + " VALUES (?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET touched_at = excluded.touched_at";
    /** PostgreSQL: the row with the bytes. */
    static final String INSERT_CONTENT = "INSERT INTO attachment_contents (sha256, size, touched_at, bytes)"
            + " VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET touched_at = excluded.touched_at";

    static final String SELECT_BYTES = "SELECT bytes FROM attachment_contents WHERE sha256 = ?";
    /** Deletes bytes if no upload refers to them and no upload touched them lately. */
    static final String DELETE_CONTENT = "DELETE FROM attachment_contents WHERE sha256 = ? AND touched_at < ?"
            + " AND NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?)";

    static final String SELECT_ORPHANS = "SELECT sha256 FROM attachment_contents c WHERE touched_at < ?"
            + " AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = c.sha256) ORDER BY sha256 LIMIT "
            + SWEEP_BATCH;
    static final String INSERT_SETTING =
            "INSERT INTO store_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING";
    static final String SELECT_SETTING = "SELECT value FROM store_settings WHERE name = ?";
    /** The {@code store_settings} row of the key download links are signed with. */
    static final String FILES_KEY = "files_key";

    private final JdbcDatabase database;
    private final JdbcWriter writer;
    private final JdbcReaders readers;
    private final Clock clock;
    /** The bytes' files on SQLite; null on PostgreSQL, which keeps them in rows. */
    private final AttachmentFiles files;
    /** SQLite: held while bytes are stored, and while bytes are deleted until their files are. */
    private final ReentrantLock contentLock = new ReentrantLock();
    /**
     * PostgreSQL: the connections downloads read bytes on, apart from the store's readers, so that
     * a burst of downloads cannot hold up the reads of transcripts; null on SQLite.
     */
    private final JdbcReaders contentReaders;
    /** Runs the blocking copies of bytes and the sweeps, off the callers' threads. */
    private final ExecutorService lane;

    private volatile byte[] signingKey;

    JdbcAttachments(JdbcDatabase database, JdbcWriter writer, JdbcReaders readers, Clock clock) {
        this.database = database;
        this.writer = writer;
        this.readers = readers;
        this.clock = clock;
        this.files = database.isSqlite() ? new AttachmentFiles(database.dataDir()) : null;
        this.contentReaders = database.isSqlite() ? null : new JdbcReaders(database, CONTENT_READERS);
        this.lane = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "concierge-store-attachments");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletableFuture<Void> putContent(String sha256, Path file) {
        checkSha(sha256);
        Objects.requireNonNull(file, "file");
        return CompletableFuture.runAsync(
                () -> {
                    try {
                        if (files != null) {
                            putFile(sha256, file);
                        } else {
                            putRow(sha256, file);
                        }
                    } catch (IOException | SQLException e) {
                        throw new StoreException("store could not keep attachment bytes " + sha256, e);
                    }
                },
                lane);
    }

    private void putFile(String sha256, Path file) throws IOException {
        contentLock.lock();
        try {
            files.put(sha256, file);
            long size = Files.size(files.path(sha256));
            Object now = JdbcRows.micros(clock.instant());
            join(writer.submit("record attachment bytes " + sha256, tx -> tx.add(UPSERT_CONTENT, sha256, size, now)));
        } finally {
            contentLock.unlock();
        }
    }

    /**
     * PostgreSQL: on a connection of its own rather than the writer's, so that the transfer of a
     * file does not hold up every conversation's writes. Not fenced: bytes are named by their
     * SHA-256, so a node writing them late changes nothing anyone reads.
     */
    private void putRow(String sha256, Path file) throws IOException, SQLException {
        Object now = JdbcRows.micros(clock.instant());
        try (Connection c = database.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement touch = c.prepareStatement(TOUCH)) {
                JdbcRows.bind(touch, now, sha256);
                if (touch.executeUpdate() == 0) {
                    insertBytes(c, sha256, file, now);
                }
            }
            c.commit();
        }
    }

    private static void insertBytes(Connection c, String sha256, Path file, Object now)
            throws IOException, SQLException {
        long size = Files.size(file);
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), AttachmentFiles.sha256Digest());
                PreparedStatement ps = c.prepareStatement(INSERT_CONTENT)) {
            JdbcRows.bind(ps, sha256, size, now);
            ps.setBinaryStream(4, in, size); // streamed to the server, not read into memory
            ps.executeUpdate();
            String actual = HexFormat.of().formatHex(in.getMessageDigest().digest());
            if (!actual.equals(sha256)) {
                c.rollback();
                throw new IllegalArgumentException("the bytes' SHA-256 is " + actual + ", not " + sha256);
            }
        }
    }

    /**
     * On PostgreSQL the bytes are read into memory (uploads are at most a few MB, see {@code
     * AttachmentSettings.maxFileBytes}), so that the read connection is given back at once; at
     * most {@link #CONTENT_READERS} reads run at once, on connections of their own.
     */
    @Override
    public Optional<InputStream> openContent(String sha256) throws IOException {
        checkSha(sha256);
        if (files != null) {
            return files.open(sha256);
        }
        return contentReaders.read("attachment bytes " + sha256, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_BYTES)) {
                // Binary transfer: bytea in the text format is hex, twice the bytes to send and decode.
                ps.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(-1);
                ps.setString(1, sha256);
                try (ResultSet rs = ps.executeQuery()) {
                    byte[] bytes = rs.next() ? rs.getBytes(1) : null;
                    return Optional.ofNullable(bytes).map(ByteArrayInputStream::new);
                }
            }
        });
    }

    @Override
    public CompletableFuture<Void> add(StoredAttachment a) {
        Objects.requireNonNull(a, "attachment");
        Attachment v = a.view();
        Object[] params = {
            v.id(),
            v.name(),
            v.kind(),
            v.mediaType(),
            v.size(),
            JdbcRows.integer(v.width()),
            JdbcRows.integer(v.height()),
            a.conversationId(),
            a.uploadedBy(),
            a.sha256(),
            JdbcRows.micros(a.createdAt()),
            a.seq(),
            a.sha256()
        };
        AtomicInteger inserted = new AtomicInteger();
        return writer.submit("record attachment " + v.id(), tx -> tx.addCounted(INSERT, inserted::set, params))
                .thenRun(() -> {
                    if (inserted.get() == 0) {
                        throw new StoreException("attachment " + v.id() + " not recorded: no bytes are stored for "
                                + a.sha256() + " (putContent first)");
                    }
                });
    }

    @Override
    public Optional<StoredAttachment> attachment(String id) {
        Objects.requireNonNull(id, "id");
        return readers.read("attachment " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT)) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(stored(rs)) : Optional.<StoredAttachment>empty();
                }
            }
        });
    }

    @Override
    public long bytesOf(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return readers.read("attachment bytes of " + conversationId, c -> {
            try (PreparedStatement ps = c.prepareStatement(BYTES_OF)) {
                ps.setString(1, conversationId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    @Override
    public CompletableFuture<Integer> deleteUnreferenced(Instant createdBefore) {
        Object before = JdbcRows.micros(Objects.requireNonNull(createdBefore, "createdBefore"));
        return CompletableFuture.supplyAsync(
                () -> {
                    AtomicInteger deleted = new AtomicInteger();
                    join(writer.submit(
                            "delete unreferenced attachments",
                            tx -> tx.addCounted(DELETE_UNREFERENCED, deleted::set, before)));
                    Instant graced = clock.instant().minus(TOUCH_GRACE);
                    sweepBytes(createdBefore.isBefore(graced) ? createdBefore : graced);
                    return deleted.get();
                },
                lane);
    }

    /** Deletes the bytes no upload refers to that were last touched before {@code before}. */
    private void sweepBytes(Instant before) {
        Object cutoff = JdbcRows.micros(before);
        Set<String> tried = new HashSet<>();
        while (true) {
            List<String> orphans = readers.read("unreferenced attachment bytes", c -> {
                try (PreparedStatement ps = c.prepareStatement(SELECT_ORPHANS)) {
                    JdbcRows.bind(ps, cutoff);
                    return shas(ps);
                }
            });
            if (orphans.isEmpty() || !tried.addAll(orphans)) {
                return; // none left, or the last write deleted none of them: never loop on the same rows
            }
            ContentSweep sweep = new ContentSweep(new LinkedHashSet<>(orphans), cutoff);
            join(sweep.run(() -> writer.submit("delete unreferenced attachment bytes", sweep::add)));
            if (orphans.size() < SWEEP_BATCH) {
                return;
            }
        }
    }

    /**
     * The sweep of the bytes that deleting the uploads of {@code conversationIds} may leave
     * unreferenced, read now, before the write that deletes them.
     */
    ContentSweep sweepOf(List<String> conversationIds) {
        Set<String> shas = new LinkedHashSet<>();
        readers.read("attachment bytes of " + conversationIds.size() + " conversations", c -> {
            try (PreparedStatement ps = c.prepareStatement(SHA_OF_CONVERSATION)) {
                for (String id : conversationIds) {
                    ps.setString(1, id);
                    shas.addAll(shas(ps));
                }
            }
            return null;
        });
        return new ContentSweep(shas, JdbcRows.micros(clock.instant().minus(TOUCH_GRACE)));
    }

    /**
     * Bytes to delete if no upload refers to them any more: their rows in a write (after the
     * deletion of the uploads, in the same transaction), their files once it has committed.
     */
    final class ContentSweep {
        private final Set<String> candidates;
        private final Object touchedBefore;
        private final Set<String> deleted = ConcurrentHashMap.newKeySet();

        private ContentSweep(Set<String> candidates, Object touchedBefore) {
            this.candidates = candidates;
            this.touchedBefore = touchedBefore;
        }

        /** Adds the deletion of each candidate to {@code tx}, after the uploads' deletions. */
        void add(JdbcWriter.Tx tx) throws SQLException {
            deleted.clear(); // a write retried alone runs again
            for (String sha : candidates) {
                tx.addCounted(
                        DELETE_CONTENT,
                        n -> {
                            if (n != 0) {
                                deleted.add(sha);
                            }
                        },
                        sha,
                        touchedBefore,
                        sha);
            }
        }

        /** Runs {@code write} (which calls {@link #add}), then deletes the files of the bytes it deleted. */
        CompletableFuture<Void> run(Supplier<CompletableFuture<Void>> write) {
            if (files == null) {
                return write.get();
            }
            contentLock.lock();
            try {
                CompletableFuture<Void> done = write.get();
                try {
                    done.join();
                } catch (CompletionException e) {
                    return done; // nothing deleted
                }
                deleted.forEach(files::delete);
                return done;
            } finally {
                contentLock.unlock();
            }
        }
    }

    @Override
    public byte[] signingKey() {
        byte[] key = signingKey;
        if (key == null) {
            key = storedKey().orElseGet(() -> {
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                String encoded = Base64.getEncoder().encodeToString(fresh);
                join(writer.submit("make the download signing key", tx -> tx.add(INSERT_SETTING, FILES_KEY, encoded)));
                return storedKey().orElseThrow(() -> new StoreException("the download signing key was not kept"));
            });
            signingKey = key; // every node reads the one row that won
        }
        return key.clone();
    }

    private Optional<byte[]> storedKey() {
        return readers.read("the download signing key", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_SETTING)) {
                ps.setString(1, FILES_KEY);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? Optional.of(Base64.getDecoder().decode(rs.getString(1)))
                            : Optional.<byte[]>empty();
                }
            }
        });
    }

    /** Stops the copies and sweeps after those under way; the store closes the writer after. */
    @Override
    public void close() {
        if (contentReaders != null) {
            contentReaders.close();
        }
        lane.shutdown();
        try {
            if (!lane.awaitTermination(30, TimeUnit.SECONDS)) {
                lane.shutdownNow();
            }
        } catch (InterruptedException e) {
            lane.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    static StoredAttachment stored(ResultSet rs) throws SQLException {
        Attachment view = new Attachment(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getLong(5),
                JdbcRows.integer(rs, 6),
                JdbcRows.integer(rs, 7));
        return new StoredAttachment(
                view, rs.getString(8), rs.getString(9), rs.getString(10), JdbcRows.instant(rs, 11), rs.getLong(12));
    }

    private static List<String> shas(PreparedStatement ps) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static void checkSha(String sha256) {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits");
        }
    }

    private static <T> T join(CompletableFuture<T> write) {
        try {
            return write.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r
                    ? r
                    : new StoreException("store write failed", e.getCause());
        }
    }
}
