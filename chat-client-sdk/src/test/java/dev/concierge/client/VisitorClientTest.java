package dev.concierge.client;

import static dev.concierge.client.testing.Frames.ack;
import static dev.concierge.client.testing.Frames.await;
import static dev.concierge.client.testing.Frames.bot;
import static dev.concierge.client.testing.Frames.event;
import static dev.concierge.client.testing.Frames.failure;
import static dev.concierge.client.testing.Frames.message;
import static dev.concierge.client.testing.Frames.seqs;
import static dev.concierge.client.testing.Frames.transcript;
import static dev.concierge.client.testing.Frames.visitorWelcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.client.testing.Frames;
import dev.concierge.client.testing.ScriptedServer;
import dev.concierge.client.testing.VisitorClientFixture;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The visitor client in a conversation: sending, acks, errors, events, transcripts and history. */
final class VisitorClientTest extends VisitorClientFixture {
    @Test
    void send_withoutConversation_adoptsTheOneTheAckNames() throws Exception {
        ScriptedServer.Peer peer = connect(builder());

        CompletableFuture<Stored> sending = client.send("Where is my order?");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        assertThat(sent.conversationId()).isNull();
        assertThat(sent.text()).isEqualTo("Where is my order?");
        assertThat(sent.id()).hasSize(36);

        peer.send(message("c7", 1, sent.id())); // the message's own event acknowledges it already
        peer.send(bot("c7", 2));
        peer.send(ack(sent, "c7", 1)); // a protocol 1 server's ack: nothing waits for it any more
        assertThat(await(sending).seq()).isEqualTo(1);
        assertThat(client.conversationId()).contains("c7");
        listener.assertNext("event c7 1", "event c7 2");
        assertThat(seqs(client.transcript())).containsExactly(1L, 2L);

        client.send("And returns?");
        assertThat(peer.expect(ClientMessage.Send.class).conversationId()).isEqualTo("c7");
    }

    @Test
    void protocol2_saysHelloWithVersion2_andTakesAMessagesOwnEventAsItsAck() throws Exception {
        CompletableFuture<VisitorClient> connecting = builder().connect();
        ScriptedServer.Peer peer = server.nextPeer();
        ClientMessage.Hello hello = peer.expect(ClientMessage.Hello.class);
        assertThat(hello.version()).isEqualTo(ProtocolCodec.VERSION).isEqualTo(2);
        peer.send(new ServerMessage.Welcome(hello.id(), 2, Role.VISITOR, "v_1", "vt_1", null, null));
        client = await(connecting);
        listener.assertNext("state CONNECTING", "state OPEN");

        CompletableFuture<Stored> sending = client.send("Where is my order?");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        peer.send(message("c7", 1, "someone-elses-id")); // an event with another id acknowledges nothing
        peer.send(message("c7", 2, sent.id()));
        Stored ack = await(sending);
        assertThat(ack.conversationId()).isEqualTo("c7");
        assertThat(ack.seq()).isEqualTo(2);
        assertThat(client.conversationId()).contains("c7");
        assertThat(seqs(client.transcript())).containsExactly(1L, 2L);
        listener.assertNext("event c7 1", "event c7 2");

        // Nothing is resent after a reconnect: the event took the request out of the outbox.
        peer.drop();
        ScriptedServer.Peer second = server.nextPeer();
        ClientMessage.Hello again = second.expect(ClientMessage.Hello.class);
        second.send(new ServerMessage.Welcome(again.id(), 2, Role.VISITOR, "v_1", "vt_1", "c7", null));
        second.send(transcript(null, "c7", 1, 2));
        client.send("And returns?");
        assertThat(second.expect(ClientMessage.Send.class).text()).isEqualTo("And returns?");
    }

    @Test
    void errorFrame_failsTheRequestItNames_andOtherErrorsGoToTheListener() throws Exception {
        ScriptedServer.Peer peer = connect(builder());

        CompletableFuture<Stored> sending = client.send("hello");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        peer.send(new ServerMessage.Error("not_found", "No such conversation.", sent.id()));
        ConciergeClientException failed = failure(sending);
        assertThat(failed).isInstanceOfSatisfying(ServerRefusedException.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.NOT_FOUND));
        assertThat(failed).hasMessage("No such conversation.");

