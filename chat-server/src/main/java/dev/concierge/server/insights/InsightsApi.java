package dev.concierge.server.insights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.bot.BotException;
import dev.concierge.bot.BotReply;
import dev.concierge.bot.FaqEntry;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.routing.BotService;
import dev.concierge.server.routing.Live;
import dev.concierge.server.support.FileEdits;
import dev.concierge.server.support.Patterns;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationTranscript;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The supervisors' REST API (docs/insights.md), for signed-in agents only. Every call reads the
 * store or the bot, so the HTTP routes run it on the insights lane of blocking work, never on an
 * event loop: figures of a period, CSV exports, the unanswered-questions report, the live queue
 * and agents' load, and turning a group of questions into an FAQ entry.
 */
public final class InsightsApi {
    /** The most conversations one request reads. */
    static final int MAX_CONVERSATIONS = 50_000;

    private static final int MAX_GROUPS = 100;

    /** An HTTP answer: JSON ({@code json}) or text with a content type and a download name. */
    public record Reply(HttpResponseStatus status, Object json, String text, String contentType, String filename) {
        /** A JSON answer with this status. */
        public static Reply json(HttpResponseStatus status, Object body) {
            return new Reply(status, body, null, null, null);
        }

        static Reply csv(String body, String filename) {
            return new Reply(HttpResponseStatus.OK, null, body, "text/csv; charset=utf-8", filename);
        }

        static Reply bad(String message) {
            return json(
                    HttpResponseStatus.BAD_REQUEST, Map.of("error", ErrorCode.BAD_REQUEST.wire(), "message", message));
        }
    }

    /**
     * The live state the dashboard shows: the queue's first page, how many wait live and as
     * follow-ups, and every agent's load.
     */
    public record Live(
            List<QueueEntry> queue,
            int waiting,
            int followUps,
            List<Map<String, Object>> agents,
            int maxChatsPerAgent) {}

