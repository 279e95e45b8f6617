package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.store.InMemoryConversationStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What agents do with a conversation, through the router's entry points: transfers with notes,
 * follow-ups of messages left while nobody was online, receipts, context updates, settings.
 */
final class RouterAgentToolsTest extends RouterFixture {
    @Test
    void transfers_goToTheFrontOfTheQueue_aheadOfEarlierArrivals() {
        router(config("department", 1));
        Recorder dana = agent("dana", "orders");
        Recorder bill = agent("bill", "billing");
        String billsChat = handoff(visitor("billing"));
        String danasChat = handoff(visitor("orders"));
        String early = handoff(visitor("billing")); // waits for bill
        router.request(dana, Role.AGENT, new ClientMessage.Transfer(id(), danasChat, null, "billing", "double charge"));
        settle();
        List<QueueEntry> queue = bill.last(ServerMessage.Queue.class).entries();
        assertThat(queue).extracting(QueueEntry::conversationId).containsExactly(danasChat, early);
        assertThat(queue.get(0).priority()).isEqualTo(1);
        assertThat(dana.last(ServerMessage.Released.class).department()).isEqualTo("billing");
        // Dana is free now but may not get it back; bill gets it first when he has room.
        router.request(bill, Role.AGENT, new ClientMessage.Close(id(), billsChat, "resolved"));
        settle();
        assertThat(conversation(danasChat).agentId).isEqualTo("bill");
        ServerMessage.Assigned pkg = bill.all(ServerMessage.Assigned.class).stream()
                .filter(x -> x.conversationId().equals(danasChat))
                .findFirst()
                .orElseThrow();
        assertThat(pkg.handoff().transferNote()).isEqualTo("double charge");
        assertThat(pkg.handoff().transferredFrom().id()).isEqualTo("dana");
        assertThat(pkg.handoff().reason()).isEqualTo(HandoffReason.TRANSFER);
        assertThat(pkg.handoff().transcript()).extracting(TranscriptEvent::kind).contains(Kind.NOTE, Kind.TRANSFERRED);
    }

    @Test
    void transferToAnAgent_carriesTheNote_whichTheVisitorNeverSees() {
        router(config("least-busy", 5));
        Recorder dana = agent("dana");
        Recorder v = visitor(null);
        router.request(v, Role.VISITOR, new ClientMessage.Send(id(), null, "My parcel arrived damaged", null));
        settle();
        String id = handoff(v);
        Recorder sam = agent("sam");
        router.request(dana, Role.AGENT, new ClientMessage.Send(id(), id, "Sorry to hear that!", null));
        router.request(dana, Role.AGENT, new ClientMessage.Note(id(), id, "VIP, offer free shipping"));
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t1", id, "sam", null, "needs a refund"));
        settle();
        ServerMessage.Assigned pkg = sam.last(ServerMessage.Assigned.class);
        assertThat(pkg.handoff().transcript())
                .extracting(TranscriptEvent::text)
                .contains(
                        "My parcel arrived damaged",
                        "Sorry to hear that!",
                        "VIP, offer free shipping",
                        "needs a refund");
        assertThat(pkg.handoff().transferNote()).isEqualTo("needs a refund");
        assertThat(dana.last(ServerMessage.Released.class).to().id()).isEqualTo("sam");
        assertThat(dana.last(ServerMessage.Ack.class).ref()).isEqualTo("t1");
        assertThat(v.events())
                .extracting(TranscriptEvent::kind)
                .contains(Kind.TRANSFERRED)
                .doesNotContain(Kind.NOTE);
        assertThat(v.events())
                .extracting(TranscriptEvent::text)
                .doesNotContain("VIP, offer free shipping", "needs a refund");
        // Sam owns it now; Dana may not write any more.
        router.request(sam, Role.AGENT, new ClientMessage.Send(id(), id, "Hi, Sam here.", null));
        router.request(dana, Role.AGENT, new ClientMessage.Send("late", id, "still me", null));
        settle();
        assertThat(v.events())
                .extracting(TranscriptEvent::text)
                .contains("Hi, Sam here.")
                .doesNotContain("still me");
        assertThat(dana.last(ServerMessage.Error.class).code()).isEqualTo("not_found");
        // A visitor's history never shows notes either.
        router.request(v, Role.VISITOR, new ClientMessage.History(id(), id, 0));
        settle();
        assertThat(v.last(ServerMessage.Transcript.class).events())
                .extracting(TranscriptEvent::kind)
                .doesNotContain(Kind.NOTE);
    }

