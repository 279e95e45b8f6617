package dev.concierge.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.server.auth.ApiScope;
import dev.concierge.server.http.VisitorAdminApi.Answer;
import dev.concierge.server.insights.InsightsApi;
import dev.concierge.server.support.Patterns;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.IntegrationStore;
import dev.concierge.store.IntegrationStore.ListedConversation;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The REST API's conversations, agents and follow-ups (docs/integrations.md, "Conversations"):
 * {@code GET /api/v1/conversations}, {@code GET /api/v1/conversations/{id}}, the writes of
 * {@link ConversationWrites} ({@code POST …/{id}/messages}, {@code /notes}, {@code /close}),
 * {@code GET /api/v1/agents} and {@code GET /api/v1/follow-ups}. Every handler checks the key
 * first ({@link ApiAccess}); reads run on a lane of {@link BlockingWork}, never on an event loop.
 * A conversation of a site the key does not see is answered as an unknown one.
 */
public final class ConversationsEndpoints {
    /** The longest {@code Idempotency-Key}. */
    static final int MAX_IDEMPOTENCY_KEY = 64;

    /** The longest close reason, as the protocol's {@code close}. */
    static final int MAX_REASON = 200;

    /** The most events of one transcript page. */
    static final int MAX_EVENTS = 500;

    private static final Pattern KEY_CHARS = Pattern.compile("[\\x21-\\x7e]{1," + MAX_IDEMPOTENCY_KEY + "}");

    private final ConversationStore store;
    private final ConversationWrites writes;
    private final InsightsApi insights;
    private final ObjectMapper json;
    private final BlockingWork blocking;
    private final Supplier<List<AgentAccount>> team;

    /**
     * The endpoints over {@code store}'s conversations, {@code writes} for the router's part, and,
     * for the agents, the accounts of the {@code team} with {@code insights}' live view of them.
     */
    public ConversationsEndpoints(
            ConversationStore store,
            ConversationWrites writes,
            InsightsApi insights,
            ObjectMapper json,
            BlockingWork blocking,
            Supplier<List<AgentAccount>> team) {
        this.team = Objects.requireNonNull(team, "team");
        this.store = Objects.requireNonNull(store, "store");
        this.writes = Objects.requireNonNull(writes, "writes");
        this.insights = Objects.requireNonNull(insights, "insights");
        this.json = Objects.requireNonNull(json, "json");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
    }

    /** Adds the routes to {@code routes}, each checking the key with {@code access} first. */
    void register(HttpRoutes routes, ApiAccess access) {
        String c = "/api/v1/conversations";
        // The writes before "{id}", whose variable would take their suffix too.
        routes.get(c, ex -> access.require(ex, ApiScope.CONVERSATIONS_READ).ifPresent(p -> list(ex, p)))
                .post(c + "/{id}/messages", ex -> write(ex, access, ConversationWrites.Action.MESSAGE))
                .post(c + "/{id}/notes", ex -> write(ex, access, ConversationWrites.Action.NOTE))
                .post(c + "/{id}/close", ex -> write(ex, access, ConversationWrites.Action.CLOSE))
                .get(c + "/{id}", ex -> access.require(ex, ApiScope.CONVERSATIONS_READ)
                        .ifPresent(p -> read(ex, p)))
                .get("/api/v1/agents", ex -> access.require(ex, ApiScope.AGENTS_READ)
                        .ifPresent(p -> agents(ex)))
                .get("/api/v1/follow-ups", ex -> access.require(ex, ApiScope.CONVERSATIONS_READ)
                        .ifPresent(p -> followUps(ex, p)));
    }

    /** {@code GET /api/v1/conversations}: the latest activity first, filtered, paged. */
    private void list(Exchange ex, ApiPrincipal p) {
        Optional<ConversationQueries.Parsed> parsed = query(ex, p);
        if (parsed.isEmpty()) {
            return;
        }
        ConversationQueries.Parsed q = parsed.get();
        ex.offload(
                blocking.searches(),
                () -> withListing(integrations -> {
                    List<ListedConversation> page = integrations.conversations(q.query());
                    return page(page, q.query().limit());
                }));
    }

    /** {@code GET /api/v1/follow-ups}: conversations waiting as follow-ups, the oldest first. */
    private void followUps(Exchange ex, ApiPrincipal p) {
        Optional<ConversationQueries.Parsed> parsed = query(ex, p);
        if (parsed.isEmpty()) {
            return;
        }
        ConversationQueries.Parsed q = parsed.get();
        ex.offload(
                blocking.searches(),
                () -> withListing(integrations -> page(
                        ConversationQueries.followUps(integrations, q),
                        q.query().limit())));
    }

