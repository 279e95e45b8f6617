package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.ConversationState;
import dev.concierge.server.testing.MutableClock;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.IntegrationStore;
import dev.concierge.store.IntegrationStore.ConversationQuery;
import dev.concierge.store.IntegrationStore.Cursor;
import dev.concierge.store.IntegrationStore.ListedConversation;
import dev.concierge.store.JdbcConversationStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/v1/follow-ups}' paging over the SQLite store with more follow-ups than any cap
 * a page could read around: the longest waiting first, every one reached by the cursor, one
 * store query per page.
 */
class FollowUpsPagingTest {
    static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    static final int FOLLOW_UPS = 1_050;

    @TempDir
    Path dir;

    @Test
    void theOldestComeFirst_andPagingReachesEveryFollowUp_oneQueryPerPage() throws Exception {
        MutableClock clock = new MutableClock(T0);
        try (JdbcConversationStore store = JdbcConversationStore.sqlite(dir, clock)) {
            List<CompletableFuture<Void>> saves = new ArrayList<>();
            for (int i = 0; i < FOLLOW_UPS; i++) {
                saves.add(store.saveConversation(conversation(String.format("c%04d", i), ConversationState.FOLLOW_UP)));
                clock.advance(Duration.ofSeconds(1)); // c0000 waits longest
            }
            saves.add(store.saveConversation(conversation("assigned", ConversationState.ASSIGNED)));
            CompletableFuture.allOf(saves.toArray(CompletableFuture[]::new)).get();
            AtomicInteger queries = new AtomicInteger();
            IntegrationStore counted = counting(store.integrations().orElseThrow(), queries);

            List<String> seen = new ArrayList<>();
            Cursor after = null;
            int pages = 0;
            do {
                List<ListedConversation> page = ConversationQueries.followUps(
                        counted,
                        new ConversationQueries.Parsed(
                                Optional.empty(),
                                new ConversationQuery("acme", null, null, null, null, null, after, 100, false)));
                page.forEach(l -> seen.add(l.record().id()));
                pages++;
                ListedConversation last = page.isEmpty() ? null : page.get(page.size() - 1);
                after = page.size() < 100
                        ? null
                        : new Cursor(last.updatedAt(), last.record().id());
                if (pages == 1) {
                    assertThat(seen.subList(0, 3))
                            .as("the longest waiting first")
                            .containsExactly("c0000", "c0001", "c0002");
                }
            } while (after != null);

            assertThat(seen).hasSize(FOLLOW_UPS).doesNotHaveDuplicates().isSorted();
            assertThat(pages).isEqualTo(11);
            assertThat(queries).hasValue(pages);
        }
    }

    private static ConversationRecord conversation(String id, ConversationState state) {
        return new ConversationRecord(
                id, "v_" + id, state, null, T0, "left a message", null, null, null, null, null, List.of(), "acme");
    }

    /** {@code store}, counting its conversation listings. */
    private static IntegrationStore counting(IntegrationStore store, AtomicInteger queries) {
        return (IntegrationStore) Proxy.newProxyInstance(
                IntegrationStore.class.getClassLoader(), new Class<?>[] {IntegrationStore.class}, (p, m, args) -> {
                    if (m.getName().equals("conversations")) {
                        queries.incrementAndGet();
                    }
                    try {
                        return m.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