    @Test
    void aTransferTheStoreFailsToTake_stillGivesTheNewOwnerThePackage_andTheSenderAnError() {
        InMemoryConversationStore memory = new InMemoryConversationStore();
        router(config("least-busy", 5), failingOnce(memory, e -> e.kind() == Kind.TRANSFERRED));
        Recorder dana = agent(2, "dana");
        Recorder v = visitor(2, null);
        router.request(v, Role.VISITOR, new ClientMessage.Handoff("h1", null));
        settleUntil(() -> !owned(dana).isEmpty());
        String id = owned(dana).get(0);
        Recorder sam = agent(2, "sam");
        router.request(dana, Role.AGENT, new ClientMessage.Send("m1", id, "Sorry to hear that!", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> "m1".equals(e.id())));
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t1", id, "sam", null, "needs a refund"));
        settleUntil(() -> !sam.all(ServerMessage.Assigned.class).isEmpty()
                && !dana.all(ServerMessage.Error.class).isEmpty());

        List<TranscriptEvent> stored = memory.events(id, 0);
        assertThat(stored).extracting(TranscriptEvent::kind).doesNotContain(Kind.TRANSFERRED);
        assertThat(sam.last(ServerMessage.Assigned.class).handoff().transcript())
                .isEqualTo(stored);
        assertThat(dana.last(ServerMessage.Error.class).ref()).isEqualTo("t1");
        router.request(v, Role.VISITOR, new ClientMessage.Send("m2", id, "Hello?", null));
        settleUntil(() -> sam.events().stream().anyMatch(e -> "m2".equals(e.id())));
        assertThat(sam.events())
                .filteredOn(e -> "m2".equals(e.id()))
                .singleElement()
                .satisfies(e -> assertThat(e.seq()).isEqualTo(stored.size() + 1));
    }

    @Test
    void transferToAFullAgentIsRefusedUnlessForced_andTheSendersFreedSlotGoesToTheQueueAtOnce() {
        router(config("least-busy", 1));
        Recorder dana = agent("dana");
        Recorder sam = agent("sam");
        String first = handoff(visitor(null));
        String second = handoff(visitor(null));
        String waiting = handoff(visitor(null));
        assertThat(conversation(first).agentId).isEqualTo("dana");
        assertThat(conversation(second).agentId).isEqualTo("sam");
        assertThat(conversation(waiting).state).isEqualTo(ConversationState.QUEUED);

        // Sam is at the limit (1 of 1): refused, nothing changes.
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t1", first, "sam", null, "needs a refund"));
        settle();
        ServerMessage.Error refused = dana.last(ServerMessage.Error.class);
        assertThat(refused.code()).isEqualTo("agent_at_capacity");
        assertThat(refused.ref()).isEqualTo("t1");
        assertThat(refused.message()).contains("SAM", "1 of 1");
        assertThat(conversation(first).agentId).isEqualTo("dana");
        assertThat(owned(sam)).containsExactly(second);
        assertThat(conversation(first).transcript.all())
                .extracting(TranscriptEvent::kind)
                .doesNotContain(Kind.NOTE, Kind.TRANSFERRED);

        // Dana confirms: Sam goes over the limit, and Dana's freed slot takes the waiting visitor at once.
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t2", first, "sam", null, "needs a refund", true));
        settle();
        assertThat(dana.last(ServerMessage.Ack.class).ref()).isEqualTo("t2");
        assertThat(conversation(first).agentId).isEqualTo("sam");
        assertThat(conversation(waiting).agentId).isEqualTo("dana");
        assertThat(owned(dana)).containsExactly(first, waiting);
        assertThat(sam.last(ServerMessage.Agents.class).agents())
                .filteredOn(s -> s.id().equals("sam"))
                .singleElement()
                .satisfies(s -> assertThat(s.activeChats()).isEqualTo(2));
        assertThat(sam.last(ServerMessage.Queue.class).entries()).isEmpty();
    }

