package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The REST API's writes on the router ({@link ApiRequests}): who may post where, the event's
 * author and {@code via}, once per client id, and closing.
 */
final class ApiRequestsTest extends RouterFixture {
    private static final Author CRM = new Author(Role.AGENT, "integration:crm", "CRM");

    private static ApiRequests.Poster integration() {
        return new ApiRequests.Poster(CRM, Optional.empty(), site -> true);
    }

    private static ApiRequests.Poster asAgent(String id) {
        AgentInfo info = new AgentInfo(id, id.toUpperCase());
        return new ApiRequests.Poster(new Author(Role.AGENT, id, info.name()), Optional.of(info), site -> true);
    }

    private ApiRequests.Result await(java.util.concurrent.CompletableFuture<ApiRequests.Result> result)
            throws Exception {
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void integrationMessage_reachesVisitorAndAgent_withViaApi_storedOncePerClientId() throws Exception {
        router(config("least-busy", 5));
        Recorder dana = agent("dana");
        Recorder v = visitor(null);
        String id = handoff(v);
        ApiRequests api = new ApiRequests(router);

        ApiRequests.Result first = await(api.post(integration(), id, "api:k1:abc", "Your refund is on its way", false));
        ApiRequests.Result again = await(api.post(integration(), id, "api:k1:abc", "Your refund is on its way", false));
        settle();

        assertThat(first.error()).isEmpty();
        assertThat(again.seq()).isEqualTo(first.seq());
        assertThat(first.event().orElseThrow().via()).isEqualTo("api");
        assertThat(first.event().orElseThrow().author()).isEqualTo(CRM);
        assertThat(v.events())
                .filteredOn(e -> "Your refund is on its way".equals(e.text()))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.via()).isEqualTo("api");
                    assertThat(e.author().id()).isEqualTo("integration:crm");
                });
        assertThat(dana.events()).extracting(TranscriptEvent::text).containsOnlyOnce("Your refund is on its way");
        assertThat(router.store().events(id, 0))
                .filteredOn(e -> e.kind() == Kind.MESSAGE && "api".equals(e.via()))
                .hasSize(1);
    }

    @Test
    void note_reachesTheAgentOnly() throws Exception {
        router(config("least-busy", 5));
        Recorder dana = agent("dana");
        Recorder v = visitor(null);
        String id = handoff(v);

        ApiRequests.Result r =
                await(new ApiRequests(router).post(integration(), id, "api:k1:n1", "VIP customer", true));
        settle();

        assertThat(r.event().orElseThrow().kind()).isEqualTo(Kind.NOTE);
        assertThat(dana.events()).extracting(TranscriptEvent::text).contains("VIP customer");
        assertThat(v.events()).extracting(TranscriptEvent::text).doesNotContain("VIP customer");
    }

    @Test
    void agentKey_isForbiddenAnotherAgentsConversation_andRefusedWhileWithTheBot() throws Exception {
        router(config("least-busy", 5));
        agent("dana");
        Recorder v = visitor(null);
        String id = handoff(v); // dana's
        Recorder other = visitor(null);
        router.request(other, Role.VISITOR, new ClientMessage.Send(id(), null, "hello", null));
        settleUntil(() -> !other.all(ServerMessage.Event.class).isEmpty());
        String withBot = other.last(ServerMessage.Event.class).conversationId();
        ApiRequests api = new ApiRequests(router);

        ApiRequests.Result sams = await(api.post(asAgent("sam"), id, "api:k2:1", "Hi", false));
        ApiRequests.Result danas = await(api.post(asAgent("dana"), id, "api:k2:2", "Hi", false));
        ApiRequests.Result bot = await(api.post(integration(), withBot, "api:k2:3", "Hi", false));
        ApiRequests.Result hidden = await(new ApiRequests(router)
                .post(new ApiRequests.Poster(CRM, Optional.empty(), site -> false), id, "api:k2:4", "Hi", false));

        assertThat(sams.error()).contains(ErrorCode.FORBIDDEN);
        assertThat(danas.error()).isEmpty();
        assertThat(bot.error()).contains(ErrorCode.BAD_STATE);
        assertThat(hidden.error()).contains(ErrorCode.NOT_FOUND);
        assertThat(hidden.notLive()).isFalse();
        assertThat(await(api.post(integration(), "nope", "api:k2:5", "Hi", false))
                        .notLive())
                .isTrue();
    }

    @Test
    void followUp_isTakenByAnAgentsKey_butNotByAnIntegration() throws Exception {
        router(config("least-busy", 5));
        Recorder v = visitor(null);
        router.request(
                v, Role.VISITOR, new ClientMessage.LeaveMessage("m1", null, "Ada", "ada@example.com", "Call me"));
        settle();
        String id = v.last(ServerMessage.Ack.class).conversationId();
        ApiRequests api = new ApiRequests(router);

        ApiRequests.Result crm = await(api.post(integration(), id, "api:k3:1", "We will call", false));
        ApiRequests.Result dana = await(api.post(asAgent("dana"), id, "api:k3:2", "I will call you at 3", false));
        settle();

        assertThat(crm.error()).contains(ErrorCode.BAD_STATE);
        assertThat(dana.error()).isEmpty();
        assertThat(conversation(id).state).isEqualTo(ConversationState.ASSIGNED);
        assertThat(conversation(id).agentId).isEqualTo("dana");
        assertThat(router.store().events(id, 0))
                .extracting(TranscriptEvent::text)
                .contains("I will call you at 3");
    }

    @Test
    void close_closesOnce_thenBadState() throws Exception {
        router(config("least-busy", 5));
        Recorder dana = agent("dana");
        Recorder v = visitor(null);
        String id = handoff(v);
        ApiRequests api = new ApiRequests(router);

        ApiRequests.Result closed = await(api.close(integration(), id, "api:k4:1", "resolved in the CRM"));
        ApiRequests.Result retried = await(api.close(integration(), id, "api:k4:1", "resolved in the CRM"));
        ApiRequests.Result again = await(api.close(integration(), id, "api:k4:2", null));
        ApiRequests.Result message = await(api.post(integration(), id, "api:k4:3", "Hi", false));
        settle();

        assertThat(closed.error()).isEmpty();
        assertThat(retried.seq()).isEqualTo(closed.seq());
        assertThat(again.error()).contains(ErrorCode.BAD_STATE);
        assertThat(message.error()).contains(ErrorCode.BAD_STATE);
        assertThat(conversation(id).state).isEqualTo(ConversationState.CLOSED);
        assertThat(v.events())
                .filteredOn(e -> e.kind() == Kind.CLOSED)
                .extracting(TranscriptEvent::reason)
                .containsExactly("resolved in the CRM");
        assertThat(dana.events()).extracting(TranscriptEvent::kind).contains(Kind.CLOSED);
    }
}