    /**
     * The list query of {@code ex}, or empty once answered: {@code 403 forbidden} when a key of one
     * site names another in {@code site} (whether that site exists or not), {@code 400
     * bad_request} for a bad parameter.
     */
    private static Optional<ConversationQueries.Parsed> query(Exchange ex, ApiPrincipal p) {
        Optional<String> site = ex.param("site");
        if (p.site().isPresent() && site.isPresent() && !site.equals(p.site())) {
            ex.error(
                    HttpResponseStatus.FORBIDDEN,
                    ErrorCode.FORBIDDEN,
                    "this key sees only the conversations of site " + p.site().get());
            return Optional.empty();
        }
        ConversationQueries.Parsed q = ConversationQueries.parse(ex, p);
        if (q.error().isPresent()) {
            ex.error(
                    HttpResponseStatus.BAD_REQUEST,
                    ErrorCode.BAD_REQUEST,
                    q.error().get());
            return Optional.empty();
        }
        return Optional.of(q);
    }

    private InsightsApi.Reply withListing(java.util.function.Function<IntegrationStore, Map<String, Object>> read) {
        Optional<IntegrationStore> integrations = store.integrations();
        if (integrations.isEmpty()) {
            return InsightsApi.Reply.json(
                    HttpResponseStatus.BAD_REQUEST,
                    Map.of("error", ErrorCode.BAD_REQUEST.wire(), "message", RestCalls.NEEDS_DATABASE));
        }
        return InsightsApi.Reply.json(HttpResponseStatus.OK, read.apply(integrations.get()));
    }

