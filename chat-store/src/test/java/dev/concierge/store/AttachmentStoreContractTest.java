package dev.concierge.store;

import static dev.concierge.store.StoreContractTest.assertRejected;
import static dev.concierge.store.StoreContractTest.done;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.store.AttachmentStore.StoredAttachment;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link JdbcConversationStore} must do with attachments (docs/attachments.md), whatever
 * the engine: bytes stored once per content and read back, uploads recorded and referred to by
 * the message that carries them in the message's transaction, and deleted with their
 * conversation (retention, erasure) or when no message came for them, their bytes with the last
 * upload that refers to them. Each engine's test extends it ({@link SqliteAttachmentStoreTest},
 * {@link PostgresAttachmentStoreTest}); time is the store's clock, moved by the test.
 */
abstract class AttachmentStoreContractTest {
    static final Instant T0 = Instant.parse("2025-03-04T05:06:07.000008Z");

    @TempDir
    Path dir;

    final MovableClock clock = new MovableClock(T0);
    private final List<JdbcConversationStore> opened = new ArrayList<>();
    JdbcConversationStore store;
    AttachmentStore attachments;

    /** Makes this test's empty database. */
    abstract void createDatabase() throws Exception;

    /** Removes this test's database. */
    abstract void dropDatabase() throws Exception;

    /** The database of this test; every call names the same data. */
    abstract JdbcDatabase database();

    /** A plain connection to this test's database, to look at what is stored. */
    abstract Connection rawConnection() throws SQLException;

    /** Whether the stored bytes of {@code sha256} are there, wherever the engine keeps them. */
    abstract boolean bytesStored(String sha256) throws Exception;

    @BeforeEach
    final void setUp() throws Exception {
        createDatabase();
        reopen();
    }

    @AfterEach
    final void tearDown() throws Exception {
        opened.forEach(JdbcConversationStore::close);
        dropDatabase();
    }

    /** Opens a new store on this test's database (closed after the test) and makes it {@link #store}. */
    final JdbcConversationStore reopen() {
        store = JdbcConversationStore.open(database(), clock);
        opened.add(store);
        attachments = store.attachments().orElseThrow();
        return store;
    }

    @Test
    void putContent_readsBackTheBytes_andStoringThemAgainKeepsOneCopy() throws Exception {
        String sha = put("a picture of a cat");

        assertThat(read(sha)).isEqualTo("a picture of a cat");
        done(attachments.putContent(sha, file("a picture of a cat")));
        assertThat(read(sha)).isEqualTo("a picture of a cat");
        assertThat(count("SELECT COUNT(*) FROM attachment_contents")).isEqualTo(1);
        assertThat(attachments.openContent(sha("never stored"))).isEmpty();
    }

    @Test
    void putContent_refusesBytesWhoseSha256IsNotTheOneGiven_storingNothing() throws Exception {
        String other = sha("something else");

        assertThatThrownBy(() -> done(attachments.putContent(other, file("the real bytes"))))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("SHA-256");
        assertThat(attachments.openContent(other)).isEmpty();
        assertThat(bytesStored(other)).isFalse();
        assertThat(count("SELECT COUNT(*) FROM attachment_contents")).isZero();
    }

