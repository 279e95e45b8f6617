package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffReason;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

final class ConversationRecordTest {
    private static final Instant T0 = Instant.parse("2026-12-07T03:00:00Z");

    @Test
    void builder_leavesUnsetFieldsEmpty_andSetsEveryOther() {
        assertThat(ConversationRecord.builder("c1", "v1", ConversationState.BOT, T0)
                        .build())
                .isEqualTo(new ConversationRecord(
                        "c1",
                        "v1",
                        ConversationState.BOT,
                        null,
                        T0,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of(),
                        null));
        assertThat(ConversationRecord.builder("c1", "v1", ConversationState.ASSIGNED, T0)
                        .agentId("a1")
                        .firstLine("hi")
                        .score(5)
                        .queuedAt(T0.plusSeconds(1))
                        .assignedAt(T0.plusSeconds(2))
                        .handoffReason(HandoffReason.VISITOR_ASKED)
                        .department("billing")
                        .givenEmails(List.of("ada@example.test"))
                        .site("shop")
                        .build())
                .isEqualTo(new ConversationRecord(
                        "c1",
                        "v1",
                        ConversationState.ASSIGNED,
                        "a1",
                        T0,
                        "hi",
                        5,
                        T0.plusSeconds(1),
                        T0.plusSeconds(2),
                        HandoffReason.VISITOR_ASKED,
                        "billing",
                        List.of("ada@example.test"),
                        "shop"));
    }

    @Test
    void builder_rejectsAMissingRequiredField_orTooManyAddresses_namingTheField() {
        assertThatThrownBy(() -> ConversationRecord.builder("c1", null, ConversationState.BOT, T0)
                        .build())
                .isInstanceOf(NullPointerException.class)
                .hasMessage("visitorId");
        assertThatThrownBy(() -> ConversationRecord.builder("c1", "v1", ConversationState.BOT, null)
                        .build())
                .isInstanceOf(NullPointerException.class)
                .hasMessage("startedAt");
        List<String> nine = Collections.nCopies(ConversationRecord.MAX_GIVEN_EMAILS + 1, "ada@example.test");
        assertThatThrownBy(() -> ConversationRecord.builder("c1", "v1", ConversationState.BOT, T0)
                        .givenEmails(nine)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("givenEmails");
    }
}