    @Test
    void anAgentWhoSignsInAway_isAssignedNothing_untilTheyGoOnline() {
        router(config("least-busy", 5));
        Recorder v = visitor(null);
        String id = handoff(v);
        Recorder dana = new Recorder();
        router.agentHello(
                dana,
                new AgentInfo("dana", "Dana"),
                new ClientMessage.Hello(id(), 2, null, null, "st", null, null, null, null, PresenceStatus.AWAY));
        settle();
        assertThat(dana.last(ServerMessage.Welcome.class)).isNotNull();
        assertThat(owned(dana)).isEmpty();
        assertThat(conversation(id).state).isEqualTo(ConversationState.QUEUED);
        assertThat(dana.last(ServerMessage.Queue.class).entries())
                .extracting(QueueEntry::conversationId)
                .containsExactly(id);
        assertThat(dana.last(ServerMessage.Agents.class).agents())
                .singleElement()
                .satisfies(s -> assertThat(s.presence()).isEqualTo(PresenceStatus.AWAY));
        assertThat(v.last(ServerMessage.QueueStatus.class).agentsOnline()).isZero();
        // A second console signing in without a status keeps the presence the agent has.
        Recorder second = new Recorder();
        router.agentHello(
                second, new AgentInfo("dana", "Dana"), new ClientMessage.Hello(id(), 2, null, null, "st", null, null));
        settle();
        assertThat(owned(dana)).isEmpty();
        router.request(dana, Role.AGENT, new ClientMessage.Presence(id(), PresenceStatus.ONLINE));
        settle();
        assertThat(owned(dana)).containsExactly(id);
    }

    @Test
    void transferToSomeoneOffline_isRefused_andChangesNothing() {
        router(config("least-busy", 5));
        Recorder dana = agent("dana");
        Recorder sam = agent("sam");
        router.request(sam, Role.AGENT, new ClientMessage.Presence(id(), PresenceStatus.AWAY));
        settle();
        String id = handoff(visitor(null));
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t1", id, "sam", null, null));
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t2", id, null, "nowhere", null));
        settle();
        assertThat(dana.all(ServerMessage.Error.class))
                .extracting(ServerMessage.Error::code)
                .containsExactly("unavailable", "unavailable");
        assertThat(conversation(id).agentId).isEqualTo("dana");
    }

    @Test
    void messageLeftWhileNobodyIsOnline_becomesAFollowUpTakenByHand() {
        router(config("least-busy", 5));
        Recorder v = visitor(null);
        router.request(
                v,
                Role.VISITOR,
                new ClientMessage.LeaveMessage(
                        "m1", null, "Ada", "ada@example.com", "Please call me back about order 1234"));
        settle();
        String id = v.last(ServerMessage.Ack.class).conversationId();
        assertThat(conversation(id).state).isEqualTo(ConversationState.FOLLOW_UP);
        assertThat(v.events()).extracting(TranscriptEvent::kind).contains(Kind.OFFLINE_MESSAGE);
        Recorder a = agent("a");
        // Agents see it in the queue, flagged, but it is not pushed onto anyone.
        QueueEntry entry = a.last(ServerMessage.Queue.class).entries().get(0);
        assertThat(entry.followUp()).isTrue();
        assertThat(entry.visitor().email()).isEqualTo("ada@example.com");
        assertThat(owned(a)).isEmpty();
        router.request(a, Role.AGENT, new ClientMessage.Accept(id(), id));
        settle();
        ServerMessage.Assigned pkg = a.last(ServerMessage.Assigned.class);
        assertThat(pkg.handoff().reason()).isEqualTo(HandoffReason.OFFLINE_MESSAGE);
        assertThat(pkg.handoff().question()).isEqualTo("Please call me back about order 1234");
        assertThat(pkg.handoff().visitor().name()).isEqualTo("Ada");
        assertThat(a.last(ServerMessage.Queue.class).entries()).isEmpty();
    }