    @Test
    void putContent_andOpenContent_refuseANameThatIsNotASha256_beforeTouchingAnything() throws Exception {
        Path bytes = file("anything");

        assertThatThrownBy(() -> attachments.putContent("../../" + JdbcDatabase.SQLITE_FILE, bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sha256");
        assertThatThrownBy(() -> attachments.openContent("../" + sha("x").substring(3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> attachments.openContent(sha("x").toUpperCase(java.util.Locale.ROOT)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(count("SELECT COUNT(*) FROM attachment_contents")).isZero();
    }

    @Test
    void add_recordsTheUpload_unreferenced_andRefusesOneWhoseBytesAreNotStored() throws Exception {
        StoredAttachment a = upload("c1", 1, "hello");

        StoredAttachment read = attachments.attachment(a.id()).orElseThrow();
        assertThat(read).isEqualTo(a);
        assertThat(read.seq()).isZero();
        assertThat(attachments.attachment(id(9))).isEmpty();

        StoredAttachment orphan = stored("c1", 2, sha("no bytes for these"), 3);
        assertThatThrownBy(() -> done(attachments.add(orphan)))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("no bytes are stored");
        assertThat(attachments.attachment(orphan.id())).isEmpty();
    }

    @Test
    void append_withAnAttachment_refersToIt_andTheEventReadsBackWithIt_afterAReopenToo() throws Exception {
        StoredAttachment a = upload("c1", 1, "an image");
        done(store.append("c1", message(1, "hello")));
        TranscriptEvent carrying = message(2, "").withAttachment(a.view());

        done(store.append("c1", carrying));

        assertThat(attachments.attachment(a.id()).orElseThrow().seq()).isEqualTo(2);
        assertThat(store.events("c1", 0)).containsExactly(message(1, "hello"), carrying);
        assertThat(store.events("c1", 1)).containsExactly(carrying);
        store.close();
        assertThat(reopen().events("c1", 0)).containsExactly(message(1, "hello"), carrying);
    }

    @Test
    void append_refusesAnAttachmentOfAnotherConversation_orCarriedAlready_orUnknown() throws Exception {
        StoredAttachment a = upload("c1", 1, "one");
        StoredAttachment b = upload("c2", 2, "two");
        done(store.append("c1", message(1, "").withAttachment(a.view())));

        assertRejected(store.append("c1", message(2, "again").withAttachment(a.view())), "carried by another");
        assertRejected(store.append("c1", message(2, "theirs").withAttachment(b.view())), "not an upload to c1");
        Attachment unknown = new Attachment(id(7), "x.pdf", Attachment.FILE, "application/pdf", 3, null, null);
        assertRejected(store.append("c1", message(2, "unknown").withAttachment(unknown)), "not an upload to c1");
        assertRejected(
                store.appendAll(
                        "c2",
                        List.of(
                                message(1, "").withAttachment(b.view()),
                                message(2, "").withAttachment(b.view()))),
                "carried by two messages");

        assertThat(store.events("c1", 0)).hasSize(1);
        assertThat(store.events("c2", 0)).isEmpty();
        assertThat(attachments.attachment(b.id()).orElseThrow().seq()).isZero();
        done(store.append("c2", message(1, "").withAttachment(b.view())));
        assertThat(attachments.attachment(b.id()).orElseThrow().seq()).isEqualTo(1);
    }

    @Test
    void append_thatFailsAtCommit_leavesTheAttachmentUnreferenced() throws Exception {
        StoredAttachment a = upload("c1", 1, "a contract");
        done(store.appendAll("c1", List.of(message(1, "")), List.of(mail("c1", 1, "m1"))));

        // The mail's Message-ID is taken: its insert fails at the commit, after the reference was added.
        CompletableFuture<Void> failed =
                store.appendAll("c1", List.of(message(2, "").withAttachment(a.view())), List.of(mail("c1", 2, "m1")));

        assertThatThrownBy(() -> done(failed)).isInstanceOf(ExecutionException.class);
        assertThat(attachments.attachment(a.id()).orElseThrow().seq()).isZero();
        assertThat(store.events("c1", 0)).extracting(TranscriptEvent::seq).containsExactly(1L);
        done(store.append("c1", message(2, "").withAttachment(a.view())));
        assertThat(attachments.attachment(a.id()).orElseThrow().seq()).isEqualTo(2);
    }

    @Test
    void bytesOf_addsUpEveryUploadOfTheConversation_referencedOrNot() throws Exception {
        upload("c1", 1, "12345");
        StoredAttachment second = upload("c1", 2, "1234567890");
        upload("c2", 3, "123");
        done(store.append("c1", message(1, "").withAttachment(second.view())));

        assertThat(attachments.bytesOf("c1")).isEqualTo(15);
        assertThat(attachments.bytesOf("c2")).isEqualTo(3);
        assertThat(attachments.bytesOf("c3")).isZero();
    }

    @Test
    void purge_deletesTheConversationsUploads_andBytesOnlyOnceNoUploadSharesThem() throws Exception {
        saveClosed("c1", "v1");
        saveClosed("c2", "v2");
        StoredAttachment shared1 = upload("c1", 1, "the price list");
        StoredAttachment own = upload("c1", 2, "only in c1");
        StoredAttachment shared2 = upload("c2", 3, "the price list");
        done(store.append("c1", message(1, "").withAttachment(shared1.view())));
        clock.move(Duration.ofDays(2));

        store.purgeClosedBefore(clock.instant().minus(Duration.ofDays(1)));

        assertThat(attachments.attachment(shared1.id())).isEmpty();
        assertThat(attachments.attachment(own.id())).isEmpty();
        assertThat(attachments.attachment(shared2.id())).isEmpty();
        assertThat(bytesStored(own.sha256())).isFalse();
        assertThat(bytesStored(shared1.sha256())).isFalse();
        assertThat(count("SELECT COUNT(*) FROM attachment_contents")).isZero();
    }

    @Test
    void erasure_deletesTheVisitorsUploadsAndTheirBytes_butKeepsBytesAnotherUploadShares() throws Exception {
        saveOpen("c1", "v1");
        saveOpen("c2", "v2");
        StoredAttachment ada = upload("c1", 1, "the price list");
        StoredAttachment adaOwn = upload("c1", 2, "my passport");
        StoredAttachment bob = upload("c2", 3, "the price list");
        clock.move(Duration.ofDays(2));

        store.eraseVisitor("v1");

        assertThat(attachments.attachment(ada.id())).isEmpty();
        assertThat(attachments.attachment(adaOwn.id())).isEmpty();
        assertThat(bytesStored(adaOwn.sha256())).isFalse();
        assertThat(attachments.openContent(adaOwn.sha256())).isEmpty();
        assertThat(attachments.attachment(bob.id())).isPresent();
        assertThat(read(bob.sha256())).isEqualTo("the price list");

        store.eraseVisitor("v2");
        assertThat(bytesStored(bob.sha256())).isFalse();
    }

    @Test
    void bytesTouchedLately_outliveTheirLastUpload_untilTheSweep() throws Exception {
        saveOpen("c1", "v1");
        StoredAttachment old = upload("c1", 1, "logo");
        clock.move(Duration.ofDays(1));
        // Another upload finds the same bytes stored, and is about to record itself.
        done(attachments.putContent(old.sha256(), file("logo")));

        store.eraseVisitor("v1");

        assertThat(attachments.attachment(old.id())).isEmpty();
        assertThat(bytesStored(old.sha256())).isTrue();
        clock.move(JdbcAttachments.TOUCH_GRACE.plusSeconds(1));
        assertThat(attachments.deleteUnreferenced(clock.instant()).get(30, TimeUnit.SECONDS))
                .isZero();
        assertThat(bytesStored(old.sha256())).isFalse();
    }

    @Test
    void deleteUnreferenced_deletesOldUploadsNoMessageCarries_withTheirUnsharedBytes() throws Exception {
        StoredAttachment carried = upload("c1", 1, "carried");
        StoredAttachment abandoned = upload("c1", 2, "abandoned");
        StoredAttachment sharing = upload("c2", 3, "carried");
        done(store.append("c1", message(1, "").withAttachment(carried.view())));
        clock.move(Duration.ofDays(1));
        StoredAttachment fresh = upload("c1", 4, "fresh");
        clock.move(Duration.ofHours(2));

        int deleted = attachments
                .deleteUnreferenced(clock.instant().minus(Duration.ofHours(12)))
                .get(30, TimeUnit.SECONDS);

        assertThat(deleted).isEqualTo(2);
        assertThat(attachments.attachment(abandoned.id())).isEmpty();
        assertThat(attachments.attachment(sharing.id())).isEmpty();
        assertThat(bytesStored(abandoned.sha256())).isFalse();
        assertThat(attachments.attachment(carried.id())).isPresent();
        assertThat(read(carried.sha256())).isEqualTo("carried");
        assertThat(attachments.attachment(fresh.id())).isPresent();
        assertThat(read(fresh.sha256())).isEqualTo("fresh");
    }

    @Test
    void signingKey_is32RandomBytes_keptAcrossAReopen() throws Exception {
        byte[] key = attachments.signingKey();

        assertThat(key).hasSize(32);
        assertThat(attachments.signingKey()).isEqualTo(key);
        assertThat(count("SELECT COUNT(*) FROM store_settings WHERE name = 'files_key'"))
                .isEqualTo(1);
        store.close();
        assertThat(reopen().attachments().orElseThrow().signingKey()).isEqualTo(key);
    }

    // ----------------------------------------------------------------------------- helpers

    /** Stores {@code content}'s bytes and an upload of them to {@code conversationId}; n names it. */
    final StoredAttachment upload(String conversationId, int n, String content) throws Exception {
        String sha = put(content);
        StoredAttachment a = stored(conversationId, n, sha, content.getBytes(StandardCharsets.UTF_8).length);
        done(attachments.add(a));
        return a;
    }

    final StoredAttachment stored(String conversationId, int n, String sha, long size) {
        Attachment view =
                new Attachment(id(n), "file-" + n + ".pdf", Attachment.FILE, "application/pdf", size, null, null);
        return new StoredAttachment(view, conversationId, "visitor:v_" + conversationId, sha, clock.instant(), 0);
    }

    final String put(String content) throws Exception {
        String sha = sha(content);
        done(attachments.putContent(sha, file(content)));
        return sha;
    }

    final Path file(String content) throws Exception {
        return Files.writeString(Files.createTempFile(dir, "upload", ".bin"), content);
    }

    final String read(String sha) throws Exception {
        try (InputStream in = attachments.openContent(sha).orElseThrow()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String sha(String content) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8)));
    }

    static String id(int n) {
        return "a_" + "b".repeat(24) + (char) ('a' + n / 26) + (char) ('a' + n % 26);
    }

    final void saveClosed(String id, String visitorId) throws Exception {
        done(store.saveConversation(ConversationRecord.builder(id, visitorId, ConversationState.CLOSED, T0)
                .firstLine("first line")
                .build()));
    }

    final void saveOpen(String id, String visitorId) throws Exception {
        done(store.saveConversation(ConversationRecord.builder(id, visitorId, ConversationState.BOT, T0)
                .firstLine("first line")
                .build()));
    }

    static TranscriptEvent message(long seq, String text) {
        return TranscriptEvent.message(null, new Author(Role.VISITOR, "v1", "Ada"), text)
                .stamped(seq, T0.plusSeconds(seq));
    }

    static ConversationStore.OutboundMail mail(String conversationId, long seq, String id) {
        return new ConversationStore.OutboundMail(
                id + "@reply.example.test",
                conversationId,
                seq,
                "confirmation",
                "demo",
                "ada@example.test",
                "{}",
                T0.plusSeconds(seq));
    }

    final long count(String sql) throws SQLException {
        try (Connection c = rawConnection()) {
            return StoreContractTest.count(c, sql);
        }
    }

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void move(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
