package dev.concierge.client;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ServerMessage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/** The SDK's results and pushes, made from the frames the server sends: the API names no frame. */
final class Results {
    private Results() {}

    /**
     * {@code request}'s answer made into a result with {@code result}. A caller that gives up on
     * the returned future (cancels it or completes it exceptionally) gives up on the request too,
     * so that it is withdrawn as if the caller had cancelled the request itself.
     */
    static <T, R> CompletableFuture<R> mapped(CompletableFuture<T> request, Function<? super T, ? extends R> result) {
        CompletableFuture<R> mapped = new CompletableFuture<>();
        request.whenComplete((answer, error) -> {
            if (error != null) {
                mapped.completeExceptionally(
                        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
            } else {
                try {
                    mapped.complete(result.apply(answer));
                } catch (RuntimeException e) {
                    mapped.completeExceptionally(e);
                }
            }
        });
        mapped.whenComplete((answer, error) -> {
            if (error != null && !request.isDone()) {
                request.cancel(false);
            }
        });
        return mapped;
    }

    static Stored stored(ServerMessage.Ack ack) {
        return new Stored(ack.conversationId(), ack.seq());
    }

    static QueueStatus queueStatus(ServerMessage.QueueStatus s) {
        return new QueueStatus(
                s.conversationId(),
                s.position(),
                Optional.ofNullable(s.etaSeconds()).map(Duration::ofSeconds),
                s.agentsOnline());
    }

    static Availability availability(ServerMessage.Availability a) {
        return new Availability(a.agentsAvailable(), a.withinHours(), Optional.ofNullable(a.message()));
    }

    static ReadReceipt receipt(ServerMessage.Receipt r) {
        return new ReadReceipt(r.conversationId(), r.role(), r.seq(), r.status());
    }

    static Typing typing(ServerMessage.Typing t) {
        return new Typing(t.conversationId(), t.role(), t.typing());
    }

    static History history(String conversationId, ServerMessage.Transcript last, List<TranscriptEvent> events) {
        return new History(conversationId, Optional.ofNullable(last.state()), events);
    }

    static Assignment assignment(ServerMessage.Assigned a, boolean resumed) {
        return new Assignment(a.conversationId(), a.handoff(), resumed);
    }

    static QueuePage queuePage(ServerMessage.Queue q) {
        return new QueuePage(q.entries(), q.offset(), q.total(), q.waiting());
    }

    static Released released(ServerMessage.Released r) {
        return new Released(
                r.conversationId(), r.reason(), Optional.ofNullable(r.to()), Optional.ofNullable(r.department()));
    }

    static TeamSettings settings(ServerMessage.Settings s) {
        return new TeamSettings(
                s.departments(), s.cannedReplies(), Duration.ofSeconds(s.queueAlertSeconds()), s.maxChats());
    }

    static Alert alert(ServerMessage.Alert a) {
        return new Alert(a.code(), a.conversationId(), Duration.ofSeconds(a.waitedSeconds()), a.message());
    }

    static VisitorUpdate visitorUpdate(ServerMessage.VisitorUpdate u) {
        return new VisitorUpdate(u.conversationId(), u.visitor(), u.context());
    }

    /** The server's {@code error} frame as the exception listeners and futures get. */
    static ServerRefusedException error(ServerMessage.Error e) {
        return new ServerRefusedException(e.code(), e.message() == null ? e.code() : e.message(), e.retryAfter());
    }
}
