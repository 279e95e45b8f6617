package dev.concierge.server.insights;

import dev.concierge.store.ConversationMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The aggregate figures of a set of conversations (one bucket of time, one department, one
 * agent, or all of them): counts, the deflection rate, timing statistics and satisfaction.
 * Add conversations with {@link #add}, then read {@link #toMap()}, the JSON shape of the REST
 * API (documented in docs/insights.md).
 */
public final class InsightsFigures {
    /** The timings kept per conversation, by their name in the JSON. */
    static final Map<String, Function<ConversationMetrics, Duration>> TIMINGS = timings();

    private int conversations;
    private int botResolved;
    private int handedOff;
    private int unanswered;
    private int transfers;
    private int offlineMessages;
    private int botAnswers;
    private int botMisses;
    private int ratings;
    private long scoreSum;
    private final int[] scores = new int[5];
    private final Map<String, List<Duration>> durations = new LinkedHashMap<>();

    InsightsFigures() {
        TIMINGS.keySet().forEach(k -> durations.put(k, new ArrayList<>()));
    }

    private static Map<String, Function<ConversationMetrics, Duration>> timings() {
        Map<String, Function<ConversationMetrics, Duration>> m = new LinkedHashMap<>();
        m.put("timeToFirstBotReply", ConversationMetrics::timeToFirstBotReply);
        m.put("queueWait", ConversationMetrics::queueWait);
        m.put("timeToFirstAgentResponse", ConversationMetrics::timeToFirstAgentResponse);
        m.put("handlingTime", ConversationMetrics::handlingTime);
        m.put("followUpTime", ConversationMetrics::followUpTime);
        return Collections.unmodifiableMap(m);
    }

    /** Counts one conversation in. */
    void add(ConversationMetrics m) {
        conversations++;
        switch (m.outcome()) {
            case BOT_RESOLVED -> botResolved++;
            case HANDED_OFF -> handedOff++;
            case UNANSWERED -> unanswered++;
            case EMPTY -> {}
        }
        transfers += m.transfers();
        offlineMessages += m.offlineMessage() ? 1 : 0;
        botAnswers += m.botAnswers();
        botMisses += m.botMisses();
        if (m.score() != null && m.score() >= 1 && m.score() <= 5) {
            ratings++;
            scoreSum += m.score();
            scores[m.score() - 1]++;
        }
        TIMINGS.forEach((name, timing) -> {
            Duration d = timing.apply(m);
            if (d != null && !d.isNegative()) {
                durations.get(name).add(d);
            }
        });
    }

    /** How many conversations these figures count. */
    public int conversations() {
        return conversations;
    }

    /**
     * The share of conversations with a question that the bot resolved alone:
     * {@code botResolved / (botResolved + handedOff + unanswered)}; null when there were none.
     */
    public Double deflectionRate() {
        int asked = botResolved + handedOff + unanswered;
        return asked == 0 ? null : round((double) botResolved / asked, 4);
    }

    Double averageScore() {
        return ratings == 0 ? null : round((double) scoreSum / ratings, 2);
    }

    /** The figures as JSON-ready maps, in a stable order. */
    Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("conversations", conversations);
        out.put("botResolved", botResolved);
        out.put("handedOff", handedOff);
        out.put("unanswered", unanswered);
        out.put("deflectionRate", deflectionRate());
        out.put("transfers", transfers);
        out.put("offlineMessages", offlineMessages);
        out.put("botAnswers", botAnswers);
        out.put("botMisses", botMisses);
        out.put("ratings", ratings);
        out.put("averageScore", averageScore());
        Map<String, Integer> byScore = new LinkedHashMap<>();
        for (int i = 0; i < scores.length; i++) {
            byScore.put(String.valueOf(i + 1), scores[i]);
        }
        out.put("scores", byScore);
        durations.forEach((name, list) -> out.put(name, stats(list)));
        return out;
    }

    /** Count, mean, median, 90th percentile and maximum, in seconds (milliseconds precision). */
    static Map<String, Object> stats(List<Duration> list) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("count", list.size());
        if (list.isEmpty()) {
            s.put("avgSeconds", null);
            s.put("medianSeconds", null);
            s.put("p90Seconds", null);
            s.put("maxSeconds", null);
            return s;
        }
        List<Duration> sorted = new ArrayList<>(list);
        Collections.sort(sorted);
        long totalMillis = 0;
        for (Duration d : sorted) {
            totalMillis += d.toMillis();
        }
        s.put("avgSeconds", seconds(totalMillis / (double) sorted.size()));
        s.put("medianSeconds", seconds(percentile(sorted, 0.5).toMillis()));
        s.put("p90Seconds", seconds(percentile(sorted, 0.9).toMillis()));
        s.put("maxSeconds", seconds(sorted.get(sorted.size() - 1).toMillis()));
        return s;
    }

    /** The nearest-rank percentile of a sorted, non-empty list. */
    static Duration percentile(List<Duration> sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static double seconds(double millis) {
        return round(millis / 1000.0, 3);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
