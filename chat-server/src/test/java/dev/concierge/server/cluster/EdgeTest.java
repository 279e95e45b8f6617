package dev.concierge.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Role;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.routing.Session;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A node's side of the cluster without a broker: what it forwards, when it refuses, and when it
 * closes its sockets so that their clients resume elsewhere. Time is injected.
 */
final class EdgeTest {
    private static final ProtocolCodec CODEC = ProtocolCodec.create();
    private static final ClusterSettings SETTINGS =
            new ClusterSettings("nats://127.0.0.1:4222", "n1", Duration.ofSeconds(3), Duration.ofMillis(500));

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<byte[]> published = new ArrayList<>();
    private final Edge edge = new Edge(
            SETTINGS,
            CODEC,
            site -> true,
            (subject, data, onFailure) -> {
                assertThat(subject).isEqualTo(Wire.toDecider(7));
                published.add(data);
            },
            now::get);

    @Test
    void hello_whileNoDeciderIsKnown_isHeld_andForwardedOnceOneIsHeardOf() throws IOException {
        Socket socket = new Socket();
        edge.visitorHello(socket, hello("h1"));
        assertThat(published).isEmpty();
        assertThat(socket.closedWith).isZero();
        assertThat(edge.ready()).isFalse();
        beat(7, "n2");
        assertThat(published).hasSize(1);
        Wire.In forwarded = new Wire.In(published.get(0));
        assertThat(forwarded.b()).isEqualTo(Wire.HELLO);
        assertThat(forwarded.l()).isEqualTo(7);
        assertThat(socket.frames).isEmpty();
    }

    @Test
    void hello_whileNoDeciderIsHeardOfForALeasesTime_isRefusedWithUnavailable_andTryAgainLater() {
        Socket socket = new Socket();
        edge.visitorHello(socket, hello("h1"));
        for (int i = 0; i < 5; i++) { // 2.5 s: still held
            advance(Duration.ofMillis(500));
            edge.tick();
        }
        assertThat(socket.closedWith).isZero();
        advance(Duration.ofMillis(600)); // past the lease's 3 s
        edge.tick();
        assertThat(socket.frames).singleElement().satisfies(f -> assertThat(((ServerMessage.Error) f).code())
                .isEqualTo("unavailable"));
        assertThat(socket.closedWith).isEqualTo(1013);
        assertThat(published).isEmpty();
    }

    @Test
    void hello_andRequests_goToTheDeciderHeardOf_withItsToken() throws IOException {
        beat(7, "n2");
        assertThat(edge.ready()).isTrue();
        Socket socket = new Socket();
        edge.visitorHello(socket, hello("h1"));
        edge.request(socket, Role.VISITOR, new ClientMessage.Send("m1", null, "Where is my order?", null));
        assertThat(published).hasSize(2);
        Wire.In hello = new Wire.In(published.get(0));
        assertThat(hello.b()).isEqualTo(Wire.HELLO);
        assertThat(hello.l()).as("the decider's token").isEqualTo(7);
        assertThat(hello.s()).isEqualTo("n1");
        Wire.In request = new Wire.In(published.get(1));
        assertThat(request.b()).isEqualTo(Wire.REQUEST);
        assertThat(request.l()).isEqualTo(7);
        assertThat(socket.closedWith).isZero();
    }

    @Test
    void aNewDecider_closesTheSocketsBoundToTheOldOne_with1012() {
        beat(7, "n2");
        Socket socket = new Socket();
        edge.visitorHello(socket, hello("h1"));
        beat(7, "n2");
        assertThat(socket.closedWith).as("the same decider again").isZero();
        beat(6, "n3");
        assertThat(socket.closedWith).as("an older token is ignored").isZero();
        beat(8, "n3");
        assertThat(socket.closedWith).isEqualTo(1012);
        assertThat(edge.deciderNode()).isEqualTo("n3");
    }

    @Test
    void aSilentDecider_closesTheSockets_andTheNodeTurnsNotReady() {
        beat(7, "n2");
        Socket socket = new Socket();
        edge.visitorHello(socket, hello("h1"));
        for (int i = 0; i < 5; i++) { // 2.5 s of beats: still within the lease
            advance(Duration.ofMillis(500));
            edge.tick();
        }
        assertThat(socket.closedWith).isZero();
        assertThat(edge.ready()).isTrue();
        advance(Duration.ofMillis(600));
        edge.tick();
        assertThat(socket.closedWith).isEqualTo(1012);
        assertThat(edge.ready()).isFalse();
    }

