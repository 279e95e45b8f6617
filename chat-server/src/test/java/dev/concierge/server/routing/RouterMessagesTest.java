package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.InMemoryConversationStore;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Messages through the router: bot answers and their writes, acknowledgements by protocol
 * version, and writes the store fails to take.
 */
final class RouterMessagesTest extends RouterFixture {
    @Test
    void aBotAnswerCarriesTheQuestionOfItsEntry_whichTheAgentSeesInThePackage() {
        router(config("least-busy", 5));
        Recorder v = visitor(null);
        router.request(v, Role.VISITOR, new ClientMessage.Send(id(), null, "Can I send something back?", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> e.kind() == Kind.BOT));
        TranscriptEvent answer = v.events().stream()
                .filter(e -> e.kind() == Kind.BOT)
                .findFirst()
                .orElseThrow();
        assertThat(answer.bot().entryId()).isEqualTo("returns");
        assertThat(answer.bot().entryQuestion()).isEqualTo("How do I return an item?");
        Recorder a = agent("a");
        handoff(v);
        assertThat(a.last(ServerMessage.Assigned.class).handoff().transcript())
                .filteredOn(e -> e.kind() == Kind.BOT)
                .singleElement()
                .satisfies(e -> assertThat(e.bot().entryQuestion()).isEqualTo("How do I return an item?"));
    }

    @Test
    void aQuestionToTheBotIsStoredWithItsAnswer_inOneWrite_andAcknowledgedBeforeTheAnswerArrives() {
        List<String> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
        router(config("least-busy", 5), recordingAppends(new InMemoryConversationStore(), writes));
        Recorder v = visitor(null);
        String question = id();
        router.request(v, Role.VISITOR, new ClientMessage.Send(question, null, "Can I send something back?", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> e.kind() == Kind.BOT));

        // One write for both (one commit, one fsync on SQLite), the question first; never the question alone.
        assertThat(writes).containsExactly("appendAll [Can I send something back?, Use the returns form.]");
        List<ServerMessage> frames;
        synchronized (v.frames) {
            frames = List.copyOf(v.frames);
        }
        int ack = indexOf(frames, f -> f instanceof ServerMessage.Ack a && question.equals(a.ref()));
        int answer = indexOf(frames, f -> f instanceof ServerMessage.Event e && e.kind() == Kind.BOT);
        assertThat(ack).isNotNegative().isLessThan(answer);
        assertThat(v.events()).extracting(TranscriptEvent::seq).containsExactly(1L, 2L);

        // With a human on the conversation there is no bot answer to wait for: stored at once, alone.
        Recorder a = agent("a");
        router.request(v, Role.VISITOR, new ClientMessage.Handoff(id(), null));
        settleUntil(() -> !a.all(ServerMessage.Assigned.class).isEmpty());
        String id = a.last(ServerMessage.Assigned.class).conversationId();
        writes.clear();
        router.request(v, Role.VISITOR, new ClientMessage.Send(id(), id, "Thanks, and my invoice?", null));
        settleUntil(() -> a.events().stream().anyMatch(e -> "Thanks, and my invoice?".equals(e.text())));
        assertThat(writes).containsExactly("append Thanks, and my invoice?");
        assertThat(a.events()).extracting(TranscriptEvent::text).contains("Thanks, and my invoice?");
    }

    @Test
    void eventsCommittedTogether_reachTheVisitorInSeqOrder_thoseStoredWithAHeldQuestionIncluded() {
        GroupCommit commits = new GroupCommit(new InMemoryConversationStore());
        router(config("least-busy", 5), commits.store);
        Recorder v = visitor(2, null);
        // Both questions are taken before the bot's first answer: the first is held while the bot
        // answers it, and goes to the store with the second question or with the first answer.
        CountDownLatch asked = new CountDownLatch(1);
        router.executor.execute(() -> await(asked));
        router.request(v, Role.VISITOR, new ClientMessage.Send("q1", null, "How do I return an item?", null));
        router.request(v, Role.VISITOR, new ClientMessage.Send("q2", null, "Can I send something back?", null));
        asked.countDown();
        settleUntil(() -> commits.events() == 4); // both questions and both answers, none committed

        // One commit completes all four writes while the router is busy, as a sync thread does
        // under load: every completion is queued before the router runs the first of them.
        CountDownLatch committed = new CountDownLatch(1);
        router.executor.execute(() -> await(committed));
        commits.commit();
        committed.countDown();
        settleUntil(() -> v.events().size() == 4);

        assertThat(v.events())
                .extracting(e -> e.seq() + " " + e.kind())
                .containsExactly("1 MESSAGE", "2 MESSAGE", "3 BOT", "4 BOT");
    }

