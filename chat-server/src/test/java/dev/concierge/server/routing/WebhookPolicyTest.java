package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.webhook.WebhookTypes;
import dev.concierge.store.IntegrationStore.EndpointState;
import dev.concierge.store.IntegrationStore.OutboundWebhook;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The webhook rows of a real router's events: each type the chat can cause with its data, in the
 * order of the types one event causes, for the endpoints subscribed to it; a held question
 * stored with the bot's answer and both their rows in one commit; a follow-up announced once per
 * entry; nothing for a site without subscriptions or a disabled endpoint; a reload used from the
 * next event on.
 */
final class WebhookPolicyTest extends WebhookFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode body(OutboundWebhook row) {
        try {
            return JSON.readTree(row.body());
        } catch (Exception e) {
            throw new AssertionError(row.body(), e);
        }
    }

    private static JsonNode data(List<OutboundWebhook> rows, String type) {
        return body(rows.stream().filter(r -> r.type().equals(type)).findFirst().orElseThrow())
                .get("data");
    }

    @Test
    void aConversationsEvents_makeTheirTypes_withTheirData_forTheEndpointsSubscribed() {
        hooks.endpoints.add(endpoint("whe_all", "demo", EndpointState.ACTIVE, WebhookTypes.ALL));
        hooks.endpoints.add(endpoint(
                "whe_msg",
                "demo",
                EndpointState.PAUSED,
                List.of(WebhookTypes.MESSAGE_CREATED, WebhookTypes.RATING_SUBMITTED)));
        hooks.endpoints.add(endpoint("whe_off", "demo", EndpointState.DISABLED, WebhookTypes.ALL));
        router(config("least-busy", 5), hooks.store);
        Recorder v = visitor(null);
        router.request(v, Role.VISITOR, new ClientMessage.Send("q1", null, "How do I return an item?", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> e.kind() == Kind.BOT));
        String c = v.last(ServerMessage.Ack.class).conversationId();
        clock.advance(Duration.ofSeconds(1));
        router.request(v, Role.VISITOR, new ClientMessage.Send("q2", c, "Do you sell umbrellas in teal?", null));
        settleUntil(() -> v.events().stream().filter(e -> e.kind() == Kind.BOT).count() == 2);
        Recorder dana = agent("dana");
        router.request(v, Role.VISITOR, new ClientMessage.Handoff("h1", c, null));
        settleUntil(() -> !owned(dana).isEmpty());
        Recorder sam = agent("sam");
        router.request(dana, Role.AGENT, new ClientMessage.Send("a1", c, "Hello, how can I help?", null));
        router.request(dana, Role.AGENT, new ClientMessage.Note("n1", c, "VIP"));
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t1", c, "sam", null, "yours"));
        settle();
        router.request(sam, Role.AGENT, new ClientMessage.Close("x1", c, "solved"));
        settle();
        router.request(v, Role.VISITOR, new ClientMessage.Rate("r1", c, 5, "thanks"));
        settle();

        assertThat(hooks.types(c))
                .containsExactly(
                        "conversation.started@1.0",
                        "message.created@1.1",
                        "bot.answered@2.0",
                        "message.created@3.0",
                        "bot.missed@4.0",
                        "handoff.requested@5.0",
                        "conversation.assigned@7.0", // 6 is the queued line: no type
                        "message.created@8.0", // 9 is the note: internal
                        "conversation.transferred@11.0", // 10 is the transfer's note
                        "conversation.closed@12.0",
                        "rating.submitted@13.0");
        List<OutboundWebhook> rows = hooks.rows(c);
        Map<Long, TranscriptEvent> events = new java.util.HashMap<>();
        hooks.memory.events(c, 0).forEach(e -> events.put(e.seq(), e));
        for (OutboundWebhook row : rows) {
            JsonNode body = body(row);
            assertThat(row.eventId()).matches("evt_[A-Za-z0-9_-]{22}");
            assertThat(body.get("id").asText()).isEqualTo(row.eventId());
            assertThat(body.get("type").asText()).isEqualTo(row.type());
            assertThat(body.get("time").asText())
                    .isEqualTo(events.get(row.seq()).ts().toString())
                    .isEqualTo(row.occurredAt().toString());
            assertThat(body.get("site").asText()).isEqualTo("demo").isEqualTo(row.site());
            assertThat(body.get("conversation").get("id").asText()).isEqualTo(c);
            assertThat(body.get("conversation").get("seq").asLong()).isEqualTo(row.seq());
            assertThat(body.get("version").asInt()).isEqualTo(1);
            assertThat(row.endpointIds())
                    .as(row.type())
                    .isEqualTo(
                            row.type().equals("message.created") || row.type().equals("rating.submitted")
                                    ? List.of("whe_all", "whe_msg")
                                    : List.of("whe_all"));
        }
        assertThat(new HashSet<>(rows.stream().map(OutboundWebhook::eventId).toList()))
                .hasSize(rows.size());
        assertThat(body(rows.get(3)).get("time").asText()).isEqualTo("2026-11-23T10:00:01Z");

        String visitorId = hooks.memory.conversation(c).orElseThrow().visitorId();
        assertThat(data(rows, "conversation.started").get("visitor").get("id").asText())
                .isEqualTo(visitorId);
        JsonNode message = body(rows.get(1)).get("data");
        assertThat(message.get("author").get("role").asText()).isEqualTo("visitor");
        assertThat(message.get("author").get("id").asText()).isEqualTo(visitorId);
        assertThat(message.get("text").asText()).isEqualTo("How do I return an item?");
        assertThat(message.has("via")).isFalse();
        JsonNode answered = data(rows, "bot.answered");
        assertThat(answered.get("replyTo").asLong()).isEqualTo(1);
        assertThat(answered.get("entryId").asText()).isEqualTo("returns");
        assertThat(answered.get("entryQuestion").asText()).isEqualTo("How do I return an item?");
        assertThat(answered.get("text").asText()).isEqualTo("Use the returns form.");
        assertThat(answered.get("confidence").asDouble()).isPositive();
        JsonNode missed = data(rows, "bot.missed");
        assertThat(missed.get("replyTo").asLong()).isEqualTo(3);
        assertThat(missed.get("suggestions").isArray()).isTrue();
        assertThat(missed.get("humanOffered").isBoolean()).isTrue();
        assertThat(data(rows, "handoff.requested").get("reason").asText()).isEqualTo("visitor_asked");
        assertThat(data(rows, "conversation.assigned").get("agent").toString())
                .isEqualTo("{\"id\":\"dana\",\"name\":\"DANA\"}");
        assertThat(body(rows.get(7)).get("data").get("author").toString())
                .isEqualTo("{\"role\":\"agent\",\"id\":\"dana\",\"name\":\"DANA\"}");
        assertThat(data(rows, "conversation.transferred").toString())
                .isEqualTo(
                        "{\"to\":{\"agent\":{\"id\":\"sam\",\"name\":\"SAM\"}},\"from\":{\"id\":\"dana\",\"name\":\"DANA\"}}");
        assertThat(data(rows, "conversation.closed").toString())
                .isEqualTo("{\"reason\":\"solved\",\"by\":{\"role\":\"agent\",\"id\":\"sam\"}}");
        assertThat(data(rows, "rating.submitted").toString()).isEqualTo("{\"score\":5,\"comment\":\"thanks\"}");
    }

    @Test
    void heldQuestionAndBotAnswer_oneCommit_bothRows_inOrder() {
        hooks.endpoints.add(endpoint("whe_all", "demo", EndpointState.ACTIVE, WebhookTypes.ALL));
        router(config("least-busy", 5), hooks.store);
        Recorder v = visitor(null);
        router.request(v, Role.VISITOR, new ClientMessage.Send("q1", null, "How do I return an item?", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> e.kind() == Kind.BOT));
        String c = v.last(ServerMessage.Ack.class).conversationId();

        assertThat(hooks.commits).hasSize(1);
        Commit commit = hooks.commits.get(0);
        assertThat(commit.seqs()).containsExactly(1L, 2L);
        assertThat(hooks.types(c))
                .containsExactly("conversation.started@1.0", "message.created@1.1", "bot.answered@2.0");
    }

    @Test
    void aFollowUp_isAnnouncedOncePerEntry() throws Exception {
        hooks.endpoints.add(endpoint("whe_all", "demo", EndpointState.ACTIVE, WebhookTypes.ALL));
        router(config("least-busy", 5), hooks.store);
        Recorder v = visitor(null);
        router.request(
                v, Role.VISITOR, new ClientMessage.LeaveMessage("m1", null, "Ada", "ada@example.com", "Call me"));
        settle();
        String c = v.last(ServerMessage.Ack.class).conversationId();
        router.request(v, Role.VISITOR, new ClientMessage.LeaveMessage("m2", c, "Ada", "ada@example.com", "Soon?"));
        settle();
        router.disconnected(v);
        settle();
        assertThat(hooks.types(c)).containsExactly("conversation.started@1.0", "followup.created@1.1");
        assertThat(data(hooks.rows(c), "followup.created").toString())
                .isEqualTo("{\"email\":\"ada@example.com\",\"text\":\"Call me\"}");

        // Answered and closed; a reply by email makes it a follow-up again: announced again.
        Recorder dana = agent("dana");
        router.request(dana, Role.AGENT, new ClientMessage.Accept(id(), c));
        router.request(dana, Role.AGENT, new ClientMessage.Close("x1", c, null));
        settle();
        router.visitorReplyByEmail(c, "ada@example.com", "Still there?", "mail:1")
                .get(10, TimeUnit.SECONDS);
        settle();
        List<String> types = hooks.types(c);
        assertThat(types.subList(2, types.size()))
                .containsExactly(
                        "conversation.assigned@5.0",
                        "conversation.closed@6.0",
                        "message.created@7.0",
                        "followup.created@7.1");
        List<OutboundWebhook> rows = hooks.rows(c);
        assertThat(body(rows.get(4)).get("data").get("via").asText()).isEqualTo("email");
        assertThat(body(rows.get(5)).get("data").get("text").asText()).isEqualTo("Still there?");
    }

    @Test
    void aQueuedVisitorWhoLeft_isAFollowUp_onTheQueueLine() {
        hooks.endpoints.add(endpoint("whe_f", "demo", EndpointState.ACTIVE, List.of(WebhookTypes.FOLLOWUP_CREATED)));
        router(config("least-busy", 5), hooks.store);
        Recorder v = new Recorder();
        router.visitorHello(
                v,
                new ClientMessage.Hello(
                        id(),
                        1,
                        "demo",
                        null,
                        null,
                        new dev.concierge.protocol.VisitorContext(
                                "Ada", "ada@example.test", null, null, null, null, Map.of()),
                        null,
                        null,
                        null));
        settle();
        String c = handoff(v);
        router.disconnected(v);
        settle();
        clock.advance(Duration.ofMinutes(16));
        router.call(() -> {
            router.expiry.sweep();
            return null;
        });
        settle();
        TranscriptEvent last =
                hooks.memory.events(c, 0).get(hooks.memory.events(c, 0).size() - 1);
        assertThat(last.kind()).isEqualTo(Kind.QUEUED);
        assertThat(hooks.types(c)).containsExactly("followup.created@" + last.seq() + ".0");
        assertThat(data(hooks.rows(c), "followup.created").get("email").asText())
                .isEqualTo("ada@example.test");
    }

    @Test
    void startedAndFollowUp_areNotRepeated_afterARestart() {
        hooks.endpoints.add(endpoint("whe_all", "demo", EndpointState.ACTIVE, WebhookTypes.ALL));
        router(config("least-busy", 5), hooks.store);
        Recorder v = visitor(null);
        String token = v.last(ServerMessage.Welcome.class).visitorToken();
        router.request(
                v, Role.VISITOR, new ClientMessage.LeaveMessage("m1", null, "Ada", "ada@example.com", "Call me"));
        settle();
        String c = v.last(ServerMessage.Ack.class).conversationId();
        router.close();
        int before = hooks.rows(c).size();

        router(config("least-busy", 5), hooks.store);
        router.call(() -> {
            Recovery.recover(router, id -> java.util.Optional.empty());
            return null;
        });
        Recorder again = new Recorder();
        router.visitorHello(again, new ClientMessage.Hello(id(), 1, "demo", token, null, null, null, null, null));
        settle();
        router.request(again, Role.VISITOR, new ClientMessage.LeaveMessage("m2", c, "Ada", "ada@example.com", "Soon?"));
        router.request(again, Role.VISITOR, new ClientMessage.Send("s1", c, "Hello?", null));
        settleUntil(() -> again.all(ServerMessage.Ack.class).size() == 2);

        assertThat(hooks.memory.events(c, 0).size()).isGreaterThan(3);
        List<String> types = hooks.types(c);
        assertThat(types.subList(before, types.size())).isNotEmpty().allMatch(t -> t.startsWith("message.created@"));
    }

    @Test
    void aSiteWithoutSubscriptions_orWithADisabledEndpoint_makesNoRows() {
        sites = Map.of(
                "demo",
                dev.concierge.server.auth.Site.demo(),
                "acme",
                dev.concierge.server.auth.Site.withDefaults("acme"));
        hooks.endpoints.add(endpoint("whe_acme", "acme", EndpointState.ACTIVE, WebhookTypes.ALL));
        hooks.endpoints.add(endpoint("whe_off", "demo", EndpointState.DISABLED, WebhookTypes.ALL));
        router(config("least-busy", 5), hooks.store);
        Recorder v = visitor(null);
        router.request(v, Role.VISITOR, new ClientMessage.Send("q1", null, "How do I return an item?", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> e.kind() == Kind.BOT));
        String c = v.last(ServerMessage.Ack.class).conversationId();
        Recorder w = visitorOf("acme");
        router.request(w, Role.VISITOR, new ClientMessage.Send("q1", null, "How do I return an item?", null));
        settleUntil(() -> w.events().stream().anyMatch(e -> e.kind() == Kind.BOT));
        String acme = w.last(ServerMessage.Ack.class).conversationId();

        assertThat(hooks.memory.events(c, 0)).hasSize(2);
        assertThat(hooks.rows(c)).isEmpty();
        assertThat(hooks.rows(acme)).hasSize(3).allMatch(r -> r.site().equals("acme"));
    }

    @Test
    void aReload_takesEffectForTheNextEvent_andCommittedRowsWakeTheSender() throws Exception {
        router(config("least-busy", 5), hooks.store);
        AtomicInteger wakes = new AtomicInteger();
        router.onWebhooksStored(wakes::incrementAndGet);
        Recorder v = visitor(null);
        router.request(v, Role.VISITOR, new ClientMessage.Send("s1", null, "Hello", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> e.kind() == Kind.BOT));
        String c = v.last(ServerMessage.Ack.class).conversationId();
        assertThat(hooks.rows(c)).isEmpty();
        assertThat(wakes).hasValue(0);

        hooks.endpoints.add(endpoint("whe_new", "demo", EndpointState.ACTIVE, List.of(WebhookTypes.MESSAGE_CREATED)));
        router.reloadWebhooks().get(10, TimeUnit.SECONDS);
        router.request(v, Role.VISITOR, new ClientMessage.Send("s2", c, "Anyone?", null));
        settleUntil(() -> !hooks.rows(c).isEmpty() && wakes.get() > 0);

        assertThat(hooks.types(c)).containsExactly("message.created@3.0");
        assertThat(wakes).hasValue(1);

        hooks.endpoints.clear();
        router.reloadWebhooks().get(10, TimeUnit.SECONDS);
        router.request(v, Role.VISITOR, new ClientMessage.Send("s3", c, "Hello again?", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> "s3".equals(e.id())));
        assertThat(hooks.types(c)).containsExactly("message.created@3.0");
    }
}
