package dev.concierge.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.testing.HistoryChecker.Problem;
import dev.concierge.server.testing.HistoryChecker.Report;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The history check on hand-built transcripts: a clean one passes, each fault is reported. */
final class HistoryCheckerTest {
    private static final Author ADA = new Author(Role.VISITOR, "v_ada", "Ada");
    private static final Author BOB = new Author(Role.VISITOR, "v_bob", "Bob");
    private static final Author DANA = new Author(Role.AGENT, "demo", "Dana Demo");
    private static final Instant TS = Instant.parse("2026-12-06T12:00:00Z");

    /** Events numbered 1..n in the order given. */
    private static List<TranscriptEvent> numbered(TranscriptEvent... drafts) {
        List<TranscriptEvent> events = new ArrayList<>();
        for (TranscriptEvent draft : drafts) {
            events.add(draft.stamped(events.size() + 1, TS));
        }
        return events;
    }

    private static TranscriptEvent at(long seq, TranscriptEvent draft) {
        return draft.stamped(seq, TS);
    }

    private static TranscriptEvent msg(String id, Author author, String text) {
        return TranscriptEvent.message(id, author, text);
    }

    private static TranscriptEvent bot(String text) {
        return TranscriptEvent.bot(text, new BotTurn(false, null, 0.1, List.of(), true, null));
    }

    @Test
    void cleanHistory_passes_withAcksByFrameByEventAndUnknownSeq_andAnUnacknowledgedMessageStoredOnce() {
        HistoryChecker history = new HistoryChecker();
        history.sent("ada", "a1").sent("ada", "a2").sent("ada", "a3").sent("ada", "a4");
        history.acknowledged("ada", "a1", new ServerMessage.Ack("m1", "c1", 1));
        history.acknowledgedBy("ada", "c1", at(3, msg("m2", ADA, "a2")));
        history.acknowledged("c1", "dana", "d1");
        // a3 was stored but its ack was lost with the connection: not acknowledged, still checked
        history.acknowledged("c1", "ada", "a4", "m4", 8);
        history.acknowledged("bob", "b1", new ServerMessage.Ack("m1", "c2", 1));
        history.transcript(
                "c1",
                numbered(
                        msg("m1", ADA, "a1"),
                        bot("not sure"),
                        msg("m2", ADA, "a2"),
                        TranscriptEvent.handoff("m5", "Connecting you with a person.", HandoffReason.VISITOR_ASKED),
                        TranscriptEvent.assigned("Dana joined", new AgentInfo("demo", "Dana Demo")),
                        msg("x1", DANA, "d1"),
                        msg("m3", ADA, "a3"),
                        msg("m4", ADA, "a4")));
        history.transcript("c2", numbered(msg("m1", BOB, "b1")));

        Report report = history.verify();

        assertThat(report.ok()).isTrue();
        assertThat(report.conversations()).isEqualTo(2);
        assertThat(report.events()).isEqualTo(9);
        assertThat(report.acknowledged()).isEqualTo(5);
        assertThat(report.recorded()).isEqualTo(6);
        assertThat(report.toString()).startsWith("history clean");
    }

    @Test
    void acknowledgedMessageMissing_isLost_butAnUnacknowledgedOneMayBeMissing() {
        HistoryChecker history = new HistoryChecker();
        history.acknowledged("c1", "ada", "a1", "m1", 1);
        history.acknowledged("c1", "ada", "a2", "m2", 2);
        history.sent("ada", "a3"); // never acknowledged: the server may never have had it
        history.transcript("c1", numbered(msg("m1", ADA, "a1")));

        Report report = history.check();

        assertThat(report.counts()).isEqualTo(Map.of(Problem.LOST, 1, Problem.WRONG_ACK, 1));
        assertThat(report.of(Problem.LOST).get(0).detail())
                .isEqualTo("ada's 'a2' (id m2) was acknowledged as seq 2 but is not stored");
        assertThat(report.of(Problem.WRONG_ACK).get(0).detail()).contains("seq 2, which the transcript does not have");
    }