    @Test
    void protocol2_aMessageIsAcknowledgedByItsOwnEvent_aResendAndProtocol1ByAnAck() {
        router(config("least-busy", 5));
        Recorder v = visitor(2, null);
        Recorder a = agent(2, "a");
        assertThat(v.last(ServerMessage.Welcome.class).version()).isEqualTo(2);
        assertThat(a.last(ServerMessage.Welcome.class).version()).isEqualTo(2);
        String id = handoff(v);
        settleUntil(() -> !a.all(ServerMessage.Assigned.class).isEmpty());

        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", id, "Where is my parcel?", null));
        router.request(a, Role.AGENT, new ClientMessage.Send("m2", id, "Let me check.", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> "m2".equals(e.id())));

        // Each sender's own copy of the event, carrying its request id, is the acknowledgement.
        TranscriptEvent question =
                v.events().stream().filter(e -> "m1".equals(e.id())).findFirst().orElseThrow();
        TranscriptEvent reply =
                a.events().stream().filter(e -> "m2".equals(e.id())).findFirst().orElseThrow();
        assertThat(a.events()).extracting(TranscriptEvent::id).contains("m1");
        assertThat(v.all(ServerMessage.Ack.class))
                .extracting(ServerMessage.Ack::ref)
                .doesNotContain("m1");
        assertThat(a.all(ServerMessage.Ack.class))
                .extracting(ServerMessage.Ack::ref)
                .doesNotContain("m2");

        // A resend of a stored id stores nothing and gets an ack with the same seq.
        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", id, "Where is my parcel?", null));
        router.request(a, Role.AGENT, new ClientMessage.Send("m2", id, "Let me check.", null));
        settle();
        assertThat(v.last(ServerMessage.Ack.class).ref()).isEqualTo("m1");
        assertThat(v.last(ServerMessage.Ack.class).seq()).isEqualTo(question.seq());
        assertThat(a.last(ServerMessage.Ack.class).ref()).isEqualTo("m2");
        assertThat(a.last(ServerMessage.Ack.class).seq()).isEqualTo(reply.seq());
        assertThat(conversation(id).transcript.all())
                .extracting(TranscriptEvent::text)
                .containsOnlyOnce("Where is my parcel?", "Let me check.");

        // Protocol 1 on the same conversation: the sender gets an ack frame, then the event.
        Recorder old = visitor(1, null);
        String other = handoff(old);
        settleUntil(() -> owned(a).contains(other));
        router.request(old, Role.VISITOR, new ClientMessage.Send("m3", other, "Hello?", null));
        settleUntil(() -> old.all(ServerMessage.Ack.class).stream().anyMatch(k -> "m3".equals(k.ref())));
        assertThat(old.events()).extracting(TranscriptEvent::id).contains("m3");
    }

    @Test
    void protocol2_aMessageWhoseConversationChangedHandsBeforeItsCommitIsAcknowledgedWithAnAck() {
        List<String> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
        router(config("least-busy", 5), recordingAppends(new InMemoryConversationStore(), writes));
        Recorder v = visitor(2, null);
        Recorder dana = agent(2, "dana");
        router.request(v, Role.VISITOR, new ClientMessage.Handoff("h1", null));
        settleUntil(() -> !owned(dana).isEmpty());
        String id = owned(dana).get(0);
        Recorder sam = agent(2, "sam");

        // The transfer runs before the message's commit completes (the store completes later, on
        // its own thread): the event reaches Sam inside his package, never Dana's socket.
        router.request(dana, Role.AGENT, new ClientMessage.Send("m1", id, "Passing you to Sam.", null));
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t1", id, "sam", null, null));
        settleUntil(() -> dana.all(ServerMessage.Ack.class).stream().anyMatch(k -> "m1".equals(k.ref())));

        assertThat(dana.events()).extracting(TranscriptEvent::id).doesNotContain("m1");
        assertThat(dana.all(ServerMessage.Ack.class))
                .filteredOn(k -> "m1".equals(k.ref()))
                .singleElement()
                .satisfies(k -> assertThat(k.seq()).isPositive());
        settleUntil(() -> !sam.all(ServerMessage.Assigned.class).isEmpty());
        assertThat(sam.last(ServerMessage.Assigned.class).handoff().transcript())
                .extracting(TranscriptEvent::id)
                .contains("m1");
    }

