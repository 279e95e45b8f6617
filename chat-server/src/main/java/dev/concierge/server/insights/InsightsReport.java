package dev.concierge.server.insights;

import dev.concierge.store.ConversationMetrics;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationTranscript;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The insights of a period, computed from the stored transcripts: totals, a series of buckets
 * (hour or day), figures per department and per agent, every rating with its verbatim comment,
 * and the CSV exports. Pure computation over {@link ConversationMetrics}: no store, no clock.
 */
public final class InsightsReport {
    /** The key of conversations routed to no department. */
    static final String NO_DEPARTMENT = "(none)";

    private final InsightsRange range;
    private final List<ConversationMetrics> metrics;

    InsightsReport(InsightsRange range, List<ConversationMetrics> metrics) {
        this.range = range;
        this.metrics = metrics.stream()
                .filter(m ->
                        !m.startedAt().isBefore(range.from()) && m.startedAt().isBefore(range.to()))
                .sorted(Comparator.comparing(ConversationMetrics::startedAt)
                        .thenComparing(ConversationMetrics::conversationId))
                .toList();
    }

    /** Figures for every conversation started in the period. */
    public static InsightsReport of(InsightsRange range, List<ConversationTranscript> transcripts) {
        return new InsightsReport(
                range, transcripts.stream().map(ConversationMetrics::of).toList());
    }

    /**
     * Figures for every conversation started in the period: those stored with their transcripts,
     * and the anonymous figures left by conversations deleted since (purged or erased,
     * {@link ConversationStore#figuresStartedBetween}).
     */
    public static InsightsReport of(
            InsightsRange range, List<ConversationTranscript> transcripts, List<ConversationMetrics> deleted) {
        List<ConversationMetrics> all = new ArrayList<>(transcripts.size() + deleted.size());
        transcripts.forEach(t -> all.add(ConversationMetrics.of(t)));
        all.addAll(deleted);
        return new InsightsReport(range, all);
    }

    /**
     * The same period restricted to one department ({@link #NO_DEPARTMENT} for none) and/or one
     * agent; null keeps all. Series per department or per agent come from here.
     */
    InsightsReport only(String department, String agentId) {
        return new InsightsReport(
                range,
                metrics.stream()
                        .filter(m -> department == null
                                || department.equals(m.department() == null ? NO_DEPARTMENT : m.department()))
                        .filter(m -> agentId == null || agentId.equals(m.agentId()))
                        .toList());
    }

    List<ConversationMetrics> metrics() {
        return metrics;
    }

    /** The figures of the whole period, every bucket together. */
    public InsightsFigures totals() {
        InsightsFigures f = new InsightsFigures();
        metrics.forEach(f::add);
        return f;
    }

    /** One figures object per bucket start, empty buckets included, in time order. */
    Map<Instant, InsightsFigures> series() {
        Map<Instant, InsightsFigures> series = new LinkedHashMap<>();
        range.bucketStarts().forEach(t -> series.put(t, new InsightsFigures()));
        metrics.forEach(m -> series.computeIfAbsent(range.bucketOf(m.startedAt()), k -> new InsightsFigures())
                .add(m));
        return series;
    }

    Map<String, InsightsFigures> byDepartment() {
        Map<String, InsightsFigures> out = new TreeMap<>();
        metrics.forEach(m -> out.computeIfAbsent(
                        m.department() == null ? NO_DEPARTMENT : m.department(), k -> new InsightsFigures())
                .add(m));
        return out;
    }

    /** Figures of the conversations each agent owned (bot-only conversations have no agent). */
    Map<String, InsightsFigures> byAgent() {
        Map<String, InsightsFigures> out = new TreeMap<>();
        metrics.stream().filter(m -> m.agentId() != null).forEach(m -> out.computeIfAbsent(
                        m.agentId(), k -> new InsightsFigures())
                .add(m));
        return out;
    }

