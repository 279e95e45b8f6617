package dev.concierge.server.insights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.store.ConversationMetrics;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationTranscript;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The insights computed from transcripts built at fixed instants of an injected clock. */
final class InsightsTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-10T12:00:00Z"), ZoneOffset.UTC);
    static final Instant T0 = Instant.parse("2025-03-10T09:10:00Z");
    static final Author VISITOR = new Author(Role.VISITOR, "v1", "Ada");
    static final AgentInfo A1 = new AgentInfo("a1", "Agent One");
    static final AgentInfo A2 = new AgentInfo("a2", "Agent Two");

    /** Builds a transcript event by event, each at a number of seconds after its start. */
    static final class Script {
        final String id;
        final Instant start;
        final List<TranscriptEvent> events = new ArrayList<>();
        String agentId;
        String department;
        ConversationState state = ConversationState.CLOSED;

        Script(String id, Instant start) {
            this.id = id;
            this.start = start;
        }

        private Script add(long at, TranscriptEvent draft) {
            events.add(draft.stamped(events.size() + 1, start.plusSeconds(at)));
            return this;
        }

        Script visitor(long at, String text) {
            return add(at, TranscriptEvent.message(null, VISITOR, text));
        }

        Script answered(long at, String entry, double confidence) {
            return add(at, TranscriptEvent.bot("answer", new BotTurn(true, entry, confidence, List.of(), false)));
        }

        Script unsure(long at) {
            return add(
                    at,
                    TranscriptEvent.bot(
                            "not sure",
                            new BotTurn(
                                    false, null, 0.2, List.of(new Suggestion("returns", "How do I return?")), true)));
        }

        Script humanRequestReply(long at) {
            return add(at, TranscriptEvent.bot("getting someone", new BotTurn(false, null, 1.0, List.of(), false)));
        }

        Script system(long at, Kind kind, String reason) {
            String text = kind.name();
            return add(
                    at,
                    switch (kind) {
                        case HANDOFF ->
                            TranscriptEvent.handoff(null, text, HandoffReason.valueOf(reason.toUpperCase(Locale.ROOT)));
                        case QUEUED -> TranscriptEvent.queued(text, reason);
                        case TRANSFERRED -> TranscriptEvent.transferredToDepartment(null, text, reason);
                        case CLOSED -> TranscriptEvent.closed(null, Author.SYSTEM, reason);
                        default -> throw new IllegalArgumentException("not a system event: " + kind);
                    });
        }

        Script assigned(long at, AgentInfo agent) {
            agentId = agent.id();
            return add(at, TranscriptEvent.assigned("joined", agent));
        }

        Script agent(long at, AgentInfo agent, String text) {
            return add(at, TranscriptEvent.message(null, new Author(Role.AGENT, agent.id(), agent.name()), text));
        }

        Script offline(long at, String text) {
            return add(at, TranscriptEvent.offlineMessage(null, VISITOR, text, "ada@example.com"));
        }

        Script rated(long at, int score, String comment) {
            return add(at, TranscriptEvent.rated(null, VISITOR, score, comment));
        }

        ConversationTranscript build() {
            return new ConversationTranscript(
                    ConversationRecord.builder(id, "v-" + id, state, start)
                            .agentId(agentId)
                            .department(department)
                            .build(),
                    events);
        }
    }

    /** Bot answered; bot unsure twice then a person; asked for a person then transferred; offline; empty. */
    static List<ConversationTranscript> fiveConversations() {
        ConversationTranscript botOnly = new Script("c1-bot", T0)
                .visitor(0, "How do I return an item?")
                .answered(1, "returns", 0.92)
                .system(20, Kind.CLOSED, "resolved")
                .rated(30, 5, "Great, fast answer")
                .build();
        Script unsure = new Script("c2-unsure", T0.plusSeconds(600));
        unsure.department = "orders";
        unsure.visitor(0, "Where's my parrot?")
                .unsure(2)
                .visitor(10, "Has my parrot shipped yet?")
                .unsure(11)
                .system(11, Kind.HANDOFF, "bot_unsure")
                .system(11, Kind.QUEUED, null)
                .assigned(41, A1)
                .agent(50, A1, "Hi, let me look")
                .system(341, Kind.CLOSED, "done")
                .rated(350, 2, "=slow, \"really\"");
        Script transferred = new Script("c3-transfer", T0.plusSeconds(3600));
        transferred.department = "billing";
        transferred
                .visitor(0, "Why was I charged twice?")
                .answered(2, "billing", 0.55)
                .visitor(5, "agent please")
                .humanRequestReply(6)
                .system(6, Kind.HANDOFF, "visitor_asked")
                .system(6, Kind.QUEUED, null)
                .assigned(20, A1)
                .agent(25, A1, "Looking")
                .system(60, Kind.TRANSFERRED, null)
                .assigned(61, A2)
                .agent(70, A2, "Refunded")
                .system(200, Kind.CLOSED, "done");
        Script offline = new Script("c4-offline", T0.plusSeconds(3700));
        offline.state = ConversationState.ASSIGNED;
        offline.visitor(0, "Where is my parrot")
                .unsure(1)
                .offline(100, "Please call me about the parrot")
                .system(100, Kind.QUEUED, null)
                .assigned(3700, A2)
                .agent(3760, A2, "Calling you now");
        Script empty = new Script("c5-empty", T0.plusSeconds(3800));
        empty.state = ConversationState.BOT;
        return List.of(botOnly, unsure.build(), transferred.build(), offline.build(), empty.build());
    }

    static InsightsReport report(String bucket) {
        return InsightsReport.of(InsightsRange.parse("2025-03-10", "2025-03-10", bucket, CLOCK), fiveConversations());
    }

    @Test
    void conversationMetrics_measureEachPhaseFromTheTranscript() {
        Map<String, ConversationMetrics> m = new java.util.HashMap<>();
        fiveConversations().forEach(t -> m.put(t.conversation().id(), ConversationMetrics.of(t)));

        ConversationMetrics bot = m.get("c1-bot");
        assertThat(bot.outcome()).isEqualTo(ConversationMetrics.Outcome.BOT_RESOLVED);
        assertThat(bot.timeToFirstBotReply()).isEqualTo(Duration.ofSeconds(1));
        assertThat(bot.queueWait()).isNull();
        assertThat(bot.score()).isEqualTo(5);
        assertThat(bot.comment()).isEqualTo("Great, fast answer");

        ConversationMetrics unsure = m.get("c2-unsure");
        assertThat(unsure.outcome()).isEqualTo(ConversationMetrics.Outcome.HANDED_OFF);
        assertThat(unsure.botMisses()).isEqualTo(2);
        assertThat(unsure.timeToFirstBotReply()).isEqualTo(Duration.ofSeconds(2));
        assertThat(unsure.queueWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(unsure.timeToFirstAgentResponse()).isEqualTo(Duration.ofSeconds(9));
        assertThat(unsure.handlingTime()).isEqualTo(Duration.ofSeconds(300));
        assertThat(unsure.agentId()).isEqualTo("a1");

        ConversationMetrics transfer = m.get("c3-transfer");
        assertThat(transfer.transfers()).isEqualTo(1);
        assertThat(transfer.botMisses()).as("a request for a person is no miss").isZero();
        assertThat(transfer.queueWait()).isEqualTo(Duration.ofSeconds(14));
        assertThat(transfer.timeToFirstAgentResponse()).isEqualTo(Duration.ofSeconds(5));
        assertThat(transfer.handlingTime()).isEqualTo(Duration.ofSeconds(180));
        assertThat(transfer.agentId()).isEqualTo("a2");

        ConversationMetrics offline = m.get("c4-offline");
        assertThat(offline.offlineMessage()).isTrue();
        assertThat(offline.queueWait()).as("a follow-up is not a queue wait").isNull();
        assertThat(offline.followUpTime()).isEqualTo(Duration.ofSeconds(3660));
        assertThat(offline.handlingTime()).isNull();

        assertThat(m.get("c5-empty").outcome()).isEqualTo(ConversationMetrics.Outcome.EMPTY);
    }

    @Test
    @SuppressWarnings("unchecked")
    void report_aggregatesTotalsBucketsDepartmentsAgentsAndRatings() {
        InsightsReport report = report("hour");
        Map<String, Object> totals = report.totals().toMap();
        assertThat(totals)
                .containsEntry("conversations", 5)
                .containsEntry("botResolved", 1)
                .containsEntry("handedOff", 3)
                .containsEntry("unanswered", 0)
                .containsEntry("deflectionRate", 0.25)
                .containsEntry("transfers", 1)
                .containsEntry("offlineMessages", 1)
                .containsEntry("botMisses", 3)
                .containsEntry("ratings", 2)
                .containsEntry("averageScore", 3.5);
        Map<String, Object> wait = (Map<String, Object>) totals.get("queueWait");
        assertThat(wait)
                .containsEntry("count", 2)
                .containsEntry("avgSeconds", 22.0)
                .containsEntry("maxSeconds", 30.0);
        Map<String, Object> handling = (Map<String, Object>) totals.get("handlingTime");
        assertThat(handling)
                .containsEntry("count", 2)
                .containsEntry("medianSeconds", 180.0)
                .containsEntry("p90Seconds", 300.0);

        Map<Instant, InsightsFigures> series = report.series();
        assertThat(series).hasSize(24);
        assertThat(series.get(Instant.parse("2025-03-10T09:00:00Z")).conversations())
                .isEqualTo(2);
        assertThat(series.get(Instant.parse("2025-03-10T10:00:00Z")).conversations())
                .isEqualTo(3);
        assertThat(series.get(Instant.parse("2025-03-10T11:00:00Z")).conversations())
                .isZero();

        assertThat(report.byDepartment()).containsOnlyKeys("(none)", "billing", "orders");
        assertThat(report.byAgent()).containsOnlyKeys("a1", "a2");
        assertThat(report.byAgent().get("a2").conversations()).isEqualTo(2);
        assertThat(report.ratings())
                .extracting(r -> r.get("comment"))
                .containsExactly("=slow, \"really\"", "Great, fast answer");

        InsightsReport orders = report.only("orders", null);
        assertThat(orders.totals().conversations()).isEqualTo(1);
        assertThat(orders.series().get(Instant.parse("2025-03-10T09:00:00Z")).conversations())
                .isEqualTo(1);
        assertThat(report.only(null, "a2").metrics())
                .extracting(ConversationMetrics::conversationId)
                .containsExactly("c3-transfer", "c4-offline");
        assertThat(report.only("(none)", null).totals().conversations()).isEqualTo(3);

        Map<String, Object> summary = report.summary(CLOCK.instant(), Map.of("a1", "Agent One"));
        assertThat(summary).containsEntry("generatedAt", "2025-03-10T12:00:00Z").containsEntry("bucket", "hour");
        assertThat((Map<String, Object>) ((Map<String, Object>) summary.get("agents")).get("a1"))
                .containsEntry("name", "Agent One");
    }

    @Test
    void csv_hasOneRowPerConversationAndPerBucket_andDisarmsFormulas() {
        String conversations = report("day").conversationsCsv();
        String[] lines = conversations.split("\r\n");
        assertThat(lines).hasSize(6);
        assertThat(lines[0]).startsWith("conversation_id,started_at,state,department,agent_id,outcome,");
        assertThat(lines[2])
                .startsWith(
                        "c2-unsure,2025-03-10T09:20:00Z,closed,orders,a1,handed_off,2,0,2,2.000,30.000,9.000,300.000,0,false,,2,")
                .endsWith(",\"'=slow, \"\"really\"\"\"");
        String metrics = report("day").metricsCsv();
        assertThat(metrics.split("\r\n")).hasSize(2);
        assertThat(metrics.split("\r\n")[1]).startsWith("2025-03-10T00:00:00Z,5,1,3,0,0.25,1,1,3,2,3.5,");
    }

    @Test
    void range_defaultsFromTheClock_andRejectsBadParameters() {
        InsightsRange days = InsightsRange.parse(null, null, null, CLOCK);
        assertThat(days.to()).isEqualTo(CLOCK.instant());
        assertThat(days.from()).isEqualTo(CLOCK.instant().minus(Duration.ofDays(7)));
        assertThat(days.bucketStarts()).hasSize(8).first().isEqualTo(Instant.parse("2025-03-03T00:00:00Z"));
        InsightsRange hours = InsightsRange.parse(null, null, "hour", CLOCK);
        assertThat(hours.from()).isEqualTo(Instant.parse("2025-03-09T12:00:00Z"));
        assertThat(InsightsRange.parse("2025-03-01", "2025-03-01", "day", CLOCK).to())
                .isEqualTo(Instant.parse("2025-03-02T00:00:00Z"));
        assertThatThrownBy(() -> InsightsRange.parse("2025-03-02", "2025-03-01", "day", CLOCK))
                .hasMessageContaining("from must be before to");
        assertThatThrownBy(() -> InsightsRange.parse(null, null, "week", CLOCK)).hasMessageContaining("bucket");
        assertThatThrownBy(() -> InsightsRange.parse("yesterday", null, null, CLOCK))
                .hasMessageContaining("from must be");
        assertThatThrownBy(() -> InsightsRange.parse("2024-01-01", "2025-03-01", "hour", CLOCK))
                .isInstanceOf(InsightsRange.BadRange.class);
    }

    @Test
    void missedQuestions_areGroupedBySimilarity_andRankedByCount() {
        List<MissedQuestion> misses = new ArrayList<>();
        for (ConversationTranscript t : fiveConversations()) {
            misses.addAll(MissedQuestion.in(t, 0.6));
        }
        assertThat(misses)
                .extracting(MissedQuestion::text)
                .containsExactlyInAnyOrder(
                        "Where's my parrot?",
                        "Has my parrot shipped yet?",
                        "Where is my parrot",
                        "Why was I charged twice?");
        assertThat(misses)
                .filteredOn(MissedQuestion::lowConfidence)
                .extracting(MissedQuestion::entryId)
                .containsExactly("billing");
        misses.add(new MissedQuestion("c9", T0, "Do you sell gift cards?", 0.1, false, null));
        misses.add(new MissedQuestion("c10", T0.plusSeconds(5), "gift card available?", 0.1, false, null));

        List<QuestionGroups.Group> groups = QuestionGroups.group(
                misses,
                "en",
                QuestionGroups.DEFAULT_THRESHOLD,
                List.of(
                        "Where is my order?",
                        "How can I track my order?",
                        "Do you sell gift vouchers?",
                        "Why was my card declined?",
                        "Where is my refund?",
                        "Can I change my delivery address?"));
        assertThat(groups).hasSize(3);
        assertThat(groups.get(0).count()).isEqualTo(3);
        assertThat(groups.get(0).questions())
                .extracting(QuestionGroups.Phrasing::text)
                .containsExactlyInAnyOrder("Where's my parrot?", "Has my parrot shipped yet?", "Where is my parrot");
        assertThat(groups.get(1).questions())
                .extracting(QuestionGroups.Phrasing::text)
                .containsExactlyInAnyOrder("Do you sell gift cards?", "gift card available?");
        assertThat(groups.get(2).representative()).isEqualTo("Why was I charged twice?");
        assertThat(groups.get(2).lowConfidence()).isEqualTo(1);
    }
}
