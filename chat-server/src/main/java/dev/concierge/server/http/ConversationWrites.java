package dev.concierge.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.Role;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.server.auth.ApiScope;
import dev.concierge.server.http.VisitorAdminApi.Answer;
import dev.concierge.server.routing.ApiRequests;
import dev.concierge.server.routing.Router;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API's writes to a conversation (docs/integrations.md, "Conversations"): a message, an
 * internal note, a close. They need the router ({@link ApiRequests}): on a single server or the
 * cluster's deciding node they run there and the answer is written when the event is stored, no
 * thread waiting; on another node they are sent to the deciding node ({@link #forwardTo}), whose
 * answer is given as it is ({@code 503 unavailable} when none answers), again with no thread
 * waiting for it.
 */
public final class ConversationWrites {
    private static final Logger log = LoggerFactory.getLogger(ConversationWrites.class);

    /** How long the deciding node waits for a forwarded write's event to be stored. */
    private static final long WAIT_SECONDS = 15;

    /** What is written. */
    enum Action {
        MESSAGE(ApiScope.MESSAGES_WRITE),
        NOTE(ApiScope.NOTES_WRITE),
        CLOSE(ApiScope.CONVERSATIONS_CLOSE);

        final ApiScope scope;

        Action(ApiScope scope) {
            this.scope = scope;
        }
    }

    /**
     * One write: by {@code principal}, to {@code conversationId}, with the event's client id
     * ({@code api:<keyId>:<Idempotency-Key>}) and its text (the close reason, null for none).
     */
    record Write(ApiPrincipal principal, Action action, String conversationId, String clientId, String text) {}

    private final java.util.function.Supplier<Optional<Router>> router;
    private final ConversationStore store;
    private final AgentAuth auth;
    private final ObjectMapper json;
    private final Executor lane;

    /** Where writes go while this node holds no router. */
    private volatile Elsewhere elsewhere = request -> CompletableFuture.completedFuture(noDecider());

    /** A write carried out by the node holding the router: a cluster's deciding node. */
    @FunctionalInterface
    public interface Elsewhere {
        /**
         * The answer of the node holding the router to {@code request} (as {@link #writeHere}
         * takes it), or a 503 saying why none came within a bounded time. Never blocks: no thread
         * waits for the other node.
         */
        CompletableFuture<Answer> write(String request);
    }

    /**
     * The writes of {@code router}'s conversations (when this node holds it), kept by {@code
     * store}; agents named by keys are looked up in {@code auth}; {@code lane} runs the store reads.
     */
    public ConversationWrites(
            java.util.function.Supplier<Optional<Router>> router,
            ConversationStore store,
            AgentAuth auth,
            ObjectMapper json,
            Executor lane) {
        this.router = Objects.requireNonNull(router, "router");
        this.store = Objects.requireNonNull(store, "store");
        this.auth = Objects.requireNonNull(auth, "auth");
        this.json = Objects.requireNonNull(json, "json");
        this.lane = Objects.requireNonNull(lane, "lane");
    }

    /** Where writes go while this node holds no router (a cluster node that does not decide). */
    public void forwardTo(Elsewhere elsewhere) {
        this.elsewhere = Objects.requireNonNull(elsewhere, "elsewhere");
    }

    /** Carries out {@code write}; the future never fails (a failure is a 500 answer). */
    CompletableFuture<Answer> write(Write write) {
        Optional<Router> local = router.get();
        if (local.isPresent()) {
            return writeOn(local.get(), write);
        }
        // Composed, not joined: a slow deciding node holds no thread of the API lane.
        try {
            return elsewhere.write(encode(write)).exceptionally(e -> {
                log.error("API write to {} could not be forwarded", write.conversationId(), e);
                return noDecider();
            });
        } catch (RuntimeException e) {
            log.error("API write to {} could not be forwarded", write.conversationId(), e);
            return CompletableFuture.completedFuture(noDecider());
        }
    }

    /** Runs a blocking step on the lane; {@code 503 busy} when the lane is full. */
    private CompletableFuture<Answer> onLane(java.util.function.Supplier<Answer> step) {
        try {
            return CompletableFuture.supplyAsync(step, lane);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(
                    answer(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCode.BUSY, Exchange.BUSY_MESSAGE));
        }
    }

    /**
     * Carries out another node's write (as {@link Elsewhere#write} sent it) and answers as this
     * node's REST API would; a 503 if this node no longer holds the router. Blocking, bounded.
     */
    public Answer writeHere(String request) {
        Optional<Router> local = router.get();
        if (local.isEmpty()) {
            return unavailable();
        }
        Write write;
        try {
            write = decode(request);
        } catch (IOException | RuntimeException e) {
            return answer(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_REQUEST, "the forwarded write is malformed");
        }
        try {
            return writeOn(local.get(), write).get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unavailable();
        } catch (Exception e) {
            return unavailable();
        }
    }

    private CompletableFuture<Answer> writeOn(Router local, Write write) {
        ApiPrincipal p = write.principal();
        Optional<ApiRequests.Poster> poster = poster(p);
        if (poster.isEmpty()) {
            return CompletableFuture.completedFuture(answer(
                    HttpResponseStatus.FORBIDDEN,
                    ErrorCode.FORBIDDEN,
                    "this key writes as no agent or integration, or its agent does not exist or is disabled"));
        }
        ApiRequests requests = new ApiRequests(local);
        CompletableFuture<ApiRequests.Result> result = write.action() == Action.CLOSE
                ? requests.close(poster.get(), write.conversationId(), write.clientId(), write.text())
                : requests.post(
                        poster.get(),
                        write.conversationId(),
                        write.clientId(),
                        write.text(),
                        write.action() == Action.NOTE);
        return result.thenCompose(r -> r.notLive()
                        ? onLane(() -> notLive(p, write.conversationId()))
                        : CompletableFuture.completedFuture(answer(write, r)))
                .exceptionally(e -> {
                    log.error("API write to {} failed", write.conversationId(), e);
                    return answer(
                            HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            ErrorCode.INTERNAL,
                            "the event could not be stored; retry with the same Idempotency-Key");
                });
    }

    /** The author of a key's events (docs/integrations.md, "Who a posted message is from"). */
    private Optional<ApiRequests.Poster> poster(ApiPrincipal p) {
        if (p.actsAsAgent().isPresent()) {
            // A disabled agent's keys write no more, as their sign-in no longer works.
            return auth.agentInfo(p.actsAsAgent().get())
                    .filter(info -> !auth.isDisabled(info.id()))
                    .map(info -> new ApiRequests.Poster(
                            new Author(Role.AGENT, info.id(), info.name()), Optional.of(info), p::sees));
        }
        // The admin token writes as an integration of its own.
        String name = p.integration().orElse(ApiPrincipal.ADMIN_TOKEN.equals(p.keyId()) ? "Administrator" : null);
        if (name == null) {
            return Optional.empty();
        }
        Author author = new Author(Role.AGENT, "integration:" + slug(name), name);
        return Optional.of(new ApiRequests.Poster(author, Optional.<AgentInfo>empty(), p::sees));
    }

    /** An integration's name as an id part: lower case, runs of other characters as one {@code -}. */
    static String slug(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        s = s.length() > 48 ? s.substring(0, 48) : s;
        return s.isEmpty() ? "unnamed" : s;
    }

    /** Memory holds no such conversation: closed long ago ({@code bad_state}), or unknown. */
    private Answer notLive(ApiPrincipal p, String conversationId) {
        Optional<ConversationRecord> record = store.conversation(conversationId);
        if (record.isPresent() && p.sees(record.get().site())) {
            return record.get().state() == ConversationState.CLOSED
                    ? answer(HttpResponseStatus.CONFLICT, ErrorCode.BAD_STATE, "This conversation is closed.")
                    : answer(HttpResponseStatus.CONFLICT, ErrorCode.BAD_STATE, "This conversation is not open here.");
        }
        return answer(HttpResponseStatus.NOT_FOUND, ErrorCode.NOT_FOUND, "No such conversation.");
    }

    private static Answer answer(Write write, ApiRequests.Result r) {
        if (r.error().isPresent()) {
            ErrorCode code = r.error().get();
            HttpResponseStatus status =
                    switch (code) {
                        case FORBIDDEN -> HttpResponseStatus.FORBIDDEN;
                        case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
                        default -> HttpResponseStatus.CONFLICT;
                    };
            return answer(status, code, r.message());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seq", r.seq());
        if (write.action() == Action.CLOSE) {
            return new Answer(HttpResponseStatus.OK.code(), out);
        }
        r.event().ifPresent(e -> out.put("event", e));
        return new Answer(HttpResponseStatus.CREATED.code(), out);
    }

    static Answer answer(HttpResponseStatus status, ErrorCode code, String message) {
        return new Answer(status.code(), Map.of("error", code.wire(), "message", message));
    }

    private static Answer noDecider() {
        return answer(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                ErrorCode.UNAVAILABLE,
                "no deciding node answers; retry shortly");
    }

    private static Answer unavailable() {
        return answer(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                ErrorCode.UNAVAILABLE,
                "this node stopped deciding; retry shortly");
    }

    private String encode(Write w) {
        ApiPrincipal p = w.principal();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("keyId", p.keyId());
        m.put("admin", p.admin());
        m.put("site", p.site().orElse(null));
        m.put("scopes", p.scopes().stream().map(ApiScope::wire).sorted().toList());
        m.put("actsAsAgent", p.actsAsAgent().orElse(null));
        m.put("integration", p.integration().orElse(null));
        m.put("action", w.action().name());
        m.put("conversation", w.conversationId());
        m.put("clientId", w.clientId());
        m.put("text", w.text());
        try {
            return json.writeValueAsString(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Write decode(String request) throws IOException {
        JsonNode n = json.readTree(request);
        Set<ApiScope> scopes = new java.util.HashSet<>();
        n.path("scopes").forEach(s -> ApiScope.of(s.asText()).ifPresent(scopes::add));
        ApiPrincipal p = new ApiPrincipal(
                n.path("keyId").asText(),
                n.path("admin").asBoolean(),
                text(n, "site"),
                scopes,
                text(n, "actsAsAgent"),
                text(n, "integration"));
        return new Write(
                p,
                Action.valueOf(n.path("action").asText()),
                n.path("conversation").asText(),
                n.path("clientId").asText(),
                text(n, "text").orElse(null));
    }

    private static Optional<String> text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }
}
