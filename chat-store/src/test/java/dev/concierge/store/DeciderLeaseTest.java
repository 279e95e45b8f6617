package dev.concierge.store;

import static dev.concierge.store.StoreContractTest.done;
import static dev.concierge.store.StoreContractTest.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.TranscriptEvent;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster's lease and the fencing of a deciding node's writes, on a real PostgreSQL: one
 * holder at a time, a new token on each takeover, and no commit under an old token.
 */
final class DeciderLeaseTest {
    private static final Duration LONG = Duration.ofMinutes(1);
    private MigratedSchema schema;
    private String url;

    @BeforeEach
    void createSchema() throws Exception {
        schema = MigratedSchema.create("lease_test");
        url = schema.url();
    }

    @AfterEach
    void dropSchema() throws Exception {
        schema.close();
    }

    @Test
    void lease_hasOneHolder_untilItExpires_thenTheNextTakesItWithANewToken() {
        try (DeciderLease a = lease();
                DeciderLease b = lease()) {
            OptionalLong first = a.acquire("n1", Duration.ofMillis(300));
            assertThat(first).hasValue(1);
            assertThat(b.acquire("n2", LONG)).isEmpty();
            assertThat(a.current())
                    .hasValueSatisfying(h -> assertThat(h.holder()).isEqualTo("n1"));

            // Expiry is the database's clock: n2 gets it once 300 ms have passed there.
            long second = Awaitility.await()
                    .atMost(10, TimeUnit.SECONDS)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> b.acquire("n2", LONG), OptionalLong::isPresent)
                    .getAsLong();
            assertThat(second).isEqualTo(2);
            assertThat(a.renew(first.getAsLong(), LONG))
                    .as("the old holder cannot renew")
                    .isFalse();
            assertThat(b.renew(second, LONG)).isTrue();
            assertThat(a.current()).hasValueSatisfying(h -> {
                assertThat(h.holder()).isEqualTo("n2");
                assertThat(h.token()).isEqualTo(2);
                assertThat(h.expiresIn()).isGreaterThan(Duration.ofSeconds(30));
            });
        }
    }

    @Test
    void takeover_waitsOnlyBriefly_forAHolderPausedInsideAWriteTransaction() throws Exception {
        try (DeciderLease a = lease();
                DeciderLease b = lease();
                Connection paused =
                        DriverManager.getConnection(url, PostgresStoreTest.USER, PostgresStoreTest.PASSWORD)) {
            a.acquire("n1", Duration.ofMillis(300)).orElseThrow();
            // What a fenced writer's session does, then the process is stopped before it commits.
            try (Statement s = paused.createStatement()) {
                s.execute("SET idle_in_transaction_session_timeout = " + JdbcTransaction.FENCED_IDLE_LIMIT_MS);
            }
            paused.setAutoCommit(false);
            try (var ps = paused.prepareStatement(DeciderLease.FENCE)) {
                ps.setString(1, "decider");
                ps.executeQuery().close();
            }
            long start = System.nanoTime();
            long token = Awaitility.await()
                    .atMost(20, TimeUnit.SECONDS)
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreExceptionsInstanceOf(StoreException.class) // lock_timeout while the row is held
                    .until(() -> b.acquire("n2", LONG), OptionalLong::isPresent)
                    .getAsLong();
            assertThat(token).isEqualTo(2);
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("PostgreSQL ended the paused session")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(JdbcTransaction.FENCED_IDLE_LIMIT_MS - 500));
        }
    }

    @Test
    void release_letsTheNextHolderTakeOverAtOnce() {
        try (DeciderLease a = lease();
                DeciderLease b = lease()) {
            long token = a.acquire("n1", LONG).orElseThrow();
            assertThat(b.acquire("n2", LONG)).isEmpty();
            a.release(token);
            assertThat(b.acquire("n2", LONG)).hasValue(token + 1);
        }
    }

    @Test
    void fencedStore_commitsUnderItsToken_andNothingOnceTheLeaseMovedOn() throws Exception {
        try (DeciderLease a = lease();
                DeciderLease b = lease()) {
            long oldToken = a.acquire("n1", LONG).orElseThrow();
            JdbcConversationStore stale = fenced(oldToken);
            try {
                done(stale.append("c1", message(1, "m1", "before the takeover")));
                a.release(oldToken);
                long newToken = b.acquire("n2", LONG).orElseThrow();

                // The paused node wakes and writes the next seq: the database refuses it.
                CompletableFuture<Void> late = stale.append("c1", message(2, "m2", "stale write"));
                assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasRootCauseMessage("lease decider is held under token " + newToken + ", not " + oldToken
                                + ": another node decides now");
                assertThat(stale.failure())
                        .hasValueSatisfying(f -> assertThat(f).contains("lost the lease"));
                // Refused from then on, whatever it writes.
                assertThatThrownBy(() -> stale.saveVisitor(StoreContractTest.visitor("v9", "vt_9"))
                                .get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class);

                try (JdbcConversationStore current = fenced(newToken)) {
                    done(current.append("c1", message(2, "m2b", "from the new decider")));
                    assertThat(current.events("c1", 0))
                            .extracting(TranscriptEvent::text)
                            .containsExactly("before the takeover", "from the new decider");
                    assertThat(current.visitor("v9")).isEmpty();
                }
            } finally {
                stale.close();
            }
        }
    }

    private JdbcConversationStore fenced(long token) {
        return JdbcConversationStore.postgres(
                url, PostgresStoreTest.USER, PostgresStoreTest.PASSWORD, new Fencing("decider", token));
    }

    private DeciderLease lease() {
        return DeciderLease.postgres(url, PostgresStoreTest.USER, PostgresStoreTest.PASSWORD, "decider");
    }
}