    @Test
    void receipts_areRelayedToTheOtherSide_andNeverMoveBackwards() {
        router(config("least-busy", 5));
        Recorder a = agent("a");
        Recorder v = visitor(null);
        String id = handoff(v);
        router.request(a, Role.AGENT, new ClientMessage.Send(id(), id, "Hello!", null));
        settle();
        long seq = v.events().get(v.events().size() - 1).seq();
        router.request(v, Role.VISITOR, new ClientMessage.Receipt(null, id, seq, ReceiptStatus.READ));
        router.request(v, Role.VISITOR, new ClientMessage.Receipt(null, id, seq - 1, ReceiptStatus.READ));
        settle();
        assertThat(a.all(ServerMessage.Receipt.class)).singleElement().satisfies(r -> {
            assertThat(r.seq()).isEqualTo(seq);
            assertThat(r.role()).isEqualTo(Role.VISITOR);
        });
        // Another visitor's receipt for this conversation is ignored.
        Recorder stranger = visitor(null);
        router.request(stranger, Role.VISITOR, new ClientMessage.Receipt(null, id, seq + 5, ReceiptStatus.READ));
        settle();
        assertThat(a.all(ServerMessage.Receipt.class)).hasSize(1);
    }

    @Test
    void contextUpdates_reachTheOwningAgent() {
        router(config("least-busy", 5));
        Recorder a = agent("a");
        Recorder v = visitor(null);
        String id = handoff(v);
        router.request(
                v,
                Role.VISITOR,
                new ClientMessage.UpdateContext(
                        id(),
                        new dev.concierge.protocol.VisitorContext(
                                null,
                                null,
                                null,
                                null,
                                null,
                                new dev.concierge.protocol.Page("https://shop.example.com/checkout", "Checkout", null),
                                Map.of("cart", "3 items"))));
        settle();
        ServerMessage.VisitorUpdate update = a.last(ServerMessage.VisitorUpdate.class);
        assertThat(update.conversationId()).isEqualTo(id);
        assertThat(update.context().page().url()).endsWith("/checkout");
        assertThat(update.visitor().attributes()).containsEntry("cart", "3 items");
    }

    @Test
    void settingsAndAgentsList_reachAgentsOnHello() {
        router(new RoutingConfig(
                "least-busy",
                4,
                Duration.ofSeconds(90),
                Optional.empty(),
                List.of("billing"),
                List.of(new dev.concierge.protocol.CannedReply("refund", "Refunds take 3 days."))));
        Recorder a = agent("a", "billing");
        ServerMessage.Settings settings = a.last(ServerMessage.Settings.class);
        assertThat(settings.cannedReplies())
                .extracting(dev.concierge.protocol.CannedReply::shortcut)
                .containsExactly("refund");
        assertThat(settings.queueAlertSeconds()).isEqualTo(90);
        assertThat(settings.maxChats()).isEqualTo(4);
        Recorder b = agent("b");
        assertThat(a.last(ServerMessage.Agents.class).agents().stream()
                        .collect(Collectors.toMap(s -> s.id(), s -> s.departments())))
                .containsEntry("a", List.of("billing"))
                .containsEntry("b", List.of());
        assertThat(b.last(ServerMessage.Agents.class).agents()).hasSize(2);
    }
}
