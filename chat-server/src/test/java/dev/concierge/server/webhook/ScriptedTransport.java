package dev.concierge.server.webhook;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A {@link WebhookTransport} for tests: records every request and answers it as its script says,
 * or leaves it in flight for the test to answer.
 */
final class ScriptedTransport implements WebhookTransport {
    /** One request and its answer, complete once answered. */
    record Call(Request request, CompletableFuture<Response> answer) {
        String header(String name) {
            return request.headers().get(name);
        }

        String conversation() {
            return header("concierge-conversation");
        }

        long seq() {
            return Long.parseLong(header("concierge-seq"));
        }

        String body() {
            return new String(request.body(), StandardCharsets.UTF_8);
        }

        boolean open() {
            return !answer.isDone();
        }

        void answer(Response response) {
            answer.complete(response);
        }
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    /** What answers a request at once; empty leaves it in flight. */
    volatile Function<Request, Optional<Response>> script = r -> Optional.empty();

    volatile boolean closed;

    static Response status(int status) {
        return new Response(
                status,
                "127.0.0.1:9",
                status >= 200 && status < 300 ? null : "HTTP " + status,
                "body " + status,
                Optional.empty(),
                3);
    }

    static Response retryAfter(int status, Duration wait) {
        return new Response(status, "127.0.0.1:9", "HTTP " + status, "", Optional.of(wait), 3);
    }

    List<Call> open() {
        return calls.stream().filter(Call::open).toList();
    }

    Call last() {
        return calls.get(calls.size() - 1);
    }

    @Override
    public CompletableFuture<Response> send(Request request) {
        Call call = new Call(request, new CompletableFuture<>());
        calls.add(call);
        script.apply(request).ifPresent(call.answer()::complete);
        return call.answer();
    }

    @Override
    public void close() {
        closed = true;
    }
}
