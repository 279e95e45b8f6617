package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.RawSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The mail limits over real sockets (docs/email.md, "Limits"): each refuses at N + 1 and admits
 * again after its window, counted again after a restart; agents who asked get alerts.
 */
final class MailPolicyLimitsTest extends MailPolicyFixture {
    @Test
    void transcriptsPerVisitor_threeAnHour_theFourthRefusedWithItsRetryTime_thenAdmittedAfterTheHour()
            throws Exception {
        start();
        try (RawSocket v = visitor("ada@example.test")) {
            v.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Hello\"}");
            ack(v, "m1");
            for (int i = 1; i <= 3; i++) {
                v.send("{\"type\":\"transcript_email\",\"id\":\"t" + i + "\"}");
                assertThat(ack(v, "t" + i).path("type").asText())
                        .as("transcript %d", i)
                        .isEqualTo("ack");
                clock.advance(Duration.ofMinutes(10));
            }
            v.send("{\"type\":\"transcript_email\",\"id\":\"t4\"}");
            JsonNode refused = ack(v, "t4");
            assertThat(refused.path("code").asText()).isEqualTo("rate_limited");
            // The first left the window an hour after it was made: 30 minutes from now.
            assertThat(refused.path("retryAfter").asLong()).isEqualTo(1800);

            clock.advance(Duration.ofMinutes(30));
            v.send("{\"type\":\"transcript_email\",\"id\":\"t5\"}");
            assertThat(ack(v, "t5").path("type").asText()).isEqualTo("ack");
        }
    }

    @Test
    void mailsPerAddress_overTheLimit_aRequestIsRefused_anAutomaticMailSkippedWithANote_andAfter24HoursAdmitted()
            throws Exception {
        start(new MailPolicyConfig(100, 2, 500, Duration.ofMinutes(2), Duration.ofMinutes(5)));
        String first = leaveMessageAndGo("ada@example.test"); // 1: its confirmation
        assertThat(mails(first, "confirmation")).hasSize(1);
        try (RawSocket v = visitor("ada@example.test")) {
            v.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Hello\"}");
            String c = ack(v, "m1").path("conversationId").asText();
            v.send("{\"type\":\"transcript_email\",\"id\":\"t1\"}"); // 2
            assertThat(ack(v, "t1").path("type").asText()).isEqualTo("ack");
            v.send("{\"type\":\"transcript_email\",\"id\":\"t2\"}"); // 3: over
            JsonNode refused = ack(v, "t2");
            assertThat(refused.path("code").asText()).isEqualTo("rate_limited");
            assertThat(refused.path("retryAfter").asLong()).isEqualTo(86_400);
            assertThat(mails(c, "transcript")).hasSize(1);
        }
        // An automatic mail over the limit: not written, the agents told.
        String second = leaveMessageAndGo("Ada@Example.test");
        assertThat(mails(second, "confirmation")).isEmpty();
        Await.until("the note to the agents", () -> store.events(second, 0).stream()
                .anyMatch(e -> e.kind() == TranscriptEvent.Kind.NOTE
                        && e.text()
                                .equals("No email to A…@Example.test (confirmation): 2 mails to this address"
                                        + " in 24 hours.")));

        clock.advance(Duration.ofHours(24));
        String third = leaveMessageAndGo("ada@example.test");
        assertThat(mails(third, "confirmation")).hasSize(1);
    }

    @Test
    void mailsPerSite_overTheLimit_isRefused_forAnyAddress_andAdmittedAfterTheHour() throws Exception {
        start(new MailPolicyConfig(100, 100, 2, Duration.ofMinutes(2), Duration.ofMinutes(5)));
        for (String who : List.of("ada", "bob", "cy", "dee")) {
            try (RawSocket v = visitor(who + "@example.test")) {
                v.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Hello\"}");
                ack(v, "m1");
                v.send("{\"type\":\"transcript_email\",\"id\":\"t1\"}");
                JsonNode answer = ack(v, "t1");
                if (who.equals("ada") || who.equals("bob")) {
                    assertThat(answer.path("type").asText()).as(who).isEqualTo("ack");
                } else if (who.equals("cy")) {
                    assertThat(answer.path("code").asText()).as(who).isEqualTo("rate_limited");
                    assertThat(answer.path("retryAfter").asLong()).isEqualTo(3600);
                    clock.advance(Duration.ofHours(1));
                } else {
                    assertThat(answer.path("type").asText()).as(who).isEqualTo("ack");
                }
            }
        }
    }

    @Test
    void theLimits_areCountedAgainFromTheOutbox_afterARestart() throws Exception {
        start();
        String c;
        String token;
        try (RawSocket v = RawSocket.connect(server, "/ws/visitor")) {
            v.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"demo\","
                    + "\"context\":{\"email\":\"ada@example.test\"}}");
            token = v.awaitType("welcome").path("visitorToken").asText();
            v.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Hello\"}");
            c = ack(v, "m1").path("conversationId").asText();
            for (int i = 1; i <= 3; i++) {
                v.send("{\"type\":\"transcript_email\",\"id\":\"t" + i + "\"}");
                assertThat(ack(v, "t" + i).path("type").asText()).isEqualTo("ack");
            }
        }
        server.close();
        server = null;
        start();
        try (RawSocket v = back(token)) {
            v.send("{\"type\":\"context\",\"id\":\"x\",\"context\":{\"email\":\"ada@example.test\"}}");
            ack(v, "x");
            v.send("{\"type\":\"transcript_email\",\"id\":\"t4\",\"conversationId\":\"" + c + "\"}");
            JsonNode refused = ack(v, "t4");
            assertThat(refused.path("code").asText()).isEqualTo("rate_limited");
            assertThat(refused.path("retryAfter").asLong()).isEqualTo(3600);
        }
    }

    // ---- agent alerts ----

    @Test
    void aLeftMessage_alertsTheAgentsWhoAskedForFollowUps_byEmail() throws Exception {
        start();
        String c = leaveMessageAndGo("ada@example.test");
        assertThat(mails(c, "agent_alert")).singleElement().satisfies(q -> {
            assertThat(q.mail().recipient()).isEqualTo("one@team.example");
            assertThat(q.mail().payload())
                    .isEqualTo("{\"language\":\"en\",\"reason\":\"follow_up\",\"agentName\":\"Agent One\","
                            + "\"visitorName\":\"Ada\"}");
        });
        assertThat(SMTP.waitForIncomingEmail(10_000, 1)).isTrue();
    }

    @Test
    void aVisitorWaitingLong_alertsTheAgentsWhoAsked_oncePerConversation() throws Exception {
        start();
        String first;
        try (RawSocket v1 = visitor(null)) {
            v1.send("{\"type\":\"handoff\",\"id\":\"x1\"}");
            first = ack(v1, "x1").path("conversationId").asText();
            clock.advance(Duration.ofMinutes(5));
            Await.value("the long-wait alert", Duration.ofSeconds(15), () -> mails(first, "agent_alert").stream()
                    .findFirst());
            try (RawSocket v2 = visitor(null)) {
                v2.send("{\"type\":\"handoff\",\"id\":\"x2\"}");
                String second = ack(v2, "x2").path("conversationId").asText();
                clock.advance(Duration.ofMinutes(5));
                // The pass that alerts for the second looked at the first again: still one alert.
                Await.value("the second's alert", Duration.ofSeconds(15), () -> mails(second, "agent_alert").stream()
                        .findFirst());
                assertThat(mails(first, "agent_alert")).singleElement().satisfies(q -> {
                    assertThat(q.mail().recipient()).isEqualTo("one@team.example");
                    assertThat(q.mail().payload()).contains("\"reason\":\"long_wait\"", "\"waitedSeconds\":300");
                });
            }
        }
        assertThat(store.events(first, 0))
                .filteredOn(e -> e.kind() == TranscriptEvent.Kind.NOTE)
                .extracting(TranscriptEvent::text)
                .containsExactly("The visitor has waited 5 min; agents who asked are alerted by email.");
    }
}
