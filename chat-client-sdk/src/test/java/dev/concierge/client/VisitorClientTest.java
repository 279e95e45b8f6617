package dev.concierge.client;

import static dev.concierge.client.Frames.ack;
import static dev.concierge.client.Frames.await;
import static dev.concierge.client.Frames.bot;
import static dev.concierge.client.Frames.event;
import static dev.concierge.client.Frames.failure;
import static dev.concierge.client.Frames.message;
import static dev.concierge.client.Frames.seqs;
import static dev.concierge.client.Frames.transcript;
import static dev.concierge.client.Frames.visitorWelcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.ClientMessage;
import dev.concierge.protocol.ProtocolCodec;
import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values;
import dev.concierge.protocol.Values.Kind;
import dev.concierge.protocol.Values.Role;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class VisitorClientTest {
    private ScriptedServer server;
    private final RecordingListener listener = new RecordingListener();
    private VisitorClient client;

    @BeforeEach
    void startServer() throws Exception {
        server = ScriptedServer.start();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private VisitorClient.Builder builder() {
        return VisitorClient.builder()
                .serverUri(server.uri())
                .listener(listener)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .random(new SplittableRandom(42));
    }

    /** Connects; the server welcomes a visitor with no open conversation. */
    private ScriptedServer.Peer connect(VisitorClient.Builder builder) throws Exception {
        CompletableFuture<VisitorClient> connecting = builder.connect();
        ScriptedServer.Peer peer = server.nextPeer();
        peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), null));
        client = await(connecting);
        listener.assertNext("state CONNECTING", "state OPEN");
        return peer;
    }

    /** Connects into open conversation c1 whose transcript holds seqs 1 and 2. */
    private ScriptedServer.Peer connectInConversation() throws Exception {
        CompletableFuture<VisitorClient> connecting =
                builder().visitorToken("vt_1").connect();
        ScriptedServer.Peer peer = server.nextPeer();
        peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), "c1"));
        peer.send(transcript(null, "c1", 1, 2));
        client = await(connecting);
        listener.assertNext("state CONNECTING", "state OPEN", "event c1 1", "event c1 2");
        return peer;
    }

    @Test
    void connect_greetsAndCompletesAfterWelcome() throws Exception {
        Values.VisitorContext context = new Values.VisitorContext(
                "Ada Lovelace",
                null,
                "en",
                "Europe/London",
                null,
                new Values.Page("https://shop.example.com/orders/1234", "Order 1234", null),
                Map.of("plan", "gold"));
        CompletableFuture<VisitorClient> connecting =
                builder().site("shop").context(context).connect();
        ScriptedServer.Peer peer = server.nextPeer();
        ClientMessage.Hello hello = peer.expect(ClientMessage.Hello.class);

        assertThat(peer.path).isEqualTo("/ws/visitor");
        assertThat(hello.version()).isEqualTo(ProtocolCodec.VERSION);
        assertThat(hello.site()).isEqualTo("shop");
        assertThat(hello.context()).isEqualTo(context);
        assertThat(hello.visitorToken()).isNull();
        assertThat(hello.resume()).isNull();
        assertThat(connecting).isNotDone();

        peer.send(visitorWelcome(hello, null));
        client = await(connecting);
        assertThat(client.state()).isEqualTo(VisitorClient.State.OPEN);
        assertThat(client.visitorId()).isEqualTo("v_1");
        assertThat(client.visitorToken()).isEqualTo("vt_1");
        assertThat(client.conversationId()).isEmpty();
        assertThat(client.transcript()).isEmpty();
        listener.assertNext("state CONNECTING", "state OPEN");
    }

    @Test
    void connect_withOpenConversation_completesAfterItsTranscript_sentInFragments() throws Exception {
        CompletableFuture<VisitorClient> connecting =
                builder().visitorToken("vt_1").connect();
        ScriptedServer.Peer peer = server.nextPeer();
        ClientMessage.Hello hello = peer.expect(ClientMessage.Hello.class);
        assertThat(hello.visitorToken()).isEqualTo("vt_1");

        peer.send(visitorWelcome(hello, "c1"));
        peer.send(new ServerMessage.Typing("c1", Role.AGENT, true));
        listener.assertNext("state CONNECTING", "typing true");
        assertThat(connecting).isNotDone();

        peer.sendFragmented(transcript(null, "c1", 1, 2), 3);
        client = await(connecting);
        assertThat(client.conversationId()).contains("c1");
        assertThat(seqs(client.transcript())).containsExactly(1L, 2L);
        listener.assertNext("state OPEN", "event c1 1", "event c1 2");
    }

    @Test
    void send_withoutConversation_adoptsTheOneTheAckNames() throws Exception {
        ScriptedServer.Peer peer = connect(builder());

        CompletableFuture<ServerMessage.Ack> sending = client.send("Where is my order?");
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

        CompletableFuture<ServerMessage.Ack> sending = client.send("Where is my order?");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        peer.send(message("c7", 1, "someone-elses-id")); // an event with another id acknowledges nothing
        peer.send(message("c7", 2, sent.id()));
        ServerMessage.Ack ack = await(sending);
        assertThat(ack.ref()).isEqualTo(sent.id());
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

        CompletableFuture<ServerMessage.Ack> sending = client.send("hello");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        peer.send(new ServerMessage.Error("not_found", "No such conversation.", sent.id()));
        ConciergeClientException failed = failure(sending);
        assertThat(failed.code()).isEqualTo("not_found");
        assertThat(failed).hasMessage("No such conversation.");

        peer.send(new ServerMessage.Error("unknown_type", "Unknown message type.", "nobody"));
        listener.assertNext("error unknown_type");
        listener.assertExhausted();
    }

    @Test
    void internalError_keepsTheRequest_andSendsItAgainWithTheSameIdUntilStored() throws Exception {
        ScriptedServer.Peer peer = connectInConversation();
        CompletableFuture<ServerMessage.Ack> sending = client.send("Is it shipped?");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        String notStored = "The message could not be stored; retry with the same id.";
        peer.send(new ServerMessage.Error("internal", notStored, sent.id()));
        assertThat(peer.expect(ClientMessage.Send.class)).isEqualTo(sent);
        peer.send(new ServerMessage.Error("internal", notStored, sent.id()));
        ClientMessage.Send again = peer.expect(ClientMessage.Send.class);
        assertThat(again).isEqualTo(sent);
        assertThat(sending).isNotDone();

        peer.send(ack(again, "c1", 3));
        assertThat(await(sending).seq()).isEqualTo(3);
        listener.assertExhausted(); // nothing for the app to handle
        peer.assertNothingElse();
    }

    @Test
    void droppedSocket_resendsOutboxWithOriginalId_andResumesFromLastSeq() throws Exception {
        ScriptedServer.Peer first = connectInConversation();
        CompletableFuture<ServerMessage.Ack> sending = client.send("Is it shipped?");
        ClientMessage.Send sent = first.expect(ClientMessage.Send.class);
        assertThat(sent.conversationId()).isEqualTo("c1");
        // The bot said something; the message is stored, but the socket drops before its event
        // (protocol 2's acknowledgement) or an ack arrives.
        first.send(bot("c1", 3));
        listener.assertNext("event c1 3");

        first.drop();
        listener.assertNext("state RECONNECTING");
        ScriptedServer.Peer second = server.nextPeer();
        ClientMessage.Hello hello = second.expect(ClientMessage.Hello.class);
        assertThat(hello.visitorToken()).isEqualTo("vt_1");
        assertThat(hello.resume()).isEqualTo(new Values.Resume("c1", 3));
        assertThat(sending).isNotDone();

        second.send(visitorWelcome(hello, "c1"));
        second.send(transcript(null, "c1", 3, 4));
        ClientMessage.Send resent = second.expect(ClientMessage.Send.class);
        assertThat(resent).isEqualTo(sent);
        second.send(ack(resent, "c1", 5));

        assertThat(await(sending).seq()).isEqualTo(5);
        assertThat(seqs(client.transcript())).containsExactly(1L, 2L, 3L, 4L);
        listener.assertNext("state OPEN", "event c1 4");
        listener.assertExhausted();
    }

    @Test
    void requestWhileReconnecting_waitsInOutbox_andCompletesOnTheAck() throws Exception {
        ScriptedServer.Peer first = connect(builder());
        first.drop();
        listener.assertNext("state RECONNECTING");

        CompletableFuture<ServerMessage.Ack> sending = client.send("Anyone there?");
        ScriptedServer.Peer second = server.nextPeer();
        ClientMessage.Hello hello = second.expect(ClientMessage.Hello.class);
        assertThat(hello.resume()).isNull();
        assertThat(sending).isNotDone();

        second.send(visitorWelcome(hello, null));
        ClientMessage.Send sent = second.expect(ClientMessage.Send.class);
        assertThat(sent.text()).isEqualTo("Anyone there?");
        second.send(ack(sent, "c9", 1));
        assertThat(await(sending).conversationId()).isEqualTo("c9");
        assertThat(client.conversationId()).contains("c9");
        listener.assertNext("state OPEN");
        second.assertNothingElse();
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
        CompletableFuture<ServerMessage.Transcript> asking = client.history("c_old", 0);
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
                .hasValueSatisfying(status -> assertThat(status.etaSeconds()).isEqualTo(180L));

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

        CompletableFuture<ServerMessage.Ack> sending = client.send("One more thing");
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
        client.choose(new Values.Suggestion("returns-how", "How do I return an item?"));
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        assertThat(sent.text()).isEqualTo("How do I return an item?");
        assertThat(sent.entryId()).isEqualTo("returns-how");

        client.requestHuman();
        assertThat(peer.expect(ClientMessage.Handoff.class).conversationId()).isNull();

        assertThat(failure(client.rate(5, null)).code()).isEqualTo("no_conversation");
        assertThat(failure(client.closeConversation("done")).code()).isEqualTo("no_conversation");
        assertThatThrownBy(() -> client.rate(6, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("score");
        assertThatThrownBy(() -> client.send(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("text");
    }

    @Test
    void lostSocket_withReconnectDisabled_closesAndFailsPendingRequests() throws Exception {
        ScriptedServer.Peer peer = connect(builder().reconnect(false));
        CompletableFuture<ServerMessage.Ack> sending = client.send("hello");
        peer.expect(ClientMessage.Send.class);
        peer.drop();

        assertThat(failure(sending).code()).isEqualTo("disconnected");
        listener.assertNext("state CLOSED");
        assertThat(client.state()).isEqualTo(VisitorClient.State.CLOSED);
        server.assertNoPeerWithin(Duration.ofMillis(200));
    }

    @Test
    void close_failsPendingRequests_andStopsReconnecting() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        CompletableFuture<ServerMessage.Ack> sending = client.send("hello");
        peer.expect(ClientMessage.Send.class);
        client.close();

        assertThat(failure(sending).code()).isEqualTo("closed");
        assertThat(failure(client.send("again")).code()).isEqualTo("closed");
        assertThat(peer.awaitCloseFrame()).isEqualTo(1000);
        listener.assertNext("state CLOSED");
        server.assertNoPeerWithin(Duration.ofMillis(200));
    }

    @Test
    void firstConnect_toNoServer_fails() throws Exception {
        ScriptedServer gone = ScriptedServer.start();
        gone.close();
        CompletableFuture<VisitorClient> connecting =
                VisitorClient.builder().serverUri(gone.uri()).listener(listener).connect();
        assertThat(failure(connecting).code()).isEqualTo("connect_failed");
        listener.assertNext("state CONNECTING", "state CLOSED");
    }

    @Test
    void firstConnect_withoutWelcome_timesOut() throws Exception {
        CompletableFuture<VisitorClient> connecting =
                builder().connectTimeout(Duration.ofMillis(300)).connect();
        server.nextPeer().expect(ClientMessage.Hello.class);
        assertThat(failure(connecting).code()).isEqualTo("timeout");
        listener.assertNext("state CONNECTING", "state CLOSED");
    }

    @Test
    void resumeOfAConversationTheServerNoLongerHas_startsANewOneNext() throws Exception {
        ScriptedServer.Peer first = connectInConversation();
        first.drop();
        listener.assertNext("state RECONNECTING");

        ScriptedServer.Peer second = server.nextPeer();
        ClientMessage.Hello hello = second.expect(ClientMessage.Hello.class);
        second.send(new ServerMessage.Error("not_found", "No such conversation.", hello.id()));
        second.send(visitorWelcome(hello, null));
        ClientMessage.History history = second.expect(ClientMessage.History.class);
        assertThat(history.conversationId()).isEqualTo("c1");
        assertThat(history.afterSeq()).isEqualTo(2);
        second.send(new ServerMessage.Error("not_found", "No such conversation.", history.id()));
        second.send(new ServerMessage.Typing("c1", Role.AGENT, false));
        listener.assertNext("error not_found", "state OPEN", "typing false");

        client.send("Hello again");
        assertThat(second.expect(ClientMessage.Send.class).conversationId()).isNull();
    }

    @Test
    void messageForAConversationTheServerLost_goesAgainWithTheSameId_intoANewOne() throws Exception {
        ScriptedServer.Peer first = connectInConversation();
        first.drop();
        listener.assertNext("state RECONNECTING");
        CompletableFuture<ServerMessage.Ack> sending = client.send("Still there?");

        // The server restarted without its data: it does not know the token or the conversation.
        ScriptedServer.Peer second = server.nextPeer();
        ClientMessage.Hello hello = second.expect(ClientMessage.Hello.class);
        second.send(new ServerMessage.Welcome(hello.id(), 1, Role.VISITOR, "v_2", "vt_2", null, null));
        ClientMessage.Send sent = second.expect(ClientMessage.Send.class);
        assertThat(sent.conversationId()).isEqualTo("c1");
        ClientMessage.History catchUp = second.expect(ClientMessage.History.class);
        second.send(new ServerMessage.Error("not_found", "No such conversation.", sent.id()));
        second.send(new ServerMessage.Error("not_found", "No such conversation.", catchUp.id()));

        ClientMessage.Send again = second.expect(ClientMessage.Send.class);
        assertThat(again.id()).isEqualTo(sent.id());
        assertThat(again.conversationId()).isNull();
        assertThat(again.text()).isEqualTo("Still there?");
        second.send(message("c5", 1, again.id()));
        second.send(ack(again, "c5", 1));
        assertThat(await(sending).conversationId()).isEqualTo("c5");
        assertThat(client.conversationId()).contains("c5");
        assertThat(client.visitorToken()).isEqualTo("vt_2");
        assertThat(seqs(client.transcript())).containsExactly(1L);
        listener.assertNext("state OPEN", "event c5 1");
        listener.assertExhausted();
    }

    @Test
    void givingUpOnConnect_closesTheClient() throws Exception {
        CompletableFuture<VisitorClient> connecting = builder().connect();
        server.nextPeer().expect(ClientMessage.Hello.class);
        connecting.cancel(false);
        listener.assertNext("state CONNECTING", "state CLOSED");
    }

    @Test
    void builder_rejectsBadValues_namingThem() {
        assertThatThrownBy(() -> VisitorClient.builder().serverUri(java.net.URI.create("ftp://x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serverUri");
        assertThatThrownBy(() -> VisitorClient.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max");
        assertThatThrownBy(() -> VisitorClient.builder().connect())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("serverUri");
        assertThatThrownBy(() -> VisitorClient.builder().listener(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("listener");
    }
}