    @Test
    void aDeciderThatDoesNotHearThisNode_closesItsSocketsOnce_turnsItNotReady_andHoldsHellosUntilItDoes()
            throws IOException {
        beat(7, "n2");
        Socket bound = new Socket();
        edge.visitorHello(bound, hello("h1"));
        published.clear();
        // The decider's heartbeats keep coming but stop listing n1: its messages are lost on the way.
        for (int i = 0; i < 6; i++) { // 3 s: within the lease, still taken as heard
            advance(Duration.ofMillis(500));
            beat(7, "n2", "n3");
            edge.tick();
        }
        assertThat(bound.closedWith).isZero();
        assertThat(edge.ready()).isTrue();
        advance(Duration.ofMillis(500));
        beat(7, "n2", "n3");
        edge.tick();
        assertThat(bound.closedWith).isEqualTo(1012);
        assertThat(edge.ready()).as("a load balancer moves its clients").isFalse();
        Socket waiting = new Socket();
        edge.visitorHello(waiting, hello("h2"));
        advance(Duration.ofMillis(500));
        beat(7, "n2", "n3");
        edge.tick();
        assertThat(waiting.closedWith).as("held, not forwarded into the void").isZero();
        assertThat(published)
                .as("the node keeps telling the decider it is alive, and forwards nothing else")
                .allSatisfy(m -> assertThat(m[0]).isEqualTo(Wire.ALIVE));
        published.clear();
        // Heard again: ready, and the held hello goes on.
        beat(7, "n2", "n3", "n1");
        edge.tick();
        assertThat(edge.ready()).isTrue();
        assertThat(published).anySatisfy(m -> assertThat(m[0]).isEqualTo(Wire.HELLO));
        assertThat(waiting.closedWith).isZero();
    }

    @Test
    void aHelloHeldWhileTheDeciderDoesNotHearThisNode_isRefusedAfterALeasesTime() {
        beat(7, "n2");
        for (int i = 0; i < 7; i++) { // 3.5 s of heartbeats that do not list n1
            advance(Duration.ofMillis(500));
            beat(7, "n2", "n3");
            edge.tick();
        }
        assertThat(edge.ready()).isFalse();
        Socket socket = new Socket();
        edge.visitorHello(socket, hello("h1"));
        for (int i = 0; i < 5; i++) { // 2.5 s: still held
            advance(Duration.ofMillis(500));
            beat(7, "n2", "n3");
            edge.tick();
        }
        assertThat(socket.closedWith).isZero();
        advance(Duration.ofMillis(600));
        edge.tick();
        assertThat(socket.frames).singleElement().satisfies(f -> assertThat(((ServerMessage.Error) f).code())
                .isEqualTo("unavailable"));
        assertThat(socket.closedWith).isEqualTo(1013);
    }

    @Test
    void aPauseOfTheNodeItself_closesItsSockets_evenIfTheDeciderSpokeMeanwhile() {
        beat(7, "n2");
        Socket socket = new Socket();
        edge.visitorHello(socket, hello("h1"));
        advance(Duration.ofSeconds(15)); // SIGSTOP: no tick ran
        beat(7, "n2"); // a heartbeat waiting in the socket buffer is read first
        edge.tick();
        assertThat(socket.closedWith).isEqualTo(1012);
    }

    @Test
    void aRequestThatCannotBeForwarded_closesItsSocket_soTheClientResendsIt() {
        Edge broken = new Edge(SETTINGS, CODEC, site -> true, (subject, data, onFailure) -> onFailure.run(), now::get);
        broken.onBeat(new Wire.Out().l(7).s("n2").i(1).s("n1").done());
        Socket socket = new Socket();
        broken.visitorHello(socket, hello("h1"));
        assertThat(socket.closedWith).isEqualTo(1012);
    }

    @Test
    void framesFromTheDecider_reachTheirSocket_encodedAsSent() {
        beat(7, "n2");
        Socket socket = new Socket();
        edge.visitorHello(socket, hello("h1"));
        long sid = sidOfFirstHello();
        byte[] json = "{\"type\":\"ack\",\"ref\":\"m1\",\"conversationId\":\"c1\",\"seq\":3}"
                .getBytes(StandardCharsets.UTF_8);
        edge.onFrames(new Wire.Out()
                .l(sid)
                .kind(Wire.FRAME)
                .bytes(json)
                .l(sid)
                .kind(Wire.CLOSE)
                .i(1001)
                .s("bye")
                .done());
        assertThat(socket.encoded).containsExactly(new String(json, StandardCharsets.UTF_8));
        assertThat(socket.closedWith).isEqualTo(1001);
    }

    private long sidOfFirstHello() {
        try {
            Wire.In in = new Wire.In(published.get(0));
            in.b();
            in.l();
            in.s();
            in.l(); // the node's incarnation
            return in.l();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A heartbeat of the decider {@code node} under {@code token}, which hears this node (n1). */
    private void beat(long token, String node) {
        beat(token, node, "n1");
    }

    private void beat(long token, String node, String... hears) {
        Wire.Out out = new Wire.Out().l(token).s(node).i(hears.length);
        for (String heard : hears) {
            out.s(heard);
        }
        edge.onBeat(out.done());
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    private static ClientMessage.Hello hello(String id) {
        return (ClientMessage.Hello) CODEC.decodeClient("{\"type\":\"hello\",\"id\":\"" + id + "\",\"version\":2}");
    }

    /** A socket that records what it is sent and how it was closed. */
    private static final class Socket implements Session {
        final List<ServerMessage> frames = new ArrayList<>();
        final List<String> encoded = new ArrayList<>();
        int closedWith;

        @Override
        public String id() {
            return "s";
        }

        @Override
        public void send(ServerMessage message) {
            frames.add(message);
        }

        @Override
        public void sendEncoded(byte[] json) {
            encoded.add(new String(json, StandardCharsets.UTF_8));
        }

        @Override
        public int version() {
            return 2;
        }

        @Override
        public void version(int version) {}

        @Override
        public void close(int code, String reason) {
            closedWith = code;
        }
    }
}
