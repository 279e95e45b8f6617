package dev.concierge.client;

import static dev.concierge.client.testing.Frames.ack;
import static dev.concierge.client.testing.Frames.agentWelcome;
import static dev.concierge.client.testing.Frames.await;
import static dev.concierge.client.testing.Frames.failure;
import static dev.concierge.client.testing.Frames.transcript;
import static dev.concierge.client.testing.Frames.visitorWelcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.client.testing.RecordingListener;
import dev.concierge.client.testing.ScriptedServer;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.Resume;
import dev.concierge.protocol.wire.ServerMessage;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients given the URIs of several nodes (a cluster): each attempt after a failure or a lost
 * socket goes to the next node, round robin, and resumes there; the agent's login fails over too.
 * Every node is a {@link ScriptedServer}; a node that is down is one that was closed (its port
 * refuses connections).
 */
final class ClusterFailoverTest {
    private static final long SEED = 42;

    private final RecordingListener listener = new RecordingListener();
    private final List<ScriptedServer> servers = new ArrayList<>();
    private AutoCloseable client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        servers.forEach(ScriptedServer::close);
    }

    private ScriptedServer node() throws Exception {
        ScriptedServer server = ScriptedServer.start();
        servers.add(server);
        return server;
    }

    /** A node that is down: its port refuses connections. */
    private ScriptedServer downNode() throws Exception {
        ScriptedServer server = ScriptedServer.start();
        server.close();
        return server;
    }

    /**
     * The URIs of {@code inOrder}, placed in the list so that the client's first attempt (at the
     * index drawn from a {@code SplittableRandom(SEED)}) goes to {@code inOrder[0]}, the next to
     * {@code inOrder[1]}, and so on round robin.
     */
    private static List<URI> startingAtFirst(ScriptedServer... inOrder) {
        int start = new SplittableRandom(SEED).nextInt(inOrder.length);
        URI[] uris = new URI[inOrder.length];
        for (int i = 0; i < inOrder.length; i++) {
            uris[(start + i) % inOrder.length] = inOrder[i].uri();
        }
        return Arrays.asList(uris);
    }

    private VisitorClient.Builder visitor(List<URI> uris) {
        return VisitorClient.builder()
                .serverUris(uris)
                .listener(listener)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .random(new SplittableRandom(SEED));
    }

    private AgentClient.Builder agent(List<URI> uris) {
        return AgentClient.builder()
                .serverUris(uris)
                .listener(listener)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .random(new SplittableRandom(SEED));
    }

    private static ServerMessage.Welcome welcome(ClientMessage.Hello hello, String conversationId, String node) {
        return visitorWelcome(hello, conversationId).withNode(node);
    }

    @Test
    void visitor_whoseNodeDrops_resumesOnTheNextNode_resendingTheUnacknowledgedMessageWithItsId() throws Exception {
        ScriptedServer n1 = node();
        ScriptedServer n2 = node();
        CompletableFuture<VisitorClient> connecting =
                visitor(startingAtFirst(n1, n2)).visitorToken("vt_1").connect();
        ScriptedServer.Peer first = n1.nextPeer();
        first.send(welcome(first.expect(ClientMessage.Hello.class), "c1", "n1"));
        first.send(transcript(null, "c1", 1, 2));
        VisitorClient visitor = await(connecting);
        client = visitor;
        listener.assertNext("state CONNECTING", "state OPEN", "event c1 1", "event c1 2");
        assertThat(visitor.serverNode()).contains("n1");

        CompletableFuture<Stored> sending = visitor.send("Is it shipped?");
        ClientMessage.Send sent = first.expect(ClientMessage.Send.class);
        first.drop(); // the node died before the ack
        listener.assertNext("state RECONNECTING");

        ScriptedServer.Peer second = n2.nextPeer();
        ClientMessage.Hello hello = second.expect(ClientMessage.Hello.class);
        assertThat(hello.visitorToken()).isEqualTo("vt_1");
        assertThat(hello.resume()).isEqualTo(new Resume("c1", 2));
        second.send(welcome(hello, "c1", "n2"));
        second.send(transcript(null, "c1", 1, 2));
        ClientMessage.Send resent = second.expect(ClientMessage.Send.class);
        assertThat(resent).isEqualTo(sent);
        second.send(ack(resent, "c1", 3));

        assertThat(await(sending).seq()).isEqualTo(3);
        listener.assertNext("state OPEN");
        assertThat(visitor.serverNode()).contains("n2");
        assertThat(visitor.toString()).contains(n2.uri().getAuthority());
        n1.assertNoPeerWithin(Duration.ofMillis(100));
    }

    @Test
    void visitor_firstConnect_toANodeThatIsDown_goesOnToTheNext() throws Exception {
        ScriptedServer down = downNode();
        ScriptedServer up = node();
        CompletableFuture<VisitorClient> connecting =
                visitor(startingAtFirst(down, up)).connect();
        ScriptedServer.Peer peer = up.nextPeer();
        peer.send(welcome(peer.expect(ClientMessage.Hello.class), null, "n2"));
        VisitorClient visitor = await(connecting);
        client = visitor;
        listener.assertNext("state CONNECTING", "state OPEN");
        assertThat(visitor.serverNode()).contains("n2");
    }

    @Test
    void visitor_firstConnect_failsOnceEveryNodeFailed() throws Exception {
        CompletableFuture<VisitorClient> connecting = visitor(startingAtFirst(downNode(), downNode(), downNode()))
                .connectTimeout(Duration.ofMillis(300))
                .connect();
        assertThat(failure(connecting)).isInstanceOf(ConnectFailedException.class);
        listener.assertNext("state CONNECTING", "state CLOSED");
    }

    @Test
    void reconnects_goRoundRobinOverThreeNodes_skippingOneThatIsDown() throws Exception {
        ScriptedServer a = node();
        ScriptedServer b = node();
        ScriptedServer c = node();
        CompletableFuture<VisitorClient> connecting =
                visitor(startingAtFirst(a, b, c)).connect();
        ScriptedServer.Peer peer = a.nextPeer();
        peer.send(welcome(peer.expect(ClientMessage.Hello.class), null, "a"));
        VisitorClient visitor = await(connecting);
        client = visitor;
        listener.assertNext("state CONNECTING", "state OPEN");

        List<String> visited = new ArrayList<>(List.of(visitor.serverNode().orElseThrow()));
        for (ScriptedServer next : List.of(b, c, a, b)) {
            peer.drop();
            listener.assertNext("state RECONNECTING");
            peer = next.nextPeer();
            String name = next == a ? "a" : next == b ? "b" : "c";
            peer.send(welcome(peer.expect(ClientMessage.Hello.class), null, name));
            listener.assertNext("state OPEN");
            visited.add(visitor.serverNode().orElseThrow());
        }
        assertThat(visited).containsExactly("a", "b", "c", "a", "b");

        // c goes down: the attempt after b's drop fails there, and the one after it reaches a.
        servers.remove(c);
        c.close();
        peer.drop();
        listener.assertNext("state RECONNECTING");
        peer = a.nextPeer();
        peer.send(welcome(peer.expect(ClientMessage.Hello.class), null, "a"));
        listener.assertNext("state OPEN");
        assertThat(visitor.serverNode()).contains("a");
        b.assertNoPeerWithin(Duration.ofMillis(100));
    }

    @Test
    void serverNode_isEmpty_whenTheWelcomeNamesNone() throws Exception {
        ScriptedServer single = node();
        CompletableFuture<VisitorClient> connecting = VisitorClient.builder()
                .serverUri(single.uri())
                .listener(listener)
                .connect();
        ScriptedServer.Peer peer = single.nextPeer();
        peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), null));
        VisitorClient visitor = await(connecting);
        client = visitor;
        assertThat(visitor.serverNode()).isEmpty();
    }

    @Test
    void serviceRestartAndGoingAwayCloses_reconnectWithBackoff_andResume() throws Exception {
        ScriptedServer n1 = node();
        ScriptedServer n2 = node();
        CompletableFuture<VisitorClient> connecting =
                visitor(startingAtFirst(n1, n2)).visitorToken("vt_1").connect();
        ScriptedServer.Peer peer = n1.nextPeer();
        peer.send(welcome(peer.expect(ClientMessage.Hello.class), "c1", "n1"));
        peer.send(transcript(null, "c1", 1, 2));
        VisitorClient visitor = await(connecting);
        client = visitor;
        listener.assertNext("state CONNECTING", "state OPEN", "event c1 1", "event c1 2");

        // 1012: the cluster's decider changed; 1001: the node is shutting down.
        ScriptedServer[] next = {n2, n1};
        int[] codes = {1012, 1001};
        for (int i = 0; i < codes.length; i++) {
            peer.close(codes[i], i == 0 ? "service restart" : "going away");
            listener.assertNext("state RECONNECTING");
            peer = next[i].nextPeer();
            ClientMessage.Hello hello = peer.expect(ClientMessage.Hello.class);
            assertThat(hello.visitorToken()).isEqualTo("vt_1");
            assertThat(hello.resume()).isEqualTo(new Resume("c1", 2));
            peer.send(welcome(hello, "c1", next[i] == n1 ? "n1" : "n2"));
            peer.send(transcript(null, "c1", 1, 2));
            listener.assertNext("state OPEN");
        }
        assertThat(visitor.state()).isEqualTo(VisitorClient.State.OPEN);
        assertThat(visitor.serverNode()).contains("n1");
    }

    @Test
    void agentLogin_failsOverPastANodeThatIsDownAndOneAnswering503_andTheTokenServesEveryNode() throws Exception {
        ScriptedServer down = downNode();
        ScriptedServer unavailable = node();
        ScriptedServer up = node();
        unavailable.failLogins(HttpResponseStatus.SERVICE_UNAVAILABLE);
        AtomicInteger issued = new AtomicInteger();
        up.login((user, password) -> Optional.of("st_" + issued.incrementAndGet()));

        CompletableFuture<AgentClient> connecting = agent(startingAtFirst(down, unavailable, up))
                .credentials("demo", "secret")
                .connect();
        // The socket opens on the node that signed the agent in.
        ScriptedServer.Peer peer = up.nextPeer();
        ClientMessage.Hello hello = peer.expect(ClientMessage.Hello.class);
        assertThat(hello.token()).isEqualTo("st_1");
        peer.send(agentWelcome(hello).withNode("n3"));
        AgentClient agentClient = await(connecting);
        client = agentClient;
        listener.assertNext("state CONNECTING", "state OPEN");
        assertThat(unavailable.logins()).isEqualTo(1);
        assertThat(up.logins()).isEqualTo(1);
        assertThat(agentClient.serverNode()).contains("n3");

        // Lost: the next attempt goes to the node after the one that answered (down), then on
        // (to the one whose login fails): the token from the other node serves, no new login.
        peer.drop();
        listener.assertNext("state RECONNECTING");
        ScriptedServer.Peer other = unavailable.nextPeer();
        ClientMessage.Hello again = other.expect(ClientMessage.Hello.class);
        assertThat(again.token()).isEqualTo("st_1");
        other.send(agentWelcome(again).withNode("n2"));
        listener.assertNext("state OPEN");
        assertThat(agentClient.serverNode()).contains("n2");
        assertThat(unavailable.logins()).isEqualTo(1);
        assertThat(up.logins()).isEqualTo(1);
    }

    @Test
    void agentTokenRejectedOnAnotherNode_logsInAgain_atTheNextAttemptsNode() throws Exception {
        ScriptedServer n1 = node();
        ScriptedServer n2 = node();
        AtomicInteger issued = new AtomicInteger();
        n1.login((user, password) -> Optional.of("st_" + issued.incrementAndGet()));
        CompletableFuture<AgentClient> connecting =
                agent(startingAtFirst(n1, n2)).credentials("demo", "secret").connect();
        ScriptedServer.Peer first = n1.nextPeer();
        first.send(agentWelcome(first.expect(ClientMessage.Hello.class)).withNode("n1"));
        client = await(connecting);
        listener.assertNext("state CONNECTING", "state OPEN");
        first.drop();
        listener.assertNext("state RECONNECTING");

        ScriptedServer.Peer second = n2.nextPeer();
        ClientMessage.Hello stale = second.expect(ClientMessage.Hello.class);
        assertThat(stale.token()).isEqualTo("st_1");
        second.send(new ServerMessage.Error("unauthorized", "Session expired.", stale.id()));
        second.close(1008, "unauthorized");

        ScriptedServer.Peer third = n1.nextPeer();
        ClientMessage.Hello fresh = third.expect(ClientMessage.Hello.class);
        assertThat(fresh.token()).isEqualTo("st_2");
        third.send(agentWelcome(fresh).withNode("n1"));
        listener.assertNext("error unauthorized", "state OPEN");
        assertThat(n1.logins()).isEqualTo(2);
        assertThat(n2.logins()).isZero();
    }

    @Test
    void agentLogin_refusedCredentials_areNotTriedAtOtherNodes() throws Exception {
        ScriptedServer first = node();
        ScriptedServer second = node();
        CompletableFuture<AgentClient> connecting = agent(startingAtFirst(first, second))
                .credentials("demo", "wrong")
                .connect();
        assertThat(failure(connecting)).isInstanceOfSatisfying(ServerRefusedException.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.UNAUTHORIZED));
        listener.assertNext("state CONNECTING", "state CLOSED");
        assertThat(first.logins()).isEqualTo(1);
        assertThat(second.logins()).isZero();
    }

    @Test
    void agentLogin_whenEveryNodeFails_failsTheFirstConnect() throws Exception {
        ScriptedServer unavailable = node();
        unavailable.failLogins(HttpResponseStatus.BAD_GATEWAY);
        CompletableFuture<AgentClient> connecting = agent(startingAtFirst(downNode(), unavailable))
                .credentials("demo", "secret")
                .connectTimeout(Duration.ofMillis(300))
                .connect();
        assertThat(failure(connecting)).isInstanceOf(ConnectFailedException.class);
        listener.assertNext("state CONNECTING", "state CLOSED");
        assertThat(unavailable.logins()).isGreaterThanOrEqualTo(1);
        unavailable.assertNoPeerWithin(Duration.ofMillis(100));
    }

    @Test
    void serverUris_rejectsBadLists_namingTheField() {
        URI a = URI.create("http://10.0.0.1:8080");
        URI b = URI.create("http://10.0.0.2:8080");
        for (var setter : List.<java.util.function.Consumer<List<URI>>>of(
                uris -> VisitorClient.builder().serverUris(uris),
                uris -> AgentClient.builder().serverUris(uris))) {
            assertThatThrownBy(() -> setter.accept(List.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("serverUris");
            assertThatThrownBy(() -> setter.accept(null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("serverUris");
            assertThatThrownBy(() -> setter.accept(Arrays.asList(a, null)))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("serverUris[1]");
            assertThatThrownBy(() -> setter.accept(List.of(a, URI.create("ftp://10.0.0.2"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("serverUris[1]");
            assertThatThrownBy(() -> setter.accept(List.of(URI.create("http:///x"), b)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("serverUris[0]");
            assertThatThrownBy(() -> setter.accept(List.of(a, b, URI.create("http://10.0.0.1:8080/"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("serverUris")
                    .hasMessageContaining("twice");
            assertThatThrownBy(() -> setter.accept(List.of(a, URI.create("https://10.0.0.2"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("serverUris")
                    .hasMessageContaining("TLS");
        }
        assertThatThrownBy(() -> VisitorClient.builder().serverUris((URI[]) null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("serverUris");
        assertThatThrownBy(() -> AgentClient.builder().serverUris(a, a))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serverUris");
        assertThatThrownBy(() -> VisitorClient.builder().connect())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("serverUris");
    }

    @Test
    void serverUris_andServerUri_replaceEachOther() throws Exception {
        ScriptedServer up = node();
        CompletableFuture<VisitorClient> connecting = VisitorClient.builder()
                .serverUris(downNode().uri(), downNode().uri())
                .serverUri(up.uri())
                .listener(listener)
                .connect();
        ScriptedServer.Peer peer = up.nextPeer();
        peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), null));
        client = await(connecting);

        CompletableFuture<VisitorClient> toList = VisitorClient.builder()
                .serverUri(up.uri())
                .serverUris(List.of(downNode().uri()))
                .connectTimeout(Duration.ofMillis(300))
                .connect();
        assertThat(failure(toList)).isInstanceOf(ConnectFailedException.class);
    }
}