    @Test
    void sameTextUnderAnotherRequestId_isNotTheAcknowledgedMessage() {
        HistoryChecker history = new HistoryChecker();
        history.acknowledged("c1", "ada", "hello", "m1", 1);
        history.transcript("c1", numbered(msg("other", ADA, "hello")));

        Report report = history.check();

        assertThat(report.counts()).containsEntry(Problem.LOST, 1);
        assertThat(report.of(Problem.WRONG_ACK).get(0).detail())
                .isEqualTo("ada's 'hello' (id m1) was acknowledged as seq 1, which is MESSAGE 'hello' (id other)");
    }

    @Test
    void messageStoredInAnotherConversation_isLostThere() {
        HistoryChecker history = new HistoryChecker();
        history.acknowledged("c1", "ada", "a1");
        history.transcript("c1", numbered(bot("hi")));
        history.transcript("c2", numbered(msg("m1", ADA, "a1")));

        Report report = history.check();

        assertThat(report.counts()).isEqualTo(Map.of(Problem.LOST, 1));
        assertThat(report.violations().get(0).toString())
                .isEqualTo("LOST in c1: ada's 'a1' was acknowledged but is not stored (but in c2)");
    }

    @Test
    void messageStoredTwice_isDuplicated_byRequestId() {
        HistoryChecker history = new HistoryChecker();
        history.acknowledged("c1", "ada", "a1", "m1", 1);
        history.transcript("c1", numbered(msg("m1", ADA, "a1"), bot("answer"), msg("m1", ADA, "a1")));

        Report report = history.check();

        assertThat(report.counts()).isEqualTo(Map.of(Problem.DUPLICATED, 1));
        assertThat(report.violations().get(0).detail())
                .isEqualTo("ada's 'a1' (id m1) is stored 2 times: c1 seq 1, c1 seq 3");
    }

    @Test
    void messageStoredTwice_isDuplicated_byTextWhenNoIdIsKnown() {
        HistoryChecker history = new HistoryChecker();
        history.acknowledged("c1", "ada", "a1");
        history.transcript("c1", numbered(msg(null, ADA, "a1"), msg(null, ADA, "a1")));

        assertThat(history.check().counts()).isEqualTo(Map.of(Problem.DUPLICATED, 1));
    }

    @Test
    void unacknowledgedMessageStoredTwice_isDuplicated() {
        HistoryChecker history = new HistoryChecker();
        history.sent("ada", "a1");
        history.transcript("c1", numbered(msg("m1", ADA, "a1"), msg("m1", ADA, "a1")));

        assertThat(history.check().counts()).isEqualTo(Map.of(Problem.DUPLICATED, 1));
    }

    @Test
    void anyRequestIdOfOneAuthorStoredTwice_isDuplicated_evenIfTheTestDidNotRecordIt() {
        HistoryChecker history = new HistoryChecker();
        history.transcript(
                "c1",
                numbered(
                        TranscriptEvent.handoff("h1", "Connecting you.", HandoffReason.VISITOR_ASKED),
                        TranscriptEvent.handoff("h1", "Connecting you.", HandoffReason.VISITOR_ASKED),
                        msg("m1", ADA, "same id, other author: fine"),
                        msg("m1", BOB, "same id, other author: fine too")));

        Report report = history.check();

        assertThat(report.counts()).isEqualTo(Map.of(Problem.DUPLICATED, 1));
        assertThat(report.violations().get(0).detail())
                .isEqualTo("SYSTEM system request h1 is stored 2 times: seqs 1, 2");
    }