        peer.send(new ServerMessage.Error("unknown_type", "Unknown message type.", "nobody"));
        listener.assertNext("error unknown_type");
        listener.assertExhausted();
    }

    @Test
    void events_areDedupedBySeq_acrossLiveFramesAndTranscripts() throws Exception {
        ScriptedServer.Peer peer = connectInConversation();
        peer.send(bot("c1", 2));
        peer.send(message("c1", 3, "m3"));
        peer.send(message("c1", 3, "m3"));
        peer.send(transcript(null, "c1", 2, 3, 4));
        peer.send(new ServerMessage.Typing("c1", Role.AGENT, false));

        listener.assertNext("event c1 3", "event c1 4", "typing false");
        assertThat(seqs(client.transcript())).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void aLongTranscriptAfterWelcome_isReadPageByPageToTheLast() throws Exception {
        CompletableFuture<VisitorClient> connecting =
                builder().visitorToken("vt_1").connect();
        ScriptedServer.Peer peer = server.nextPeer();
        peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), "c1"));
        peer.send(Frames.page(null, "c1", 1, 2));
        client = await(connecting);
        ClientMessage.History next = peer.expect(ClientMessage.History.class);
        assertThat(next.afterSeq()).isEqualTo(2);
        peer.send(Frames.page(next.id(), "c1", 3));
        ClientMessage.History last = peer.expect(ClientMessage.History.class);
        assertThat(last.afterSeq()).isEqualTo(3);
        peer.send(transcript(last.id(), "c1", 4));
        listener.assertNext("state CONNECTING", "state OPEN", "event c1 1", "event c1 2", "event c1 3", "event c1 4");
        assertThat(seqs(client.transcript())).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void gapInLiveEvents_asksForHistoryAfterTheLastSeq() throws Exception {
        ScriptedServer.Peer peer = connectInConversation();
        peer.send(message("c1", 5, "m5"));

        ClientMessage.History history = peer.expect(ClientMessage.History.class);
        assertThat(history.conversationId()).isEqualTo("c1");
        assertThat(history.afterSeq()).isEqualTo(2);
        peer.send(transcript(history.id(), "c1", 3, 4, 5));

        listener.assertNext("event c1 5", "event c1 3", "event c1 4");
        assertThat(seqs(client.transcript())).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void history_completesWithTheTranscriptItAskedFor() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        CompletableFuture<History> asking = client.history("c_old", 0);
        ClientMessage.History history = peer.expect(ClientMessage.History.class);
        peer.send(transcript(history.id(), "c_old", 1, 2));
        assertThat(seqs(await(asking).events())).containsExactly(1L, 2L);
        assertThat(client.transcript()).isEmpty();
    }

    @Test
    void queueStatusAndTyping_reachTheListenerInOrder() throws Exception {
        ScriptedServer.Peer peer = connectInConversation();
        peer.send(new ServerMessage.QueueStatus("c1", 2, 180L, 1));
        peer.send(new ServerMessage.Typing("c1", Role.AGENT, true));
        listener.assertNext("queue_status 2", "typing true");
        assertThat(client.queueStatus())
                .hasValueSatisfying(status -> assertThat(status.estimatedWait()).contains(Duration.ofMinutes(3)));

        peer.send(event("c1", 3, null, Kind.ASSIGNED));
        listener.assertNext("event c1 3");
        assertThat(client.queueStatus()).isEmpty();
    }

    @Test
    void closedConversation_canBeRated_andTheNextMessageStartsANewOne() throws Exception {
        ScriptedServer.Peer peer = connectInConversation();
        peer.send(event("c1", 3, null, Kind.CLOSED));
        listener.assertNext("event c1 3");

        client.rate(5, "Quick and friendly, thanks!");
        ClientMessage.Rate rate = peer.expect(ClientMessage.Rate.class);
        assertThat(rate.conversationId()).isEqualTo("c1");
        assertThat(rate.score()).isEqualTo(5);

        CompletableFuture<Stored> sending = client.send("One more thing");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        assertThat(sent.conversationId()).isNull();
        peer.send(ack(sent, "c2", 1));
        await(sending);
        assertThat(client.conversationId()).contains("c2");
        assertThat(client.transcript()).isEmpty();
    }

    @Test
    void choose_sendsTheSuggestionsEntry_andRequestsNeedingAConversationFailWithoutOne() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        client.choose(new Suggestion("returns-how", "How do I return an item?"));
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        assertThat(sent.text()).isEqualTo("How do I return an item?");
        assertThat(sent.entryId()).isEqualTo("returns-how");

        client.requestHuman();
        assertThat(peer.expect(ClientMessage.Handoff.class).conversationId()).isNull();

        assertThat(failure(client.rate(5, null))).isInstanceOf(NoConversationException.class);
        assertThat(failure(client.closeConversation("done"))).isInstanceOf(NoConversationException.class);
        assertThatThrownBy(() -> client.rate(6, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("score");
        assertThatThrownBy(() -> client.send(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("text");
    }
}
