package dev.concierge.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.store.IntegrationStore;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the REST API's management calls run (docs/integrations.md): on the API lane of {@link
 * BlockingWork} (store reads block; writes complete when committed), answered on the event loop
 * when their future completes, so no thread waits on a write. Also the one error shape and the
 * checks every call shares.
 */
final class RestCalls {
    private static final Logger log = LoggerFactory.getLogger(RestCalls.class);

    /** A call needing the integrations of a store that keeps none. */
    static final String NEEDS_DATABASE = "this needs the database store (serve with --data or a database URL)";

    private final Executor lane;
    private final Optional<IntegrationStore> store;
    private final ObjectMapper json;

    RestCalls(Executor lane, Optional<IntegrationStore> store, ObjectMapper json) {
        this.lane = lane;
        this.store = store;
        this.json = json;
    }

    /** An API call's answer: a status and a JSON body (none for 204). */
    record Reply(HttpResponseStatus status, Object body) {}

    /** A refusal the call answers with at once: status, code and a sentence. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Reply reply;

        Refused(HttpResponseStatus status, ErrorCode code, String message) {
            super(message, null, false, false);
            this.reply = error(status, code, message);
        }
    }

    static Reply error(HttpResponseStatus status, ErrorCode code, String message) {
        return new Reply(status, Map.of("error", code.wire(), "message", message));
    }

    static Refused bad(String message) {
        return new Refused(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_REQUEST, message);
    }

    static Refused notFound(String message) {
        return new Refused(HttpResponseStatus.NOT_FOUND, ErrorCode.NOT_FOUND, message);
    }

    /**
     * Runs {@code call} with the store on the API lane and answers with its reply once its future
     * completes: a {@link Refused} thrown or failing the future is its answer, anything else 500,
     * a full lane 503 {@code busy}, no integrations 400.
     */
    void run(Exchange ex, Function<IntegrationStore, CompletableFuture<Reply>> call) {
        if (store.isEmpty()) {
            ex.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_REQUEST, NEEDS_DATABASE);
            return;
        }
        try {
            lane.execute(() -> {
                CompletableFuture<Reply> reply;
                try {
                    reply = call.apply(store.get());
                } catch (RuntimeException e) {
                    reply = CompletableFuture.failedFuture(e);
                }
                reply.whenComplete((r, error) -> ex.onLoop(() -> answer(ex, r, error)));
            });
        } catch (RejectedExecutionException e) {
            ex.busy();
        }
    }

    private static void answer(Exchange ex, Reply reply, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof Refused refused) {
            reply = refused.reply;
        } else if (cause != null) {
            log.error("{}: REST API call {} {} failed", ex.channelId(), ex.method(), ex.path(), cause);
            reply = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, ErrorCode.INTERNAL, "the call failed");
        }
        if (reply.status().equals(HttpResponseStatus.NO_CONTENT)) {
            ex.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT));
        } else {
            ex.json(reply.status(), reply.body());
        }
    }

    /** The request body as a JSON object; an empty body is {@code {}} when {@code mayBeEmpty}. */
    JsonNode object(Exchange ex, boolean mayBeEmpty) {
        if (mayBeEmpty && ex.body().isBlank()) {
            return json.createObjectNode();
        }
        try {
            JsonNode node = json.readTree(ex.body());
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (Exception e) {
            // answered below
        }
        throw new Refused(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_JSON, "the body must be a JSON object");
    }

    /** An optional text field of at most {@code max} characters, not blank when given. */
    static Optional<String> text(JsonNode body, String field, int max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > max) {
            throw bad(field + " must be a text of 1 to " + max + " characters");
        }
        return Optional.of(v.asText());
    }

    /** An optional ISO-8601 instant field. */
    static Optional<Instant> instant(JsonNode body, String field) {
        return text(body, field, 64).map(t -> {
            try {
                return Instant.parse(t);
            } catch (DateTimeParseException e) {
                throw bad(field + " must be an ISO-8601 time such as 2027-01-31T12:00:00Z");
            }
        });
    }

    /** The ISO-8601 form of a time, or null. */
    static String iso(Instant t) {
        return t == null ? null : t.toString();
    }
}