    /**
     * Thrown by the live state's supplier when this node cannot have it now (a cluster node whose
     * deciding node is unknown or did not answer in time): {@link #live} answers 503 with the
     * message rather than an empty queue that would look real.
     */
    public static final class LiveUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** Why the live state cannot be had, for the console user. */
        public LiveUnavailable(String message) {
            super(message, null, false, false);
        }
    }

    private final ConversationStore store;
    private final AgentAuth auth;
    private final Clock clock;
    private final FaqEditing faq;
    private final BotService bot;
    private final Supplier<Live> live;
    private final ObjectMapper json;

    /**
     * The API over the store, the agents, the FAQ and the live state {@code live} reports
     * (which may throw {@link LiveUnavailable}).
     */
    public InsightsApi(
            ConversationStore store,
            AgentAuth auth,
            Clock clock,
            FaqEditing faq,
            BotService bot,
            Supplier<Live> live,
            ObjectMapper json) {
        this.store = store;
        this.auth = auth;
        this.clock = clock;
        this.faq = faq;
        this.bot = bot;
        this.live = live;
        this.json = json;
    }

    /** Whether the {@code Authorization} header carries a signed-in agent's token. */
    public boolean authorized(String authorization) {
        return authorization != null
                && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && auth.agentFor(authorization.substring(7).trim()).isPresent();
    }

    /**
     * Whether the signed-in agent of the {@code Authorization} header may edit the FAQ: an
     * {@code admin} or {@code supervisor} of the agents file ({@link AgentAccount#editsFaq}).
     */
    public boolean mayEditFaq(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return auth.agentFor(authorization.substring(7).trim())
                .flatMap(agent -> auth.accounts().stream()
                        .filter(a -> a.id().equals(agent.id()))
                        .findFirst())
                .map(AgentAccount::editsFaq)
                .orElse(false);
    }

    /** The answer to an FAQ edit by an agent without the role. */
    public static Reply faqEditForbidden() {
        return Reply.json(
                HttpResponseStatus.FORBIDDEN,
                Map.of(
                        "error",
                        ErrorCode.FORBIDDEN.wire(),
                        "message",
                        "Editing the FAQ needs the admin or supervisor role (roles in the agents file)."));
    }

    /** {@code GET /api/insights/summary?from&to&bucket&department&agent}. */
    public Reply summary(Map<String, List<String>> params) {
        return withRange(
                params,
                (range, report) -> Reply.json(HttpResponseStatus.OK, report.summary(clock.instant(), agentNames())));
    }

    /** {@code GET /api/insights/conversations.csv?from&to}. */
    public Reply conversationsCsv(Map<String, List<String>> params) {
        return withRange(
                params,
                (range, report) -> Reply.csv(
                        report.conversationsCsv(),
                        "conversations-" + day(range.from()) + "-" + day(range.to()) + ".csv"));
    }

    /** {@code GET /api/insights/metrics.csv?from&to&bucket}. */
    public Reply metricsCsv(Map<String, List<String>> params) {
        return withRange(
                params,
                (range, report) -> Reply.csv(
                        report.metricsCsv(),
                        "metrics-" + range.bucket().wire() + "-" + day(range.from()) + "-" + day(range.to()) + ".csv"));
    }

    /** {@code GET /api/insights/unanswered?from&to&threshold}: groups of similar missed questions. */
    public Reply unanswered(Map<String, List<String>> params) {
        InsightsRange range;
        try {
            range = InsightsRange.parse(param(params, "from"), param(params, "to"), "day", clock);
        } catch (InsightsRange.BadRange e) {
            return Reply.bad(e.getMessage());
        }
        double threshold;
        try {
            String t = param(params, "threshold");
            threshold = t == null ? QuestionGroups.DEFAULT_THRESHOLD : Double.parseDouble(t);
        } catch (NumberFormatException e) {
            threshold = -1;
        }
        if (!(threshold >= 0.05 && threshold <= 1)) {
            return Reply.bad("threshold must be a number from 0.05 to 1");
        }
        double lowBelow = Math.min(1, bot.bot().threshold() + 0.1);
        List<MissedQuestion> misses = new ArrayList<>();
        for (ConversationTranscript t : store.transcriptsStartedBetween(range.from(), range.to(), MAX_CONVERSATIONS)) {
            misses.addAll(MissedQuestion.in(t, lowBelow));
        }
        String language = faq.knowledgeBase().language();
        List<Map<String, Object>> groups = new ArrayList<>();
        List<String> background = faq.knowledgeBase().entries().stream()
                .flatMap(e -> e.questions().stream())
                .toList();
        for (QuestionGroups.Group g : QuestionGroups.group(misses, language, threshold, background)) {
            if (groups.size() == MAX_GROUPS) {
                break;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", g.id());
            m.put("representative", g.representative());
            m.put("count", g.count());
            m.put("lastAsked", g.lastAsked().toString());
            m.put("questions", g.questions());
            m.put("conversationIds", g.conversationIds());
            m.put("lowConfidence", g.lowConfidence());
            // Asked again now: a group an FAQ owner has already fixed says by which entry.
            BotReply now = bot.bot().answer(g.representative());
            m.put(
                    "answeredNowBy",
                    now.kind() == BotReply.Kind.ANSWER ? now.entryId().orElse(null) : null);
            // Not answered now: the entry the bot thinks closest, when it is at least a third of
            // the way to answering, which the dashboard offers first for the group's wordings (each
            // accepted wording lifts the next answers); a wilder guess would only mislead.
            m.put(
                    "closestEntry",
                    now.kind() == BotReply.Kind.NOT_SURE
                                    && !now.suggestions().isEmpty()
                                    && now.suggestions().get(0).confidence()
                                            >= bot.bot().threshold() / 3
                            ? now.suggestions().get(0).entryId()
                            : null);
            groups.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", range.from().toString());
        out.put("to", range.to().toString());
        out.put("misses", misses.size());
        out.put("threshold", threshold);
        out.put("groups", groups);
        return Reply.json(HttpResponseStatus.OK, out);
    }

    /**
     * {@code GET /api/insights/live}: the queue (its first page and counts) and the agents' load
     * right now; 503 {@code unavailable} with a message when this node cannot have them.
     */
    public Reply live() {
        Live now;
        try {
            now = live.get();
        } catch (LiveUnavailable e) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("error", ErrorCode.UNAVAILABLE.wire());
            out.put("message", e.getMessage());
            out.put("at", clock.instant().toString());
            return Reply.json(HttpResponseStatus.SERVICE_UNAVAILABLE, out);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("at", clock.instant().toString());
        out.put("queue", now.queue());
        out.put("waiting", now.waiting());
        out.put("followUps", now.followUps());
        out.put("agents", now.agents());
        out.put("maxChatsPerAgent", now.maxChatsPerAgent());
        return Reply.json(HttpResponseStatus.OK, out);
    }

    /**
     * {@code GET /api/insights/faq}: the entries an FAQ owner can add phrasings to, and whether
     * this agent may edit ({@code editable}; the console shows the editor only then).
     */
    public Reply faqEntries(boolean editable) {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (FaqEntry e : faq.knowledgeBase().entries()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.id());
            m.put("title", e.title());
            m.put("questions", e.questions().size());
            m.put("tags", e.tags());
            entries.add(m);
        }
        return Reply.json(
                HttpResponseStatus.OK,
                Map.of("file", faq.file().getFileName().toString(), "entries", entries, "editable", editable));
    }

    /** {@code POST /api/insights/faq/entries} with {@code {"id","answer","questions":[…],"tags":[…]}}. */
    public Reply createEntry(String body) {
        Optional<JsonNode> n = parse(body);
        if (n.isEmpty()) {
            return Reply.json(HttpResponseStatus.BAD_REQUEST, Map.of("error", ErrorCode.BAD_JSON.wire()));
        }
        String id = n.get().path("id").asText("");
        String answer = n.get().path("answer").asText("");
        List<String> questions = strings(n.get().path("questions"));
        List<String> tags = strings(n.get().path("tags"));
        String problem = !Patterns.NAME.matcher(id).matches()
                ? "id must be 1-64 lower-case letters, digits, - or _"
                : answer.isBlank() || answer.length() > 4000
                        ? "answer must be 1 to 4000 characters"
                        : questions.isEmpty() || questions.size() > 100
                                ? "questions must hold 1 to 100 phrasings"
                                : questions.stream().anyMatch(q -> q.isBlank() || q.length() > 500)
                                        ? "a question must be 1 to 500 characters"
                                        : tags.size() > 10
                                                        || tags.stream().anyMatch(t -> !Patterns.ID
                                                                .matcher(t)
                                                                .matches())
                                                ? "bad tags"
                                                : null;
        if (problem != null) {
            return Reply.bad(problem);
        }
        if (faq.knowledgeBase().entry(id).isPresent()) {
            return Reply.json(
                    HttpResponseStatus.CONFLICT,
                    Map.of("error", ErrorCode.CONFLICT.wire(), "message", "an entry with this id exists"));
        }
        try {
            var kb = faq.createEntry(id, questions, answer, tags);
            return Reply.json(
                    HttpResponseStatus.CREATED,
                    Map.of(
                            "entry",
                            Map.of("id", id, "questions", questions),
                            "entries",
                            kb.entries().size()));
        } catch (BotException e) {
            return Reply.json(
                    HttpResponseStatus.UNPROCESSABLE_ENTITY,
                    Map.of("error", ErrorCode.INVALID_FAQ.wire(), "message", e.getMessage()));
        } catch (FileEdits.Refused e) {
            return refused(e);
        }
    }

    /** {@code POST /api/insights/faq/entries/{id}/questions} with {@code {"questions":[…]}}. */
    public Reply addQuestions(String id, String body) {
        Optional<JsonNode> n = parse(body);
        if (n.isEmpty()) {
            return Reply.json(HttpResponseStatus.BAD_REQUEST, Map.of("error", ErrorCode.BAD_JSON.wire()));
        }
        List<String> questions = strings(n.get().path("questions"));
        if (questions.isEmpty()
                || questions.size() > 100
                || questions.stream().anyMatch(q -> q.isBlank() || q.length() > 500)) {
            return Reply.bad("questions must hold 1 to 100 phrasings of 1 to 500 characters");
        }
        if (faq.knowledgeBase().entry(id).isEmpty()) {
            return Reply.json(
                    HttpResponseStatus.NOT_FOUND,
                    Map.of("error", ErrorCode.NOT_FOUND.wire(), "message", "no entry with this id"));
        }
        try {
            int added = faq.addQuestions(id, questions);
            return Reply.json(HttpResponseStatus.OK, Map.of("entry", id, "added", added));
        } catch (BotException e) {
            return Reply.json(
                    HttpResponseStatus.UNPROCESSABLE_ENTITY,
                    Map.of("error", ErrorCode.INVALID_FAQ.wire(), "message", e.getMessage()));
        } catch (FileEdits.Refused e) {
            return refused(e);
        }
    }

    /** An FAQ edit a cluster could not share: 413 if the file would be too large, else 503. */
    private static Reply refused(FileEdits.Refused e) {
        return e.tooLarge()
                ? Reply.json(
                        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                        Map.of("error", ErrorCode.INVALID_FAQ.wire(), "message", e.getMessage()))
                : Reply.json(
                        HttpResponseStatus.SERVICE_UNAVAILABLE,
                        Map.of("error", ErrorCode.UNAVAILABLE.wire(), "message", e.getMessage()));
    }

    private interface RangeCall {
        Reply run(InsightsRange range, InsightsReport report);
    }

    private Reply withRange(Map<String, List<String>> params, RangeCall call) {
        InsightsRange range;
        try {
            range = InsightsRange.parse(param(params, "from"), param(params, "to"), param(params, "bucket"), clock);
        } catch (InsightsRange.BadRange e) {
            return Reply.bad(e.getMessage());
        }
        InsightsReport report = InsightsReport.of(
                        range,
                        store.transcriptsStartedBetween(range.from(), range.to(), MAX_CONVERSATIONS),
                        store.figuresStartedBetween(range.from(), range.to(), MAX_CONVERSATIONS))
                .only(param(params, "department"), param(params, "agent"));
        return call.run(range, report);
    }

    private Map<String, String> agentNames() {
        Map<String, String> names = new HashMap<>();
        auth.accounts().forEach(a -> names.put(a.id(), a.name()));
        return names;
    }

    private Optional<JsonNode> parse(String body) {
        try {
            JsonNode n = json.readTree(body == null ? "" : body);
            return n != null && n.isObject() ? Optional.of(n) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(v -> out.add(v.isTextual() ? v.asText() : ""));
        }
        return out;
    }

    private static String param(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static String day(Instant t) {
        return t.toString().substring(0, 10);
    }
}
