package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.ConversationStore.QueuedMail;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The three outbound limits, each at N, N + 1 and after its window, on instants the test gives
 * (no clock read): transcripts per visitor per hour, mails per address per 24 hours, mails per
 * site per hour; and the counts rebuilt from outbox rows.
 */
final class MailLimitsTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final Optional<String> ADA = Optional.of("v_ada");

    private final MailLimits limits =
            new MailLimits(new MailPolicyConfig(3, 10, 500, Duration.ofMinutes(2), Duration.ofMinutes(5)));

    private Optional<MailLimits.Refusal> transcript(Optional<String> visitor, String address, String site, Instant at) {
        Optional<MailLimits.Refusal> refusal = limits.check(visitor, address, site, at);
        if (refusal.isEmpty()) {
            limits.count(visitor, address, site, at);
        }
        return refusal;
    }

    @Test
    void transcriptsPerVisitor_threeInAnHour_theFourthWaitsUntilTheFirstLeavesTheWindow() {
        for (int i = 0; i < 3; i++) {
            assertThat(transcript(ADA, "a" + i + "@example.test", "demo", T0.plusSeconds(60L * i)))
                    .isEmpty();
        }
        Optional<MailLimits.Refusal> fourth = transcript(ADA, "z@example.test", "demo", T0.plusSeconds(600));
        assertThat(fourth).hasValueSatisfying(r -> {
            assertThat(r.reason()).isEqualTo("3 transcripts per hour");
            assertThat(r.retryAfter()).isEqualTo(Duration.ofMinutes(50));
        });
        // Another visitor is not held by Ada's transcripts.
        assertThat(transcript(Optional.of("v_bob"), "b@example.test", "demo", T0.plusSeconds(600)))
                .isEmpty();
        assertThat(transcript(
                        ADA,
                        "z@example.test",
                        "demo",
                        T0.plus(Duration.ofHours(1)).minusMillis(1)))
                .isPresent();
        assertThat(transcript(ADA, "z@example.test", "demo", T0.plus(Duration.ofHours(1))))
                .isEmpty();
    }

    @Test
    void mailsPerAddress_tenIn24Hours_anyKind_caseInsensitive_theEleventhRefusedUntilTheWindowPasses() {
        for (int i = 0; i < 10; i++) {
            String address = i % 2 == 0 ? "ada@example.test" : "ADA@Example.TEST";
            assertThat(transcript(Optional.empty(), address, "demo", T0.plusSeconds(i)))
                    .isEmpty();
        }
        assertThat(transcript(Optional.empty(), "Ada@example.test", "demo", T0.plus(Duration.ofHours(23))))
                .hasValueSatisfying(r -> {
                    assertThat(r.reason()).isEqualTo("10 mails to this address in 24 hours");
                    assertThat(r.retryAfter()).isEqualTo(Duration.ofHours(1));
                });
        assertThat(transcript(Optional.empty(), "bob@example.test", "demo", T0.plus(Duration.ofHours(23))))
                .isEmpty();
        assertThat(transcript(Optional.empty(), "ada@example.test", "demo", T0.plus(Duration.ofHours(24))))
                .isEmpty();
    }

    @Test
    void mailsPerSite_500AnHour_the501stRefused_otherSitesNot_thenAdmittedAfterTheHour() {
        for (int i = 0; i < 500; i++) {
            assertThat(transcript(Optional.empty(), "v" + i + "@example.test", "shop", T0.plusMillis(i)))
                    .isEmpty();
        }
        assertThat(transcript(Optional.empty(), "new@example.test", "shop", T0.plusSeconds(1)))
                .hasValueSatisfying(r -> {
                    assertThat(r.reason()).isEqualTo("500 mails for this site per hour");
                    assertThat(r.retryAfter()).isEqualTo(Duration.ofHours(1).minusSeconds(1));
                });
        assertThat(transcript(Optional.empty(), "new@example.test", "other", T0.plusSeconds(1)))
                .isEmpty();
        assertThat(transcript(Optional.empty(), "new@example.test", "shop", T0.plus(Duration.ofHours(1))))
                .isEmpty();
    }

    @Test
    void whenSeveralLimitsRefuse_theLongestWaitIsGiven() {
        MailLimits tight =
                new MailLimits(new MailPolicyConfig(1, 1, 500, Duration.ofMinutes(2), Duration.ofMinutes(5)));
        tight.count(ADA, "ada@example.test", "demo", T0);
        assertThat(tight.check(ADA, "ada@example.test", "demo", T0.plusSeconds(60)))
                .hasValueSatisfying(r -> assertThat(r.retryAfter())
                        .isEqualTo(Duration.ofHours(24).minusSeconds(60)));
    }

    @Test
    void aLimitOfZero_refusesEveryMail() {
        MailLimits off = new MailLimits(new MailPolicyConfig(0, 10, 500, Duration.ZERO, Duration.ofMinutes(5)));
        assertThat(off.check(ADA, "ada@example.test", "demo", T0)).isPresent();
        assertThat(off.check(Optional.empty(), "ada@example.test", "demo", T0)).isEmpty();
    }

    @Test
    void theCounts_areRebuiltFromTheOutboxRowsOfTheLast24Hours_transcriptsForTheirVisitor() {
        Instant now = T0.plus(Duration.ofHours(30));
        List<QueuedMail> rows = List.of(
                row("c1", "transcript", "ada@example.test", now.minus(Duration.ofMinutes(50))),
                row("c1", "transcript", "ada@example.test", now.minus(Duration.ofMinutes(40))),
                row("c1", "transcript", "ada@example.test", now.minus(Duration.ofMinutes(30))),
                row("c2", "confirmation", "old@example.test", now.minus(Duration.ofHours(25))));
        limits.restore(rows, c -> c.equals("c1") ? ADA : Optional.empty(), now);

        assertThat(limits.check(ADA, "other@example.test", "demo", now))
                .hasValueSatisfying(r -> assertThat(r.retryAfter()).isEqualTo(Duration.ofMinutes(10)));
        assertThat(limits.check(Optional.of("v_bob"), "other@example.test", "demo", now))
                .isEmpty();
    }

    @Test
    void badSettings_areRefused_namingTheField() {
        assertThatThrownBy(() -> new MailPolicyConfig(-1, 10, 500, Duration.ZERO, Duration.ofMinutes(5)))
                .hasMessageStartingWith("transcriptsPerVisitor must be zero or more");
        assertThatThrownBy(() -> new MailPolicyConfig(3, -1, 500, Duration.ZERO, Duration.ofMinutes(5)))
                .hasMessageStartingWith("mailsPerAddress");
        assertThatThrownBy(() -> new MailPolicyConfig(3, 10, -1, Duration.ZERO, Duration.ofMinutes(5)))
                .hasMessageStartingWith("mailsPerSite");
        assertThatThrownBy(() -> new MailPolicyConfig(3, 10, 500, Duration.ofSeconds(-1), Duration.ofMinutes(5)))
                .hasMessageStartingWith("replyDelay");
        assertThatThrownBy(() -> new MailPolicyConfig(3, 10, 500, Duration.ZERO, Duration.ZERO))
                .hasMessageStartingWith("alertAfter");
        assertThatThrownBy(() -> dev.concierge.server.ChatServer.builder().mailReplyDelay(Duration.ofSeconds(-1)))
                .hasMessageStartingWith("mailReplyDelay");
    }

    private static QueuedMail row(String conversation, String kind, String to, Instant created) {
        return new QueuedMail(
                new OutboundMail(
                        conversation + "." + created.getEpochSecond() + "@x.example",
                        conversation,
                        1,
                        kind,
                        "demo",
                        to,
                        "{}",
                        created),
                MailState.SENT,
                1,
                created,
                Optional.of(created),
                Optional.empty());
    }
}