    private static Map<String, Object> page(List<ListedConversation> page, int limit) {
        List<Map<String, Object>> items = new ArrayList<>();
        page.forEach(l -> items.add(item(l)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", items);
        ListedConversation last = page.isEmpty() ? null : page.get(page.size() - 1);
        out.put(
                "next",
                page.size() < limit || last == null
                        ? null
                        : ConversationQueries.cursor(new IntegrationStore.Cursor(
                                last.updatedAt(), last.record().id())));
        return out;
    }

    private static Map<String, Object> item(ListedConversation l) {
        ConversationRecord r = l.record();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("site", r.site());
        m.put("state", ConversationQueries.wire(r.state()));
        m.put("visitorId", r.visitorId());
        m.put("department", r.department());
        m.put("agentId", r.agentId());
        m.put("startedAt", r.startedAt());
        m.put("updatedAt", l.updatedAt());
        m.put("firstLine", r.firstLine());
        m.put("score", r.score());
        return m;
    }

    /**
     * {@code GET /api/v1/conversations/{id}?afterSeq=&limit=}: the record, the visitor's context
     * and a page of the transcript, internal notes included.
     */
    private void read(Exchange ex, ApiPrincipal p) {
        String id = ex.variable();
        Optional<Long> afterSeq =
                ConversationQueries.number(ex.param("afterSeq").orElse("0"), 0, Long.MAX_VALUE);
        Optional<Long> limit =
                ConversationQueries.number(ex.param("limit").orElse(String.valueOf(MAX_EVENTS)), 1, MAX_EVENTS);
        if (!Patterns.ID.matcher(id).matches()) {
            HttpRoutes.notFound(ex);
            return;
        }
        if (afterSeq.isEmpty() || limit.isEmpty()) {
            ex.error(
                    HttpResponseStatus.BAD_REQUEST,
                    ErrorCode.BAD_REQUEST,
                    "afterSeq must be a whole number ≥ 0 and limit 1 to " + MAX_EVENTS);
            return;
        }
        ex.offload(blocking.exports(), () -> {
            Optional<ConversationRecord> record = store.conversation(id);
            if (record.isEmpty() || !p.sees(record.get().site())) {
                return InsightsApi.Reply.json(
                        HttpResponseStatus.NOT_FOUND,
                        Map.of("error", ErrorCode.NOT_FOUND.wire(), "message", "No such conversation."));
            }
            List<TranscriptEvent> events = store.events(id, afterSeq.get());
            boolean more = events.size() > limit.get();
            events = more ? events.subList(0, limit.get().intValue()) : events;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("conversation", record.get());
            out.put(
                    "visitor",
                    store.visitor(record.get().visitorId())
                            .map(v -> v.context())
                            .orElse(null));
            out.put("events", events);
            out.put("nextAfterSeq", more ? events.get(events.size() - 1).seq() : null);
            return InsightsApi.Reply.json(HttpResponseStatus.OK, out);
        });
    }

    /**
     * {@code GET /api/v1/agents}: every agent of the team, with presence and load from the router's
     * live view (an agent it does not know of, never signed in since the start, is offline).
     */
    private void agents(Exchange ex) {
        ex.offload(blocking.insights(), () -> {
            InsightsApi.Reply live = insights.live();
            if (!HttpResponseStatus.OK.equals(live.status()) || !(live.json() instanceof Map<?, ?> m)) {
                return live; // 503 unavailable: no deciding node answered
            }
            return InsightsApi.Reply.json(HttpResponseStatus.OK, Map.of("items", TeamEndpoints.agents(team.get(), m)));
        });
    }

    /** {@code POST …/{id}/messages}, {@code /notes}, {@code /close}: checked here, written by {@link ConversationWrites}. */
    private void write(Exchange ex, ApiAccess access, ConversationWrites.Action action) {
        Optional<ApiPrincipal> principal = access.require(ex, action.scope);
        if (principal.isEmpty()) {
            return;
        }
        String id = ex.variable();
        if (!Patterns.ID.matcher(id).matches()) {
            HttpRoutes.notFound(ex);
            return;
        }
        String key = ex.headers().get("Idempotency-Key");
        if (key != null && !KEY_CHARS.matcher(key).matches()) {
            ex.error(
                    HttpResponseStatus.BAD_REQUEST,
                    ErrorCode.BAD_REQUEST,
                    "Idempotency-Key must be 1 to " + MAX_IDEMPOTENCY_KEY + " visible ASCII characters");
            return;
        }
        JsonNode body;
        try {
            body = ex.body().isBlank() && action == ConversationWrites.Action.CLOSE
                    ? json.createObjectNode()
                    : json.readTree(ex.body());
        } catch (Exception e) {
            body = null;
        }
        if (body == null || !body.isObject()) {
            ex.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_JSON, "the body must be a JSON object");
            return;
        }
        Optional<String> text = text(body, action);
        if (text.isEmpty() && action != ConversationWrites.Action.CLOSE) {
            ex.error(
                    HttpResponseStatus.BAD_REQUEST,
                    ErrorCode.BAD_REQUEST,
                    "text must be a string of 1 to " + ClientMessage.MAX_TEXT + " characters");
            return;
        }
        if (action == ConversationWrites.Action.CLOSE && body.has("reason") && text.isEmpty()) {
            ex.error(
                    HttpResponseStatus.BAD_REQUEST,
                    ErrorCode.BAD_REQUEST,
                    "reason must be a string of 1 to " + MAX_REASON + " characters");
            return;
        }
        ApiPrincipal p = principal.get();
        // Without an Idempotency-Key every POST is a new event.
        String clientId = "api:" + p.keyId() + ":" + (key != null ? key : "-" + java.util.UUID.randomUUID());
        writes.write(new ConversationWrites.Write(p, action, id, clientId, text.orElse(null)))
                .whenComplete((answer, error) -> ex.onLoop(() -> answer(
                        ex,
                        error == null
                                ? answer
                                : ConversationWrites.answer(
                                        HttpResponseStatus.INTERNAL_SERVER_ERROR,
                                        ErrorCode.INTERNAL,
                                        "the write failed; retry with the same Idempotency-Key"))));
    }

    /** The body's {@code text} (or a close's {@code reason}) when it is a string of allowed length. */
    private static Optional<String> text(JsonNode body, ConversationWrites.Action action) {
        boolean close = action == ConversationWrites.Action.CLOSE;
        JsonNode t = body.get(close ? "reason" : "text");
        int max = close ? MAX_REASON : ClientMessage.MAX_TEXT;
        if (t == null || !t.isTextual() || t.asText().isBlank() || t.asText().length() > max) {
            return Optional.empty();
        }
        return Optional.of(t.asText());
    }

    static void answer(Exchange ex, Answer answer) {
        HttpResponseStatus status = HttpResponseStatus.valueOf(answer.status());
        if (status.equals(HttpResponseStatus.SERVICE_UNAVAILABLE)) {
            ex.json(status, answer.body(), Exchange.UNAVAILABLE_RETRY_AFTER_SECONDS);
        } else {
            ex.json(status, answer.body());
        }
    }
}
