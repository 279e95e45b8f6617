package dev.concierge.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link DeciderCalls} between two nodes joined by a hand-driven NATS and clock: what a call
 * carries and answers, and every way it can fail (no decider, an older token, a full pool, no
 * answer in time), each answered with a 503 saying why.
 */
final class DeciderCallsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The calls' timeouts: run by hand, so that no test waits for real time. */
    private static final class HandTimer implements DeciderCalls.Timer {
        final List<Duration> delays = new ArrayList<>();
        final List<Runnable> tasks = new ArrayList<>();

        @Override
        public void after(Duration delay, Runnable task) {
            delays.add(delay);
            tasks.add(task);
        }

        void fire() {
            tasks.forEach(Runnable::run);
        }
    }

    /** A request as NATS would carry it, with the reply subject the decider answers on. */
    private record Sent(String subject, byte[] data, CompletableFuture<byte[]> reply) {}

    private final HandTimer timer = new HandTimer();
    private final List<Sent> sent = new ArrayList<>();
    /** The token the calling node knows from the heartbeats. */
    private final AtomicLong known = new AtomicLong(7);
    /** The token the deciding node decides under. */
    private final AtomicLong decidingUnder = new AtomicLong(7);

    private final DeciderCalls caller = new DeciderCalls(
            "n2",
            known::get,
            () -> "n1",
            (subject, data, timeout) -> {
                CompletableFuture<byte[]> reply = new CompletableFuture<>();
                sent.add(new Sent(subject, data, reply));
                return reply;
            },
            timer,
            token -> false,
            (subject, data) -> {},
            Runnable::run);

    private DeciderCalls decider(Executor pool) {
        return new DeciderCalls(
                "n1",
                decidingUnder::get,
                () -> "n1",
                (subject, data, timeout) -> new CompletableFuture<>(),
                timer,
                token -> token == decidingUnder.get(),
                (subject, data) -> sent.stream()
                        .filter(s -> s.subject().equals(subject))
                        .forEach(s -> s.reply().complete(data)),
                pool);
    }

    /** Delivers every request sent so far to {@code decider}, the reply subject its own. */
    private void deliver(DeciderCalls decider) {
        List<Sent> now = List.copyOf(sent);
        sent.clear();
        for (Sent s : now) {
            String replyTo = "_INBOX." + s.hashCode();
            sent.add(new Sent(replyTo, s.data(), s.reply()));
            decider.onCall(s.data(), replyTo);
        }
    }

    private static JsonNode body(DeciderCalls.Answer answer) throws Exception {
        return JSON.readTree(new String(answer.body(), StandardCharsets.UTF_8));
    }

    @Test
    void aCall_carriesItsKindAndArgument_toTheDecidersSubject_andGetsItsStatusAndBody() throws Exception {
        DeciderCalls decider = decider(Runnable::run);
        List<String> erased = new ArrayList<>();
        decider.answer(DeciderCalls.Kind.ERASE_VISITOR, visitorId -> {
            erased.add(visitorId);
            return new DeciderCalls.Answer(200, "{\"status\":\"erased\"}".getBytes(StandardCharsets.UTF_8));
        });

        CompletableFuture<DeciderCalls.Answer> answer = caller.call(DeciderCalls.Kind.ERASE_VISITOR, "v_ada");
        assertThat(sent).extracting(Sent::subject).containsExactly("concierge.call.7");
        assertThat(answer).isNotDone();
        deliver(decider);

        assertThat(erased).containsExactly("v_ada");
        assertThat(answer.getNow(null).status()).isEqualTo(200);
        assertThat(body(answer.getNow(null)).path("status").asText()).isEqualTo("erased");
        assertThat(timer.delays).containsExactly(DeciderCalls.Kind.ERASE_VISITOR.timeout());
        timer.fire(); // the timeout after the answer changes nothing
        assertThat(answer.getNow(null).status()).isEqualTo(200);
    }

    @Test
    void noAnswerWithinTheTimeout_is503_namingTheDeciderAndTheTime() throws Exception {
        CompletableFuture<DeciderCalls.Answer> answer = caller.call(DeciderCalls.Kind.DASHBOARD, "");
        assertThat(timer.delays).containsExactly(Duration.ofSeconds(2));
        assertThat(answer).isNotDone();

        timer.fire();
        assertThat(answer.getNow(null).status()).isEqualTo(503);
        JsonNode body = body(answer.getNow(null));
        assertThat(body.path("error").asText()).isEqualTo("unavailable");
        assertThat(body.path("message").asText()).contains("n1").contains("2000 ms");
    }

    @Test
    void aCallToAnOlderToken_isIgnored_andTimesOut() throws Exception {
        DeciderCalls decider = decider(Runnable::run);
        List<String> ran = new ArrayList<>();
        decider.answer(DeciderCalls.Kind.ERASE_VISITOR, id -> {
            ran.add(id);
            return new DeciderCalls.Answer(200, "{}".getBytes(StandardCharsets.UTF_8));
        });
        decidingUnder.set(8); // a takeover the calling node has not heard of yet

        CompletableFuture<DeciderCalls.Answer> answer = caller.call(DeciderCalls.Kind.ERASE_VISITOR, "v_ada");
        deliver(decider);
        assertThat(ran).isEmpty();
        assertThat(answer).isNotDone();
        timer.fire();
        assertThat(answer.getNow(null).status()).isEqualTo(503);
    }

    @Test
    void noDeciderKnown_is503AtOnce_andNothingIsSent() throws Exception {
        known.set(0);
        DeciderCalls.Answer answer =
                caller.call(DeciderCalls.Kind.ERASE_VISITOR, "v_ada").getNow(null);
        assertThat(answer.status()).isEqualTo(503);
        assertThat(body(answer).path("message").asText()).contains("No deciding node is known");
        assertThat(sent).isEmpty();
    }

    @Test
    void anUnreachableDecider_aFullPool_aKindItDoesNotAnswer_andAFailingHandler_eachSayWhy() throws Exception {
        CompletableFuture<DeciderCalls.Answer> unreachable = caller.call(DeciderCalls.Kind.DASHBOARD, "");
        sent.remove(0).reply().completeExceptionally(new IllegalStateException("no responders"));
        assertThat(body(unreachable.getNow(null)).path("message").asText()).contains("could not be reached");

        DeciderCalls full = decider(task -> {
            throw new RejectedExecutionException("full");
        });
        full.answer(DeciderCalls.Kind.DASHBOARD, ignored -> new DeciderCalls.Answer(200, new byte[0]));
        CompletableFuture<DeciderCalls.Answer> busy = caller.call(DeciderCalls.Kind.DASHBOARD, "");
        deliver(full);
        assertThat(busy.getNow(null).status()).isEqualTo(503);
        assertThat(body(busy.getNow(null)).path("message").asText()).contains("busy");

        sent.clear();
        DeciderCalls noHandler = decider(Runnable::run);
        CompletableFuture<DeciderCalls.Answer> unknown = caller.call(DeciderCalls.Kind.DASHBOARD, "");
        deliver(noHandler);
        assertThat(body(unknown.getNow(null)).path("message").asText()).contains("cannot answer");

        sent.clear();
        DeciderCalls failing = decider(Runnable::run);
        failing.answer(DeciderCalls.Kind.DASHBOARD, ignored -> {
            throw new IllegalStateException("router call failed");
        });
        CompletableFuture<DeciderCalls.Answer> failed = caller.call(DeciderCalls.Kind.DASHBOARD, "");
        deliver(failing);
        assertThat(failed.getNow(null).status()).isEqualTo(500);
        assertThat(body(failed.getNow(null)).path("error").asText()).isEqualTo("internal");
    }

    @Test
    void aMalformedCall_isDropped() {
        DeciderCalls decider = decider(Runnable::run);
        List<String> replies = new ArrayList<>();
        DeciderCalls listening = new DeciderCalls(
                "n1",
                () -> 7,
                () -> "n1",
                (subject, data, timeout) -> new CompletableFuture<>(),
                timer,
                token -> true,
                (subject, data) -> replies.add(subject),
                Runnable::run);
        listening.onCall(new byte[] {1, 2, 3}, "_INBOX.x");
        decider.onCall(new byte[0], "_INBOX.y");
        assertThat(replies).isEmpty();
    }
}