    @Test
    void aMessageTheStoreFailsToTake_canBeRetriedWithItsId_andTheConversationGoesOn() {
        ConversationStore memory = new InMemoryConversationStore();
        // The first write of "flaky" fails (nothing stored), as a write rolled back by a full disk would.
        ConversationStore flaky = failingOnce(memory, e -> "flaky".equals(e.text()));
        router(config("least-busy", 5), flaky);
        Recorder v = visitor(2, null);
        Recorder a = agent(2, "a");
        router.request(v, Role.VISITOR, new ClientMessage.Handoff("h1", null));
        settleUntil(() -> !owned(a).isEmpty());
        String id = owned(a).get(0);
        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", id, "first", null));
        settleUntil(() -> a.events().stream().anyMatch(e -> "m1".equals(e.id())));

        // "flaky" fails; the agent's reply, sent before that failure was known, was queued behind
        // it with the next seq and fails too. Each sender is told to retry with the same id.
        router.request(v, Role.VISITOR, new ClientMessage.Send("m2", id, "flaky", null));
        router.request(a, Role.AGENT, new ClientMessage.Send("m3", id, "reply", null));
        settleUntil(() -> !a.all(ServerMessage.Error.class).isEmpty()
                && !v.all(ServerMessage.Error.class).isEmpty());
        assertThat(v.last(ServerMessage.Error.class).ref()).isEqualTo("m2");
        assertThat(v.last(ServerMessage.Error.class).message()).contains("retry with the same id");
        assertThat(a.last(ServerMessage.Error.class).ref()).isEqualTo("m3");
        assertThat(conversation(id).transcript.all())
                .extracting(TranscriptEvent::text)
                .doesNotContain("flaky", "reply");

        // The retries are stored, in order, right after "first"; so is what follows.
        router.request(v, Role.VISITOR, new ClientMessage.Send("m2", id, "flaky", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> "m2".equals(e.id())));
        router.request(a, Role.AGENT, new ClientMessage.Send("m3", id, "reply", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> "m3".equals(e.id())));
        router.request(v, Role.VISITOR, new ClientMessage.Send("m4", id, "thanks", null));
        settleUntil(() -> a.events().stream().anyMatch(e -> "m4".equals(e.id())));

        List<TranscriptEvent> stored = memory.events(id, 0);
        assertThat(stored)
                .extracting(TranscriptEvent::seq)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, stored.size())
                        .boxed()
                        .toList());
        assertThat(stored)
                .extracting(TranscriptEvent::text)
                .containsSubsequence("first", "flaky", "reply", "thanks")
                .containsOnlyOnce("flaky", "reply");
        assertThat(conversation(id).transcript.all()).isEqualTo(stored);
        assertThat(a.events()).extracting(TranscriptEvent::id).containsOnlyOnce("m2", "m4");
        assertThat(v.events()).extracting(TranscriptEvent::id).containsOnlyOnce("m2", "m3");
    }

    @Test
    void anAssignmentTheStoreFailsToTake_stillReachesTheAgentWithThePackage_andLaterMessagesGoLive() {
        ConversationStore memory = new InMemoryConversationStore();
        router(config("least-busy", 5), failingOnce(memory, e -> e.kind() == Kind.ASSIGNED));
        Recorder v = visitor(2, null);
        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", null, "Where is my parcel?", null));
        settleUntil(() -> v.events().stream().anyMatch(e -> e.kind() == Kind.BOT));
        Recorder a = agent(2, "a");
        router.request(v, Role.VISITOR, new ClientMessage.Handoff("h1", null));
        settleUntil(() -> !a.all(ServerMessage.Assigned.class).isEmpty());

        // The package came without the assigned event, with everything stored before it.
        String id = owned(a).get(0);
        List<TranscriptEvent> stored = memory.events(id, 0);
        assertThat(stored).extracting(TranscriptEvent::kind).doesNotContain(Kind.ASSIGNED);
        assertThat(a.last(ServerMessage.Assigned.class).handoff().transcript()).isEqualTo(stored);

        // The next event takes the failed one's seq, and reaches the agent live.
        router.request(v, Role.VISITOR, new ClientMessage.Send("m2", id, "Hello?", null));
        settleUntil(() -> a.events().stream().anyMatch(e -> "m2".equals(e.id())));
        assertThat(a.events())
                .filteredOn(e -> "m2".equals(e.id()))
                .singleElement()
                .satisfies(e -> assertThat(e.seq()).isEqualTo(stored.size() + 1));
        assertThat(memory.events(id, 0)).hasSize(stored.size() + 1);
    }

    private static int indexOf(List<ServerMessage> frames, java.util.function.Predicate<ServerMessage> p) {
        for (int i = 0; i < frames.size(); i++) {
            if (p.test(frames.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
