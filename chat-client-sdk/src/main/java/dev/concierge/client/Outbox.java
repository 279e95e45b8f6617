package dev.concierge.client;

import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Requests sent (or waiting to be sent) and not yet answered, in the order they were made. A
 * request leaves when its answer (or an {@code error} naming it) arrives, when its deadline
 * passes or its caller withdraws it, or when the client closes: after a reconnect everything
 * still here is sent again with its original {@code id}, and nothing that left is.
 * Not thread-safe; guarded by the connection's lock.
 */
final class Outbox {

    /** One request: the frame, the answer type that completes it, and its future. */
    static final class Request<T extends ServerMessage> {
        /** The frame; replaced (same id) when the session retries it differently. */
        ClientMessage message;

        /** The server could not store it ({@code internal}): to be sent again, in its place. */
        boolean storeFailed;

        /** Handed to a socket at least once: the server may have it, so it can no longer be withdrawn unseen. */
        boolean written;

        final Class<T> answerType;
        final RequestFuture<T> future;

        Request(ClientMessage message, Class<T> answerType, Function<Request<T>, Runnable> withdraw) {
            this.message = message;
            this.answerType = answerType;
            this.future = new RequestFuture<>(withdraw.apply(this));
        }

        /** True when {@code frame} is the kind of answer this request waits for. */
        boolean answeredBy(ServerMessage frame) {
            return answerType.isInstance(frame);
        }

        /** Completes the future with {@code answer}, which must satisfy {@link #answeredBy}. */
        void complete(ServerMessage answer) {
            future.complete(answerType.cast(answer));
        }
    }

    private final Map<String, Request<?>> pending = new LinkedHashMap<>();

    /**
     * Adds a request, keyed by its id; {@code withdraw} makes what its future runs when the caller
     * cancels or fails it.
     *
     * @throws IllegalArgumentException when a request with the same id is waiting
     */
    <T extends ServerMessage> Request<T> add(
            ClientMessage message, Class<T> answerType, Function<Request<T>, Runnable> withdraw) {
        if (pending.containsKey(message.id())) {
            throw new IllegalArgumentException("requestId " + message.id() + " is already waiting for its answer");
        }
        Request<T> request = new Request<>(message, answerType, withdraw);
        pending.put(message.id(), request);
        return request;
    }

    /** Removes {@code request} if it is still waiting; true when it was. */
    boolean remove(Request<?> request) {
        return pending.remove(request.message.id(), request);
    }

    /** Puts a taken request back, last, to be sent as {@code replacement} (which keeps its id). */
    void requeue(Request<?> request, ClientMessage replacement) {
        if (!replacement.id().equals(request.message.id())) {
            throw new IllegalArgumentException("a retried request keeps its id");
        }
        request.message = replacement;
        pending.put(replacement.id(), request);
    }

    /** Removes and returns the request {@code ref} if {@code answer} is the kind it waits for. */
    Optional<Request<?>> takeAnswered(String ref, ServerMessage answer) {
        Request<?> request = ref == null ? null : pending.get(ref);
        if (request == null || !request.answeredBy(answer)) {
            return Optional.empty();
        }
        pending.remove(ref);
        return Optional.of(request);
    }

    /** Removes and returns the request {@code frame} answers by naming it in its {@code ref}, if any. */
    Optional<Request<?>> takeAnswered(ServerMessage frame) {
        return takeAnswered(refOf(frame), frame);
    }

    /** The request id an answer names: the {@code ref} of an ack, a transcript, a queue page. */
    private static String refOf(ServerMessage frame) {
        if (frame instanceof ServerMessage.Ack ack) {
            return ack.ref();
        }
        if (frame instanceof ServerMessage.Transcript transcript) {
            return transcript.ref();
        }
        if (frame instanceof ServerMessage.Queue queue) {
            return queue.ref();
        }
        return null;
    }

    /** The request {@code ref} while it waits, left in its place. */
    Optional<Request<?>> peek(String ref) {
        return Optional.ofNullable(ref == null ? null : pending.get(ref));
    }

    /**
     * The frames of the requests the server could not store, oldest first, up to the first
     * request still waiting for its answer: a later message must not be stored before an earlier
     * one, and the earlier one may yet fail too. The rest wait for a later round.
     */
    List<Request<?>> takeStoreFailed() {
        List<Request<?>> again = new ArrayList<>();
        for (Request<?> request : pending.values()) {
            if (!request.storeFailed) {
                break;
            }
            request.storeFailed = false;
            again.add(request);
        }
        return again;
    }

    /** Whether a request the server could not store still waits to be sent again. */
    boolean anyStoreFailed() {
        for (Request<?> request : pending.values()) {
            if (request.storeFailed) {
                return true;
            }
        }
        return false;
    }

    /** Removes and returns the request {@code ref}, whatever it waits for (an error names it). */
    Optional<Request<?>> take(String ref) {
        return Optional.ofNullable(ref == null ? null : pending.remove(ref));
    }

    /** Removes and returns the oldest request whose frame matches, e.g. the {@code accept} of a conversation. */
    Optional<Request<?>> takeFirst(Predicate<ClientMessage> matches) {
        for (Iterator<Request<?>> it = pending.values().iterator(); it.hasNext(); ) {
            Request<?> request = it.next();
            if (matches.test(request.message)) {
                it.remove();
                return Optional.of(request);
            }
        }
        return Optional.empty();
    }

    /** The frame of the request {@code id}, while it waits for its answer. */
    Optional<ClientMessage> message(String id) {
        Request<?> request = pending.get(id);
        return request == null ? Optional.empty() : Optional.of(request.message);
    }

    /** The requests to send again after a reconnect, oldest first. */
    List<Request<?>> requests() {
        return new ArrayList<>(pending.values());
    }

    /** Removes and returns every request (the client is closing). */
    List<Request<?>> drain() {
        List<Request<?>> all = new ArrayList<>(pending.values());
        pending.clear();
        return all;
    }

    /** How many requests wait for an answer. */
    int size() {
        return pending.size();
    }
}
