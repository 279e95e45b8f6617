package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.server.auth.LoginThrottle;
import dev.concierge.server.http.VisitorAdminApi.Answer;
import dev.concierge.server.support.Ids;
import dev.concierge.store.InMemoryConversationStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A conversation write on a node that does not decide is forwarded to the deciding node without
 * holding a thread of the API lane while the answer is pending: with a lane of one thread and
 * two forwards that the deciding node has not answered, the lane still runs other work at once,
 * and each write answers when its forward does.
 */
final class ConversationWritesForwardTest {
    private final ExecutorService lane = Executors.newSingleThreadExecutor();
    private final InMemoryConversationStore store = new InMemoryConversationStore();

    @AfterEach
    void stop() {
        lane.shutdownNow();
    }

    @Test
    void pendingForwards_holdNoLaneThread_andAnswerWhenTheDecidingNodeDoes() throws Exception {
        AgentAuth auth = new AgentAuth(
                List.of(),
                Duration.ofHours(1),
                Duration.ofHours(8),
                Ticker.systemTicker(),
                Ids.secure(),
                store,
                Clock.systemUTC(),
                (password, hash) -> false,
                LoginThrottle.Limits.defaults());
        ConversationWrites writes = new ConversationWrites(Optional::empty, store, auth, new ObjectMapper(), lane);
        List<String> forwarded = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Answer>> decider = new CopyOnWriteArrayList<>();
        writes.forwardTo(request -> {
            forwarded.add(request);
            CompletableFuture<Answer> answer = new CompletableFuture<>();
            decider.add(answer);
            return answer;
        });

        List<CompletableFuture<Answer>> answers = List.of("c1", "c2").stream()
                .map(id -> writes.write(new ConversationWrites.Write(
                        ApiPrincipal.adminToken(),
                        ConversationWrites.Action.NOTE,
                        id,
                        "api:admin-token:k-" + id,
                        "hi")))
                .toList();

        // The lane's only thread is free while both forwards wait for the deciding node.
        assertThat(lane.submit(() -> "served").get(5, TimeUnit.SECONDS)).isEqualTo("served");
        assertThat(forwarded).hasSize(2).allSatisfy(r -> assertThat(r).contains("\"action\":\"NOTE\""));
        assertThat(answers).noneMatch(CompletableFuture::isDone);

        decider.get(1).complete(new Answer(201, Map.of("seq", 7)));
        assertThat(answers.get(1).get(5, TimeUnit.SECONDS)).isEqualTo(new Answer(201, Map.of("seq", 7)));
        assertThat(answers.get(0)).isNotDone();
        decider.get(0).completeExceptionally(new IllegalStateException("connection lost"));
        Answer lost = answers.get(0).get(5, TimeUnit.SECONDS);
        assertThat(lost.status()).isEqualTo(503);
        assertThat(lost.body())
                .isEqualTo(Map.of("error", "unavailable", "message", "no deciding node answers; retry shortly"));
    }
}
