package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.Resume;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.store.InMemoryConversationStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A long conversation, whose committed events a live transcript keeps packed
 * ({@link LiveTranscript}): every way its transcript leaves the server (the handoff package, a
 * transfer's package, a visitor's resume, history) holds every event, equal to the store's, and
 * resends of its first requests are still recognised.
 */
final class LongConversationTest extends RouterFixture {
    private static final int EXCHANGES = 40;

    @Test
    void everyEventOfALongConversationLeavesTheServerWhole_andAnEarlyRequestIsStillRecognisedWhenResent() {
        InMemoryConversationStore store = new InMemoryConversationStore();
        router(config("least-busy", 5), store);
        Recorder v = visitor(2, null);
        String token = v.last(ServerMessage.Welcome.class).visitorToken();
        // Bot turns first (one answered, one not), with "Aa" and "BB" as request ids: the two
        // strings have the same hashCode, so resends of them must be told apart by the id itself.
        router.request(v, Role.VISITOR, new ClientMessage.Send("Aa", null, "How do I return an item?", null));
        settleUntil(() -> v.events().stream().filter(e -> e.kind() == Kind.BOT).count() == 1);
        String id = v.last(ServerMessage.Event.class).conversationId();
        router.request(
                v, Role.VISITOR, new ClientMessage.Send("BB", id, "Do you sell umbrellas in teal? \uD83C\uDF02", null));
        settleUntil(() -> v.events().stream().filter(e -> e.kind() == Kind.BOT).count() == 2);
        Recorder dana = agent(2, "dana");
        router.request(v, Role.VISITOR, new ClientMessage.Handoff("h1", id, null));
        settleUntil(() -> !owned(dana).isEmpty());
        for (int i = 0; i < EXCHANGES; i++) {
            router.request(v, Role.VISITOR, new ClientMessage.Send("v" + i, id, "visitor says " + i, null));
            router.request(dana, Role.AGENT, new ClientMessage.Send("a" + i, id, "agent says " + i, null));
        }
        router.request(dana, Role.AGENT, new ClientMessage.Note("n1", id, "VIP, be nice"));
        settleUntil(() -> v.events().stream().anyMatch(e -> ("a" + (EXCHANGES - 1)).equals(e.id()))
                && dana.events().stream().anyMatch(e -> "n1".equals(e.id())));

        List<TranscriptEvent> stored = store.events(id, 0);
        assertThat(stored.size()).isGreaterThan(2 * EXCHANGES + 6);
        assertThat(stored).filteredOn(e -> e.bot() != null).hasSize(2);
        assertThat(conversation(id).transcript.all()).isEqualTo(stored);

        // Resends of requests long since packed: acknowledged with their seqs, nothing stored.
        for (String request : List.of("Aa", "BB", "v0")) {
            router.request(v, Role.VISITOR, new ClientMessage.Send(request, id, "resent", null));
            settle();
            long seq = stored.stream()
                    .filter(e -> request.equals(e.id()))
                    .findFirst()
                    .orElseThrow()
                    .seq();
            assertThat(v.last(ServerMessage.Ack.class).ref()).isEqualTo(request);
            assertThat(v.last(ServerMessage.Ack.class).seq()).isEqualTo(seq);
        }
        assertThat(store.events(id, 0)).isEqualTo(stored);

        // A visitor resuming from an early seq gets everything after it but the note.
        Recorder again = new Recorder();
        router.visitorHello(
                again, new ClientMessage.Hello(id(), 2, "demo", token, null, null, new Resume(id, 3), null, null));
        settleUntil(() -> !again.all(ServerMessage.Transcript.class).isEmpty());
        List<TranscriptEvent> visible = stored.stream()
                .filter(e -> e.seq() > 3 && e.kind() != Kind.NOTE)
                .toList();
        assertThat(again.last(ServerMessage.Transcript.class).events()).isEqualTo(visible);
        router.request(again, Role.VISITOR, new ClientMessage.History("q1", id, 0));
        settleUntil(() -> again.all(ServerMessage.Transcript.class).size() == 2);
        assertThat(again.last(ServerMessage.Transcript.class).events()).hasSize(stored.size() - 1);

        // A transfer hands Sam the last events and the count of all, note and bot turns included;
        // history gives him the rest.
        Recorder sam = agent(2, "sam");
        router.request(dana, Role.AGENT, new ClientMessage.Transfer("t1", id, "sam", null, "long one"));
        settleUntil(() -> !sam.all(ServerMessage.Assigned.class).isEmpty());
        List<TranscriptEvent> withTransfer = store.events(id, 0);
        var handoff = sam.last(ServerMessage.Assigned.class).handoff();
        int total = handoff.transcriptTotal();
        assertThat(total).isGreaterThan(stored.size());
        assertThat(handoff.complete()).isFalse();
        assertThat(handoff.transcript())
                .hasSize(FrameBounds.PACKAGE_EVENTS)
                .containsExactlyElementsOf(withTransfer.subList(total - FrameBounds.PACKAGE_EVENTS, total));
        router.request(sam, Role.AGENT, new ClientMessage.History("q2", id, 0));
        settleUntil(() -> !sam.all(ServerMessage.Transcript.class).isEmpty());
        assertThat(sam.last(ServerMessage.Transcript.class).events()).isEqualTo(store.events(id, 0));
    }
}