    @Test
    void sendersMessagesStoredInAnotherOrder_areOutOfOrder_othersInterleavingIsFine() {
        HistoryChecker history = new HistoryChecker();
        history.sent("ada", "a1").sent("ada", "a2").sent("ada", "a3");
        history.acknowledged("c1", "ada", "a3");
        history.acknowledged("c1", "ada", "a1");
        history.acknowledged("c1", "ada", "a2");
        history.acknowledged("c1", "dana", "d1");
        history.transcript(
                "c1", numbered(msg("x", DANA, "d1"), msg("m1", ADA, "a1"), msg("m3", ADA, "a3"), msg("m2", ADA, "a2")));

        Report report = history.check();

        assertThat(report.counts()).isEqualTo(Map.of(Problem.OUT_OF_ORDER, 1));
        assertThat(report.violations().get(0).detail())
                .isEqualTo("ada sent 'a3' after 'a2', but it is seq 3 and the earlier one seq 4");
    }

    @Test
    void orderIsFirstRecording_soAcknowledgementsAloneGiveTheOrderOfSequentialSends() {
        HistoryChecker history = new HistoryChecker();
        history.acknowledged("c1", "ada", "a1");
        history.acknowledged("c1", "ada", "a2");
        history.transcript("c1", numbered(msg("m2", ADA, "a2"), msg("m1", ADA, "a1")));

        assertThat(history.check().counts()).isEqualTo(Map.of(Problem.OUT_OF_ORDER, 1));
    }

    @Test
    void missingSeqs_areGaps_withHowMany() {
        HistoryChecker history = new HistoryChecker();
        history.transcript(
                "c1", List.of(at(1, bot("one")), at(2, bot("two")), at(4, bot("four")), at(8, bot("eight"))));

        Report report = history.check();

        assertThat(report.counts()).isEqualTo(Map.of(Problem.GAP, 2));
        assertThat(report.of(Problem.GAP))
                .extracting(HistoryChecker.Violation::detail)
                .containsExactly("seq 3 missing (1) before seq 4", "seqs 5..7 missing (3) before seq 8");
    }

    @Test
    void transcriptNotStartingAtOne_hasAGap() {
        HistoryChecker history = new HistoryChecker();
        history.transcript("c1", List.of(at(2, bot("two"))));

        assertThat(history.check().of(Problem.GAP))
                .extracting(HistoryChecker.Violation::detail)
                .containsExactly("seq 1 missing (1) before seq 2");
    }

    @Test
    void seqGivenTwice_isRepeated_andSeqsGoingDown_areUnsorted() {
        HistoryChecker history = new HistoryChecker();
        history.transcript(
                "c1",
                List.of(
                        at(1, bot("one")),
                        at(2, bot("two")),
                        at(2, bot("two again")),
                        at(4, bot("four")),
                        at(3, bot("three"))));
        history.transcript("c2", List.of(at(0, bot("zero")), at(1, bot("one"))));

        Report report = history.check();

        assertThat(report.counts()).isEqualTo(Map.of(Problem.REPEATED_SEQ, 1, Problem.UNSORTED, 2));
        assertThat(report.of(Problem.REPEATED_SEQ).get(0).detail()).isEqualTo("seq 2 appears 2 times");
        assertThat(report.of(Problem.UNSORTED))
                .extracting(HistoryChecker.Violation::toString)
                .containsExactly(
                        "UNSORTED in c1: seq 3 comes after seq 4",
                        "UNSORTED in c2: seq 0 is below 1: " + at(0, bot("zero")));
    }

    @Test
    void ackWhoseSeqNamesAnotherEvent_isWrong_asAreTwoDifferentSeqsForOneMessage() {
        HistoryChecker history = new HistoryChecker();
        history.acknowledged("ada", "a1", new ServerMessage.Ack("m1", "c1", 2));
        history.acknowledged("ada", "a2", new ServerMessage.Ack("m2", "c1", 3));
        history.acknowledged("ada", "a2", new ServerMessage.Ack("m2", "c1", 4)); // a resend acked anew
        history.transcript("c1", numbered(msg("m1", ADA, "a1"), bot("answer"), msg("m2", ADA, "a2"), bot("again")));

        Report report = history.check();

        assertThat(report.counts()).isEqualTo(Map.of(Problem.WRONG_ACK, 3));
        assertThat(report.of(Problem.WRONG_ACK))
                .extracting(HistoryChecker.Violation::detail)
                .containsExactly(
                        "ada's 'a1' (id m1) was acknowledged as seq 2, which is BOT 'answer'; the message is seq 1",
                        "ada's 'a2' (id m2) was acknowledged with different seqs 3 and 4",
                        "ada's 'a2' (id m2) was acknowledged as seq 4, which is BOT 'again'; the message is seq 3");
    }