    /** Every rating of the period, newest first, with its verbatim comment when there is one. */
    List<Map<String, Object>> ratings() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = metrics.size() - 1; i >= 0; i--) {
            ConversationMetrics m = metrics.get(i);
            if (m.score() == null) {
                continue;
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("conversationId", m.conversationId());
            r.put("startedAt", m.startedAt().toString());
            r.put("score", m.score());
            r.put("comment", m.comment());
            r.put("agentId", m.agentId());
            r.put("department", m.department());
            out.add(r);
        }
        return out;
    }

    /** The summary as JSON-ready maps; {@code agentNames} names the agents by id. */
    Map<String, Object> summary(Instant generatedAt, Map<String, String> agentNames) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", range.from().toString());
        out.put("to", range.to().toString());
        out.put("bucket", range.bucket().wire());
        out.put("generatedAt", generatedAt.toString());
        out.put("totals", totals().toMap());
        List<Map<String, Object>> series = new ArrayList<>();
        series().forEach((start, f) -> {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("start", start.toString());
            b.putAll(f.toMap());
            series.add(b);
        });
        out.put("series", series);
        Map<String, Object> departments = new LinkedHashMap<>();
        byDepartment().forEach((d, f) -> departments.put(d, f.toMap()));
        out.put("departments", departments);
        Map<String, Object> agents = new LinkedHashMap<>();
        byAgent().forEach((id, f) -> {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("name", agentNames.getOrDefault(id, id));
            a.putAll(f.toMap());
            agents.put(id, a);
        });
        out.put("agents", agents);
        out.put("ratings", ratings());
        return out;
    }

    /** One row per conversation: {@code GET /api/insights/conversations.csv}. */
    String conversationsCsv() {
        Csv csv = new Csv(
                "conversation_id",
                "started_at",
                "state",
                "department",
                "agent_id",
                "outcome",
                "visitor_messages",
                "bot_answers",
                "bot_misses",
                "time_to_first_bot_reply_s",
                "queue_wait_s",
                "time_to_first_agent_response_s",
                "handling_time_s",
                "transfers",
                "offline_message",
                "follow_up_time_s",
                "score",
                "comment");
        for (ConversationMetrics m : metrics) {
            csv.row(
                    m.conversationId(),
                    m.startedAt(),
                    m.state().name().toLowerCase(Locale.ROOT),
                    m.department(),
                    m.agentId(),
                    m.outcome().name().toLowerCase(Locale.ROOT),
                    m.visitorMessages(),
                    m.botAnswers(),
                    m.botMisses(),
                    seconds(m.timeToFirstBotReply()),
                    seconds(m.queueWait()),
                    seconds(m.timeToFirstAgentResponse()),
                    seconds(m.handlingTime()),
                    m.transfers(),
                    m.offlineMessage(),
                    seconds(m.followUpTime()),
                    m.score(),
                    m.comment());
        }
        return csv.toString();
    }

    /** One row per bucket with the aggregates: {@code GET /api/insights/metrics.csv}. */
    String metricsCsv() {
        List<String> header = new ArrayList<>(List.of(
                "bucket_start",
                "conversations",
                "bot_resolved",
                "handed_off",
                "unanswered",
                "deflection_rate",
                "transfers",
                "offline_messages",
                "bot_misses",
                "ratings",
                "average_score"));
        for (String t : InsightsFigures.TIMINGS.keySet()) {
            header.add(snake(t) + "_avg_s");
            header.add(snake(t) + "_p90_s");
        }
        Csv csv = new Csv(header.toArray(String[]::new));
        series().forEach((start, f) -> {
            Map<String, Object> m = f.toMap();
            List<Object> row = new ArrayList<>(List.of(
                    start,
                    m.get("conversations"),
                    m.get("botResolved"),
                    m.get("handedOff"),
                    m.get("unanswered"),
                    String.valueOf(m.get("deflectionRate")),
                    m.get("transfers"),
                    m.get("offlineMessages"),
                    m.get("botMisses"),
                    m.get("ratings"),
                    String.valueOf(m.get("averageScore"))));
            for (String t : InsightsFigures.TIMINGS.keySet()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> s = (Map<String, Object>) m.get(t);
                row.add(s.get("avgSeconds"));
                row.add(s.get("p90Seconds"));
            }
            csv.row(row.stream().map(v -> "null".equals(v) ? null : v).toArray());
        });
        return csv.toString();
    }

    private static String seconds(Duration d) {
        return d == null ? null : String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }

    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }

    /**
     * RFC 4180 CSV. Cells that a spreadsheet would run as a formula (starting with = + - @, tab
     * or carriage return) get a leading apostrophe: visitors write the comments.
     */
    static final class Csv {
        private final StringBuilder out = new StringBuilder();

        Csv(String... header) {
            row((Object[]) header);
        }

        void row(Object... cells) {
            for (int i = 0; i < cells.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(cell(cells[i]));
            }
            out.append("\r\n");
        }

        static String cell(Object value) {
            if (value == null) {
                return "";
            }
            String s = value.toString();
            if (!(value instanceof Number) && !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0) {
                s = "'" + s;
            }
            if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
                s = '"' + s.replace("\"", "\"\"") + '"';
            }
            return s;
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }
}
