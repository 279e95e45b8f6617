package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite writer acknowledges a write only after the WAL is fsynced, although its commit no
 * longer waits for the disk; and it keeps the WAL from growing without end.
 */
final class WalSyncerTest {
    @TempDir
    Path dataDir;

    @Test
    void aCommittedWrite_completesOnlyAfterTheSync() throws Exception {
        CountDownLatch syncing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger syncs = new AtomicInteger();
        try (JdbcDatabase db = migrated()) {
            JdbcWriter writer = new JdbcWriter(db, new WalSyncer(() -> {
                syncs.incrementAndGet();
                syncing.countDown();
                await(release);
            }));
            try {
                CompletableFuture<Void> write =
                        writer.submit("insert v1", tx -> tx.add(JdbcRows.UPSERT_VISITOR, "v1", "hash-1", "{}", 1L));
                assertThat(syncing.await(10, TimeUnit.SECONDS))
                        .as("the sync started")
                        .isTrue();
                // Committed (another connection reads the row) yet not acknowledged: not on disk yet.
                assertThat(visitorRows(db)).isEqualTo(1);
                assertThat(write).isNotDone();

                release.countDown();
                write.get(10, TimeUnit.SECONDS);
                assertThat(syncs.get()).isPositive();
            } finally {
                release.countDown();
                writer.close();
            }
        }
    }

    @Test
    void writesCommittedDuringASync_shareTheNextOne_andCompleteInOrder() throws Exception {
        CountDownLatch syncing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger syncs = new AtomicInteger();
        List<Integer> completed = java.util.Collections.synchronizedList(new ArrayList<>());
        try (JdbcDatabase db = migrated()) {
            JdbcWriter writer = new JdbcWriter(db, new WalSyncer(() -> {
                if (syncs.incrementAndGet() == 1) {
                    syncing.countDown();
                    await(release);
                }
            }));
            try {
                List<CompletableFuture<Void>> writes = new ArrayList<>();
                writes.add(writer.submit("insert v0", tx -> tx.add(JdbcRows.UPSERT_VISITOR, "v0", "h0", "{}", 1L)));
                assertThat(syncing.await(10, TimeUnit.SECONDS)).isTrue();
                for (int i = 1; i <= 50; i++) { // committed by the writer while the first sync hangs
                    String id = "v" + i;
                    writes.add(writer.submit(
                            "insert " + id, tx -> tx.add(JdbcRows.UPSERT_VISITOR, id, "h" + id, "{}", 1L)));
                }
                List<CompletableFuture<Void>> recorded = new ArrayList<>();
                for (int i = 0; i < writes.size(); i++) {
                    int n = i;
                    recorded.add(writes.get(i).thenRun(() -> completed.add(n)));
                }
                Awaitility.await("all 51 writes committed")
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> visitorRows(db) == 51);
                assertThat(writes).allMatch(f -> !f.isDone());

                release.countDown();
                // Waits for the recording callbacks, not the writes: a write's own dependants may
                // run before the callback that records it.
                CompletableFuture.allOf(recorded.toArray(CompletableFuture[]::new))
                        .get(10, TimeUnit.SECONDS);
                assertThat(completed).isSorted().hasSize(51);
                assertThat(syncs.get())
                        .as("one sync for the first write, few for the 50 behind it")
                        .isBetween(2, 10);
            } finally {
                release.countDown();
                writer.close();
            }
        }
    }

    @Test
    void aFailedSync_failsTheWritesItCovered() throws Exception {
        try (JdbcDatabase db = migrated()) {
            JdbcWriter writer = new JdbcWriter(db, new WalSyncer(() -> {
                throw new IOException("disk full");
            }));
            try {
                CompletableFuture<Void> write =
                        writer.submit("insert v1", tx -> tx.add(JdbcRows.UPSERT_VISITOR, "v1", "hash-1", "{}", 1L));
                assertThat(write)
                        .failsWithin(10, TimeUnit.SECONDS)
                        .withThrowableOfType(ExecutionException.class)
                        .withMessageContaining("store could not make durable: insert v1")
                        .withRootCauseInstanceOf(IOException.class);
            } finally {
                writer.close();
            }
        }
    }

    @Test
    void afterAFailedSync_noLaterSyncIsTrusted_andEveryWriteIsRefusedUntouched() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        try (JdbcDatabase db = migrated()) {
            JdbcWriter writer = new JdbcWriter(db, new WalSyncer(() -> {
                if (syncs.incrementAndGet() == 1) {
                    throw new IOException("EIO");
                }
            }));
            try {
                assertThat(writer.failure()).isNull();
                CompletableFuture<Void> first =
                        writer.submit("insert v1", tx -> tx.add(JdbcRows.UPSERT_VISITOR, "v1", "hash-1", "{}", 1L));
                assertThat(first)
                        .failsWithin(10, TimeUnit.SECONDS)
                        .withThrowableOfType(ExecutionException.class)
                        .withMessageContaining("store could not make durable: insert v1");
                assertThat(writer.failure()).hasMessage("EIO");

                // The disk answers again, but what the failed fsync dropped is unknown: no more writes.
                CompletableFuture<Void> second =
                        writer.submit("insert v2", tx -> tx.add(JdbcRows.UPSERT_VISITOR, "v2", "hash-2", "{}", 1L));
                assertThat(second)
                        .failsWithin(10, TimeUnit.SECONDS)
                        .withThrowableOfType(ExecutionException.class)
                        .withMessageContaining(JdbcWriter.UNAVAILABLE + "insert v2")
                        .withRootCauseInstanceOf(IOException.class);
                assertThat(syncs).as("fsync calls").hasValue(1);
            } finally {
                writer.close();
            }
            // v1 was committed before its fsync failed; v2 never reached the database.
            try (Connection c = db.connect();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT id FROM visitors ORDER BY id")) {
                List<String> ids = new ArrayList<>();
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
                assertThat(ids).containsExactly("v1");
            }
        }
    }

    @Test
    void aRewind_makesTheNextCommitsWriteFromTheStartOfTheWal() throws Exception {
        try (JdbcDatabase db = migrated()) {
            JdbcWriter writer = new JdbcWriter(db);
            try {
                batch(writer, 0); // about 4 MB of WAL
                long before = Files.size(db.sqliteWal());
                for (int round = 1; round <= 4; round++) {
                    writer.requestWalRewind();
                    batch(writer, round);
                }
                // Without the rewinds the WAL would hold all five batches (nothing else checkpoints
                // here); with them it holds at most the last two (a batch may commit in two parts).
                assertThat(Files.size(db.sqliteWal())).isLessThan(3 * before);
                assertThat(visitorRows(db)).isEqualTo(5 * 1000);
            } finally {
                writer.close();
            }
        }
    }

    private static void batch(JdbcWriter writer, int round) throws Exception {
        String context = "{\"note\":\"" + "x".repeat(3000) + "\"}";
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String id = "v" + round + "-" + i;
            writes.add(writer.submit("insert " + id, tx -> tx.add(JdbcRows.UPSERT_VISITOR, id, "h" + id, context, 1L)));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }

    private JdbcDatabase migrated() {
        JdbcDatabase db = JdbcDatabase.sqlite(dataDir);
        db.migrate();
        return db;
    }

    private static int visitorRows(JdbcDatabase db) {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM visitors")) {
            rs.next();
            return rs.getInt(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