    @Test
    void ackInTwoConversations_isWrong() {
        HistoryChecker history = new HistoryChecker();
        history.acknowledged("c1", "ada", "a1");
        history.acknowledged("c2", "ada", "a1");
        history.transcript("c1", numbered(msg("m1", ADA, "a1")));

        assertThat(history.check().of(Problem.WRONG_ACK))
                .extracting(HistoryChecker.Violation::detail)
                .containsExactly("ada's 'a1' was acknowledged in c1 and again in c2");
    }

    @Test
    void acknowledgedInAConversationWithoutTranscript_isReported() {
        HistoryChecker history = new HistoryChecker();
        history.acknowledged("c1", "ada", "a1");
        history.acknowledged("c1", "ada", "a2");

        Report report = history.check();

        assertThat(report.violations())
                .extracting(HistoryChecker.Violation::toString)
                .containsExactly("NO_TRANSCRIPT in c1: 2 acknowledged messages, but no transcript was given");
    }

    @Test
    void verify_throwsListingEveryViolation_withCounts() {
        HistoryChecker history = new HistoryChecker();
        history.sent("ada", "a1").sent("ada", "a2").sent("ada", "a3").sent("ada", "lost");
        history.acknowledged("c1", "ada", "a1", "m1", 1);
        history.acknowledged("c1", "ada", "a2", "m2", 3);
        history.acknowledged("c1", "ada", "a3", "m3", 5);
        history.acknowledged("c1", "ada", "lost");
        history.transcript(
                "c1",
                List.of(
                        at(1, msg("m1", ADA, "a1")),
                        at(2, msg("m3", ADA, "a3")),
                        at(3, msg("m2", ADA, "a2")),
                        at(3, msg("m1", ADA, "a1")),
                        at(6, bot("six"))));

        assertThatThrownBy(history::verify)
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("6 history violations {LOST=1, DUPLICATED=1, OUT_OF_ORDER=1, GAP=1,"
                        + " REPEATED_SEQ=1, WRONG_ACK=1}: 1 conversations, 5 events, 4 of 4 recorded messages"
                        + " acknowledged\n")
                .hasMessageContaining("\n  LOST in c1: ada's 'lost' was acknowledged but is not stored")
                .hasMessageContaining("\n  DUPLICATED in c1: ada's 'a1' (id m1) is stored 2 times: c1 seq 1, c1 seq 3")
                .hasMessageContaining(
                        "\n  OUT_OF_ORDER in c1: ada sent 'a3' after 'a2', but it is seq 2 and the earlier"
                                + " one seq 3")
                .hasMessageContaining("\n  GAP in c1: seqs 4..5 missing (2) before seq 6")
                .hasMessageContaining("\n  REPEATED_SEQ in c1: seq 3 appears 2 times")
                .hasMessageContaining("\n  WRONG_ACK in c1: ada's 'a3' (id m3) was acknowledged as seq 5, which the"
                        + " transcript does not have");
    }

    @Test
    void oneTextFromTwoSenders_orUnderTwoRequestIds_isRejected_asItCannotBeToldApart() {
        HistoryChecker history = new HistoryChecker();
        history.sent("ada", "hello");

        assertThatThrownBy(() -> history.sent("bob", "hello"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'hello' was recorded for sender ada and now for bob");

        history.acknowledged("c1", "ada", "hello", "m1", 1);
        assertThatThrownBy(() -> history.acknowledged("c1", "ada", "hello", "m2", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("request id m1 and now m2");
    }
}
