package dev.concierge.client;

import static dev.concierge.client.testing.Frames.await;
import static dev.concierge.client.testing.Frames.failure;
import static dev.concierge.client.testing.Frames.visitorWelcome;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.testing.ScriptedServer;
import dev.concierge.client.testing.VisitorClientFixture;
import dev.concierge.protocol.wire.ClientMessage;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The time bounds of connecting: the first connect's retries, giving up on reconnecting, reconnect(false). */
final class ReconnectBoundsTest extends VisitorClientFixture {
    /** The clients' clock: tests move it instead of waiting. */
    private final AtomicLong now = new AtomicLong();

    private VisitorClient.Builder ticking() {
        return ((VisitorClientBuilder) builder()).ticker(now::get);
    }

    @Test
    void firstConnect_triesAgain_whenAnAttemptFails() throws Exception {
        CompletableFuture<VisitorClient> connecting = ticking().connect();
        ScriptedServer.Peer first = server.nextPeer();
        first.expect(ClientMessage.Hello.class);
        first.drop();

        ScriptedServer.Peer second = server.nextPeer();
        second.send(visitorWelcome(second.expect(ClientMessage.Hello.class), null));
        client = await(connecting);
        assertThat(client.state()).isEqualTo(VisitorClient.State.OPEN);
        listener.assertNext("state CONNECTING", "state OPEN");
    }

    @Test
    void firstConnect_stopsOnceTheConnectTimeoutHasPassed_withTheLastAttemptsCause() throws Exception {
        CompletableFuture<VisitorClient> connecting =
                ticking().connectTimeout(Duration.ofSeconds(10)).connect();
        ScriptedServer.Peer first = server.nextPeer();
        first.expect(ClientMessage.Hello.class);
        first.drop(); // 0 s: tried again
        ScriptedServer.Peer second = server.nextPeer();
        second.expect(ClientMessage.Hello.class);
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        second.drop(); // 10 s: no time left for another attempt

        ConciergeClientException failed = failure(connecting);
        assertThat(failed).isInstanceOf(ConnectFailedException.class);
        assertThat(((ConnectFailedException) failed).target())
                .isEqualTo(Settings.socketUri(server.uri(), "/ws/visitor"));
        assertThat(failed.getCause()).isInstanceOf(IOException.class);
        assertThat(failed.getMessage())
                .startsWith("Cannot connect to " + Settings.socketUri(server.uri(), "/ws/visitor"));
        listener.assertNext("state CONNECTING", "state CLOSED");
    }

    @Test
    void reconnecting_givesUpAfterTheBound_withoutAWelcome_andFailsPendingRequests() throws Exception {
        ScriptedServer.Peer first = connect(ticking().giveUpAfter(Duration.ofMinutes(15)));
        CompletableFuture<Stored> sending = client.send("still there?");
        first.expect(ClientMessage.Send.class);
        first.drop();
        listener.assertNext("state RECONNECTING");

        ScriptedServer.Peer second = server.nextPeer();
        second.expect(ClientMessage.Hello.class);
        now.addAndGet(Duration.ofMinutes(14).toNanos());
        second.drop(); // 14 min without a welcome: goes on
        ScriptedServer.Peer third = server.nextPeer();
        third.expect(ClientMessage.Hello.class);
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        third.drop(); // 15 min: gives up

        ConciergeClientException lost = failure(sending);
        assertThat(lost).isInstanceOf(ConnectionLostException.class).hasMessageContaining("gave up");
        assertThat(lost.getCause()).isNotNull().isNotInstanceOf(ConciergeClientException.class);
        listener.assertNext("state CLOSED");
        assertThat(client.state()).isEqualTo(VisitorClient.State.CLOSED);
        assertThat(failure(client.send("later"))).isInstanceOf(ConnectionLostException.class);
    }

    @Test
    void aWelcome_restartsTheBound() throws Exception {
        ScriptedServer.Peer first = connect(ticking().giveUpAfter(Duration.ofMinutes(15)));
        first.drop();
        listener.assertNext("state RECONNECTING");
        ScriptedServer.Peer second = server.nextPeer();
        now.addAndGet(Duration.ofMinutes(14).toNanos());
        second.send(visitorWelcome(second.expect(ClientMessage.Hello.class), null));
        listener.assertNext("state OPEN");

        now.addAndGet(Duration.ofMinutes(14).toNanos());
        second.drop(); // 28 min since connect, 14 since the last welcome: reconnects
        listener.assertNext("state RECONNECTING");
        ScriptedServer.Peer third = server.nextPeer();
        third.send(visitorWelcome(third.expect(ClientMessage.Hello.class), null));
        listener.assertNext("state OPEN");
    }

    @Test
    void reconnectOff_aLostSocketFailsPendingRequests_withConnectionLost() throws Exception {
        ScriptedServer.Peer peer = connect(builder().reconnect(false));
        CompletableFuture<Stored> sending = client.send("hello");
        peer.expect(ClientMessage.Send.class);
        peer.drop();

        ConciergeClientException lost = failure(sending);
        assertThat(lost).isInstanceOf(ConnectionLostException.class).hasMessageContaining("reconnecting is off");
        assertThat(lost.getCause()).isNotNull();
        listener.assertNext("state CLOSED");
    }

    @Test
    void serverDownAtConnect_failsAfterTheConnectTimeout_withTheConnectException() throws Exception {
        ScriptedServer gone = ScriptedServer.start();
        gone.close();
        Duration timeout = Duration.ofMillis(400);
        long started = System.nanoTime();
        CompletableFuture<VisitorClient> connecting = VisitorClient.builder()
                .serverUri(gone.uri())
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .connectTimeout(timeout)
                .listener(listener)
                .connect();

        ConciergeClientException failed = failure(connecting);
        long tookMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        assertThat(failed).isInstanceOf(ConnectFailedException.class);
        assertThat(failed.getCause()).isInstanceOf(ConnectException.class);
        assertThat(failed.getMessage())
                .contains(Settings.socketUri(gone.uri(), "/ws/visitor").toString());
        // It kept trying until the timeout, less at most one backoff delay (20 ms) it would not fit.
        assertThat(tookMillis).isGreaterThanOrEqualTo(timeout.toMillis() - 20);
        listener.assertNext("state CONNECTING", "state CLOSED");
    }
}
