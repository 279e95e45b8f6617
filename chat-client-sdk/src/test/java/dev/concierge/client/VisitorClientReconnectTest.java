package dev.concierge.client;

import static dev.concierge.client.testing.Frames.ack;
import static dev.concierge.client.testing.Frames.await;
import static dev.concierge.client.testing.Frames.bot;
import static dev.concierge.client.testing.Frames.failure;
import static dev.concierge.client.testing.Frames.message;
import static dev.concierge.client.testing.Frames.seqs;
import static dev.concierge.client.testing.Frames.transcript;
import static dev.concierge.client.testing.Frames.visitorWelcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.client.testing.ScriptedServer;
import dev.concierge.client.testing.VisitorClientFixture;
import dev.concierge.protocol.Page;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.Resume;
import dev.concierge.protocol.wire.ServerMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The visitor client's connection: first connect, reconnect and resume, outbox resends, close and builder checks. */
final class VisitorClientReconnectTest extends VisitorClientFixture {
    @Test
    void connect_greetsAndCompletesAfterWelcome() throws Exception {
        VisitorContext context = new VisitorContext(
                "Ada Lovelace",
                null,
                "en",
                "Europe/London",
                null,
                new Page("https://shop.example.com/orders/1234", "Order 1234", null),
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
    void internalError_keepsTheRequest_andSendsItAgainWithTheSameIdUntilStored() throws Exception {
        ScriptedServer.Peer peer = connectInConversation();
        CompletableFuture<Stored> sending = client.send("Is it shipped?");
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
    void internalErrors_ofSeveralMessages_areRetriedTogether_inTheOrderTheyWereSent() throws Exception {
        ScriptedServer.Peer peer = connectInConversation();
        List<ClientMessage.Send> sent = new ArrayList<>();
        for (String text : List.of("one", "two", "three")) {
            client.send(text);
            sent.add(peer.expect(ClientMessage.Send.class));
        }
        String notStored = "The message could not be stored; retry with the same id.";
        // The first fails, and the two sent behind it fail with it (in any order of errors).
        peer.send(new ServerMessage.Error("internal", notStored, sent.get(0).id()));
        peer.send(new ServerMessage.Error("internal", notStored, sent.get(2).id()));
        peer.send(new ServerMessage.Error("internal", notStored, sent.get(1).id()));
        // The first is sent again first. A later one waits while an earlier one may yet fail
        // again, so the others may come only once the first is stored.
        ClientMessage.Send first = peer.expect(ClientMessage.Send.class);
        assertThat(first).isEqualTo(sent.get(0));
        peer.send(ack(first, "c1", 3));
        assertThat(List.of(peer.expect(ClientMessage.Send.class), peer.expect(ClientMessage.Send.class)))
                .as("then the others, each once, in the order first sent")
                .containsExactly(sent.get(1), sent.get(2));
        peer.assertNothingElse();
    }

    @Test
    void droppedSocket_resendsOutboxWithOriginalId_andResumesFromLastSeq() throws Exception {
        ScriptedServer.Peer first = connectInConversation();
        CompletableFuture<Stored> sending = client.send("Is it shipped?");
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
        assertThat(hello.resume()).isEqualTo(new Resume("c1", 3));
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

        CompletableFuture<Stored> sending = client.send("Anyone there?");
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
    void lostSocket_withReconnectDisabled_closesAndFailsPendingRequests() throws Exception {
        ScriptedServer.Peer peer = connect(builder().reconnect(false));
        CompletableFuture<Stored> sending = client.send("hello");
        peer.expect(ClientMessage.Send.class);
        peer.drop();

        assertThat(failure(sending)).isInstanceOf(ConnectionLostException.class);
        listener.assertNext("state CLOSED");
        assertThat(client.state()).isEqualTo(VisitorClient.State.CLOSED);
        server.assertNoPeerWithin(Duration.ofMillis(200));
    }

    @Test
    void close_failsPendingRequests_andStopsReconnecting() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        CompletableFuture<Stored> sending = client.send("hello");
        peer.expect(ClientMessage.Send.class);
        client.close();

        assertThat(failure(sending)).isInstanceOf(ClientClosedException.class);
        assertThat(failure(client.send("again"))).isInstanceOf(ClientClosedException.class);
        assertThat(peer.awaitCloseFrame()).isEqualTo(1000);
        listener.assertNext("state CLOSED");
        server.assertNoPeerWithin(Duration.ofMillis(200));
    }

    @Test
    void firstConnect_toNoServer_fails() throws Exception {
        ScriptedServer gone = ScriptedServer.start();
        gone.close();
        CompletableFuture<VisitorClient> connecting = VisitorClient.builder()
                .serverUri(gone.uri())
                .listener(listener)
                .connectTimeout(Duration.ofMillis(300))
                .connect();
        assertThat(failure(connecting)).isInstanceOf(ConnectFailedException.class);
        listener.assertNext("state CONNECTING", "state CLOSED");
    }

    @Test
    void firstConnect_withoutWelcome_timesOut() throws Exception {
        CompletableFuture<VisitorClient> connecting =
                builder().connectTimeout(Duration.ofMillis(300)).connect();
        server.nextPeer().expect(ClientMessage.Hello.class);
        assertThat(failure(connecting))
                .isInstanceOf(ConnectFailedException.class)
                .hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
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
        CompletableFuture<Stored> sending = client.send("Still there?");

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
