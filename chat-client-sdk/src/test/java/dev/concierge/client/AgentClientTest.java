package dev.concierge.client;

import static dev.concierge.client.testing.Frames.ack;
import static dev.concierge.client.testing.Frames.agentWelcome;
import static dev.concierge.client.testing.Frames.assigned;
import static dev.concierge.client.testing.Frames.await;
import static dev.concierge.client.testing.Frames.bot;
import static dev.concierge.client.testing.Frames.event;
import static dev.concierge.client.testing.Frames.failure;
import static dev.concierge.client.testing.Frames.lastOf;
import static dev.concierge.client.testing.Frames.message;
import static dev.concierge.client.testing.Frames.page;
import static dev.concierge.client.testing.Frames.seqs;
import static dev.concierge.client.testing.Frames.transcript;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.client.testing.RecordingListener;
import dev.concierge.client.testing.ScriptedServer;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.VisitorInfo;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class AgentClientTest {
    private ScriptedServer server;
    private final RecordingListener listener = new RecordingListener();
    private AgentClient client;

    @BeforeEach
    void startServer() throws Exception {
        server = ScriptedServer.start();
        AtomicInteger issued = new AtomicInteger();
        server.login((user, password) -> user.equals("demo") && password.equals("secret")
                ? Optional.of("st_" + issued.incrementAndGet())
                : Optional.empty());
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private AgentClient.Builder builder() {
        return AgentClient.builder()
                .serverUri(server.uri())
                .listener(listener)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .random(new SplittableRandom(7));
    }

    /** Connects and welcomes; returns the socket. */
    private ScriptedServer.Peer connect(AgentClient.Builder builder) throws Exception {
        CompletableFuture<AgentClient> connecting = builder.connect();
        ScriptedServer.Peer peer = server.nextPeer();
        peer.send(agentWelcome(peer.expect(ClientMessage.Hello.class)));
        client = await(connecting);
        listener.assertNext("state CONNECTING", "state OPEN");
        return peer;
    }

    @Test
    void credentials_logInFirst_thenGreetWithTheToken() throws Exception {
        CompletableFuture<AgentClient> connecting =
                builder().credentials("demo", "secret").connect();
        ScriptedServer.Peer peer = server.nextPeer();
        ClientMessage.Hello hello = peer.expect(ClientMessage.Hello.class);
        assertThat(peer.path).isEqualTo("/ws/agent");
        assertThat(hello.token()).isEqualTo("st_1");
        assertThat(hello.visitorToken()).isNull();

        peer.send(agentWelcome(hello));
        client = await(connecting);
        assertThat(client.agent()).isEqualTo(new AgentInfo("demo", "Dana Demo"));
        assertThat(client.state()).isEqualTo(AgentClient.State.OPEN);
        assertThat(server.logins()).isEqualTo(1);
    }

    @Test
    void badCredentials_failConnectWithUnauthorized() throws Exception {
        CompletableFuture<AgentClient> connecting =
                builder().credentials("demo", "wrong").connect();
        assertThat(failure(connecting)).isInstanceOfSatisfying(ServerRefusedException.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.UNAUTHORIZED));
        listener.assertNext("state CONNECTING", "state CLOSED");
        server.assertNoPeerWithin(Duration.ofMillis(100));
    }

    @Test
    void rejectedToken_onFirstConnect_closesForGood() throws Exception {
        CompletableFuture<AgentClient> connecting = builder().token("st_old").connect();
        ScriptedServer.Peer peer = server.nextPeer();
        ClientMessage.Hello hello = peer.expect(ClientMessage.Hello.class);
        peer.send(new ServerMessage.Error("unauthorized", "Unknown session token.", hello.id()));
        peer.close(1008, "unauthorized");

        assertThat(failure(connecting)).isInstanceOfSatisfying(ServerRefusedException.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.UNAUTHORIZED));
        listener.assertNext("state CONNECTING", "error unauthorized", "state CLOSED");
        server.assertNoPeerWithin(Duration.ofMillis(200));
    }

    @Test
    void accept_completesWithTheAssignedPackage_thenLaterEventsFollowOnce() throws Exception {
        ScriptedServer.Peer peer = connect(builder().token("st_1"));
        CompletableFuture<Assignment> accepting = client.accept("c1");
        assertThat(peer.expect(ClientMessage.Accept.class).conversationId()).isEqualTo("c1");

        peer.send(assigned("c1", 1, 2));
        assertThat(await(accepting).handoff().question()).isEqualTo("My parcel arrived damaged");
        assertThat(client.assignedConversations()).containsOnlyKeys("c1");
        assertThat(seqs(client.transcript("c1"))).containsExactly(1L, 2L);

        peer.send(bot("c1", 2));
        peer.send(message("c1", 3, "m3"));
        peer.send(event("c1", 4, null, Kind.CLOSED));
        listener.assertNext("assigned c1", "event c1 3", "event c1 4");
        assertThat(seqs(client.transcript("c1"))).containsExactly(1L, 2L, 3L, 4L);
        assertThat(client.assignedConversations()).isEmpty();
    }

    @Test
    void eventsRacingAheadOfTheAssignedFrame_comeWithItsPackage_notBeforeIt() throws Exception {
        ScriptedServer.Peer peer = connect(builder().token("st_1"));
        peer.send(event("c1", 3, null, Kind.HANDOFF));
        peer.send(event("c1", 4, null, Kind.QUEUED));
        peer.send(assigned("c1", 1, 2, 3, 4, 5));
        peer.send(message("c1", 6, "m6"));
        listener.assertNext("assigned c1", "event c1 6");
        assertThat(seqs(client.transcript("c1"))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void aPackageWithOnlyTheLastEvents_isReportedWhole_afterReadingTheEarlierOnesPageByPage() throws Exception {
        ScriptedServer.Peer peer = connect(builder().token("st_1"));
        CompletableFuture<Assignment> accepting = client.accept("c1");
        peer.expect(ClientMessage.Accept.class);
        peer.send(lastOf("c1", 6, 5, 6));

        ClientMessage.History first = peer.expect(ClientMessage.History.class);
        assertThat(first.afterSeq()).isZero();
        peer.send(page(first.id(), "c1", 1, 2));
        ClientMessage.History second = peer.expect(ClientMessage.History.class);
        assertThat(second.afterSeq()).isEqualTo(2);
        assertThat(accepting).isNotDone(); // nothing is reported before the transcript is whole
        peer.send(message("c1", 7, "m7")); // live meanwhile
        peer.send(transcript(second.id(), "c1", 3, 4, 5, 6, 7));

        Assignment whole = await(accepting);
        assertThat(seqs(whole.handoff().transcript())).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(whole.handoff().complete()).isTrue();
        listener.assertNext("assigned c1");
        assertThat(seqs(client.assignedConversations().get("c1").transcript())).startsWith(1L);
        assertThat(seqs(client.transcript("c1"))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    }

    @Test
    void aPackageWithOnlyTheLastEvents_resentAfterAReconnect_needsNoReadWhenEverythingIsKnown() throws Exception {
        ScriptedServer.Peer first = connect(builder().token("st_1"));
        first.send(lastOf("c1", 3, 3));
        ClientMessage.History read = first.expect(ClientMessage.History.class);
        first.send(transcript(read.id(), "c1", 1, 2, 3));
        listener.assertNext("assigned c1");
        first.drop();
        listener.assertNext("state RECONNECTING");

        ScriptedServer.Peer second = server.nextPeer();
        second.send(agentWelcome(second.expect(ClientMessage.Hello.class)));
        ClientMessage.History missed = second.expect(ClientMessage.History.class); // after the reconnect
        assertThat(missed.afterSeq()).isEqualTo(3);
        second.send(lastOf("c1", 4, 3, 4));
        listener.assertNext("state OPEN", "event c1 4");
        second.send(transcript(missed.id(), "c1", 4));
        assertThat(seqs(client.transcript("c1"))).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void missedEvents_areReadToTheLastPage() throws Exception {
        ScriptedServer.Peer first = connect(builder().token("st_1"));
        first.send(assigned("c1", 1, 2));
        listener.assertNext("assigned c1");
        first.drop();
        listener.assertNext("state RECONNECTING");

        ScriptedServer.Peer second = server.nextPeer();
        second.send(agentWelcome(second.expect(ClientMessage.Hello.class)));
        ClientMessage.History missed = second.expect(ClientMessage.History.class);
        second.send(page(missed.id(), "c1", 3));
        ClientMessage.History next = second.expect(ClientMessage.History.class);
        assertThat(next.afterSeq()).isEqualTo(3);
        second.send(transcript(next.id(), "c1", 4));
        listener.assertNext("state OPEN", "event c1 3", "event c1 4");
    }

    @Test
    void queuePage_showsAnotherPageOfTheQueue() throws Exception {
        ScriptedServer.Peer peer = connect(builder().token("st_1"));
        CompletableFuture<QueuePage> paging = client.queuePage(50);
        ClientMessage.QueuePage request = peer.expect(ClientMessage.QueuePage.class);
        assertThat(request.offset()).isEqualTo(50);
        QueueEntry entry = new QueueEntry(
                "c51",
                51,
                new VisitorInfo("v_51", "Grace", null, null),
                Instant.parse("2026-11-23T10:15:50Z"),
                HandoffReason.BOT_UNSURE,
                "Where is my order?");
        peer.send(new ServerMessage.Queue(request.id(), List.of(entry), 50, 51, 51));
        assertThat(await(paging).total()).isEqualTo(51);
        assertThat(client.queue()).containsExactly(entry);
    }

    @Test
    void accept_ofAConversationNoLongerQueued_failsWithBadState() throws Exception {
        ScriptedServer.Peer peer = connect(builder().token("st_1"));
        CompletableFuture<Assignment> accepting = client.accept("c1");
        ClientMessage.Accept accept = peer.expect(ClientMessage.Accept.class);
        peer.send(new ServerMessage.Error("bad_state", "Not queued.", accept.id()));
        assertThat(failure(accepting)).isInstanceOfSatisfying(ServerRefusedException.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.BAD_STATE));
        assertThat(client.assignedConversations()).isEmpty();
    }

    @Test
    void queueAndPresence_presenceCompletesOnItsAck_andAQueueFrameUpdatesTheQueue() throws Exception {
        ScriptedServer.Peer peer = connect(builder().token("st_1"));
        CompletableFuture<Void> going = client.presence(PresenceStatus.AWAY);
        ClientMessage.Presence presence = peer.expect(ClientMessage.Presence.class);
        assertThat(presence.status()).isEqualTo(PresenceStatus.AWAY);
        peer.send(new ServerMessage.Ack(presence.id(), null, 0));
        await(going);

        QueueEntry entry = new QueueEntry(
                "c3",
                1,
                new VisitorInfo("v_3", "Grace", null, null),
                Instant.parse("2026-11-23T10:15:50Z"),
                HandoffReason.BOT_UNSURE,
                "Where is my order?");
        peer.send(new ServerMessage.Queue(List.of(entry)));
        listener.assertNext("queue 1");
        assertThat(client.queue()).containsExactly(entry);
    }

    @Test
    void reconnect_resendsTheOutbox_thenAsksHistoryOfEachAssignedConversation() throws Exception {
        ScriptedServer.Peer first = connect(builder().token("st_9"));
        first.send(assigned("c1", 1, 2));
        listener.assertNext("assigned c1");
        CompletableFuture<Stored> sending = client.send("c1", "Sorry to hear that, let me check.");
        ClientMessage.Send sent = first.expect(ClientMessage.Send.class);
        first.drop();
        listener.assertNext("state RECONNECTING");

        ScriptedServer.Peer second = server.nextPeer();
        ClientMessage.Hello hello = second.expect(ClientMessage.Hello.class);
        assertThat(hello.token()).isEqualTo("st_9");
        second.send(agentWelcome(hello));
        assertThat(second.expect(ClientMessage.Send.class)).isEqualTo(sent);
        ClientMessage.History history = second.expect(ClientMessage.History.class);
        assertThat(history.conversationId()).isEqualTo("c1");
        assertThat(history.afterSeq()).isEqualTo(2);

        second.send(ack(sent, "c1", 3));
        second.send(transcript(history.id(), "c1", 3));
        assertThat(await(sending).seq()).isEqualTo(3);
        listener.assertNext("state OPEN", "event c1 3");
        assertThat(seqs(client.transcript("c1"))).containsExactly(1L, 2L, 3L);
    }

    @Test
    void assignedRepeatedAfterReconnect_reportsOnlyTheMissedEvents() throws Exception {
        ScriptedServer.Peer first = connect(builder().token("st_1"));
        first.send(assigned("c1", 1, 2));
        listener.assertNext("assigned c1");
        first.drop();
        listener.assertNext("state RECONNECTING");

        ScriptedServer.Peer second = server.nextPeer();
        second.send(agentWelcome(second.expect(ClientMessage.Hello.class)));
        second.send(assigned("c1", 1, 2, 3));
        listener.assertNext("state OPEN", "event c1 3");
        assertThat(seqs(client.transcript("c1"))).containsExactly(1L, 2L, 3L);
    }

    @Test
    void rejectedTokenOnReconnect_withCredentials_logsInAgain() throws Exception {
        ScriptedServer.Peer first = connect(builder().credentials("demo", "secret"));
        first.drop();
        listener.assertNext("state RECONNECTING");

        ScriptedServer.Peer second = server.nextPeer();
        ClientMessage.Hello stale = second.expect(ClientMessage.Hello.class);
        assertThat(stale.token()).isEqualTo("st_1");
        second.send(new ServerMessage.Error("unauthorized", "Session expired.", stale.id()));
        second.close(1008, "unauthorized");

        ScriptedServer.Peer third = server.nextPeer();
        ClientMessage.Hello fresh = third.expect(ClientMessage.Hello.class);
        assertThat(fresh.token()).isEqualTo("st_2");
        third.send(agentWelcome(fresh));
        listener.assertNext("error unauthorized", "state OPEN");
        assertThat(server.logins()).isEqualTo(2);
    }

    @Test
    void policyClose_withTokenOnly_doesNotReconnect() throws Exception {
        ScriptedServer.Peer peer = connect(builder().token("st_1"));
        CompletableFuture<Stored> sending = client.send("c1", "hello");
        peer.expect(ClientMessage.Send.class);
        peer.close(1008, "unauthorized");

        assertThat(failure(sending)).isInstanceOfSatisfying(ServerRefusedException.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.UNAUTHORIZED));
        listener.assertNext("state CLOSED");
        server.assertNoPeerWithin(Duration.ofMillis(200));
    }

    @Test
    void builder_requiresCredentialsOrToken() {
        assertThatThrownBy(() -> AgentClient.builder().serverUri(server.uri()).connect())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("credentials or token");
    }
}
