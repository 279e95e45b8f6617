package dev.concierge.client;

import static dev.concierge.client.testing.Frames.ack;
import static dev.concierge.client.testing.Frames.await;
import static dev.concierge.client.testing.Frames.failure;
import static dev.concierge.client.testing.Frames.visitorWelcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.client.testing.ScriptedServer;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request deadlines and withdrawal at the {@link Connection} level, over a real socket to a
 * {@link ScriptedServer}: what the server receives is the record of what was sent. A socket that
 * is open but not yet welcomed stands for a server that is down: requests wait unwritten.
 */
final class ConnectionDeadlineTest {
    private ScriptedServer server;
    private Connection connection;
    /** The hello of the socket {@link #dropAndHoldNext} holds. */
    private ClientMessage.Hello heldHello;

    @BeforeEach
    void startServer() throws Exception {
        server = ScriptedServer.start();
    }

    @AfterEach
    void stop() {
        if (connection != null) {
            connection.close();
        }
        server.close();
    }

    /** The smallest visitor session: greets, and is ready on the welcome. */
    private final class Session implements ConnectionSession {
        @Override
        public URI endpoint(URI base) {
            return Settings.socketUri(base, "/ws/visitor");
        }

        @Override
        public CompletableFuture<URI> prepare(URI base) {
            return CompletableFuture.completedFuture(base);
        }

        @Override
        public ClientMessage.Hello hello(String id) {
            return new ClientMessage.Hello(id, ProtocolCodec.VERSION, "demo", null, null, null, null);
        }

        @Override
        public void onFrame(ServerMessage frame) {
            if (frame instanceof ServerMessage.Welcome) {
                connection.markReady();
            }
        }

        @Override
        public void onReady(boolean resumed) {}

        @Override
        public boolean reauthenticate() {
            return false;
        }

        @Override
        public ClientMessage retryAs(ClientMessage request, ServerMessage.Error error) {
            return null;
        }

        @Override
        public void onPhase(Connection.Phase phase) {}

        @Override
        public void onError(ServerMessage.Error error) {}
    }

    private Settings.Draft settings() {
        Settings.Draft draft = new Settings.Draft();
        draft.serverUri(server.uri());
        draft.backoff(Duration.ofMillis(5), Duration.ofMillis(20));
        draft.random(new SplittableRandom(42));
        return draft;
    }

    /** Opens the connection; returns the welcomed peer. */
    private ScriptedServer.Peer open(Settings.Draft draft) throws Exception {
        connection = new Connection(draft.freeze(), new Session());
        CompletableFuture<Void> started = connection.start();
        ScriptedServer.Peer peer = server.nextPeer();
        peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), null));
        await(started);
        return peer;
    }

    /** Drops {@code peer}; returns the next socket, greeted but not welcomed (the server is "down"). */
    private ScriptedServer.Peer dropAndHoldNext(ScriptedServer.Peer peer) throws Exception {
        peer.drop();
        ScriptedServer.Peer next = server.nextPeer();
        heldHello = next.expect(ClientMessage.Hello.class);
        return next;
    }

    private static ClientMessage.Send send(String id, String text) {
        return new ClientMessage.Send(id, "c1", text, null);
    }

    private static Throwable failureOf(CompletableFuture<?> future) throws Exception {
        try {
            future.get(ScriptedServer.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void requestsGivenUpWhileTheServerIsDown_areNeverSent_afterItComesBack() throws Exception {
        ScriptedServer.Peer first = open(settings());
        ScriptedServer.Peer second = dropAndHoldNext(first);
        Duration deadline = Duration.ofMillis(100);

        CompletableFuture<ServerMessage.Ack> cancelled =
                connection.request(send("m-cancelled", "cancelled"), ServerMessage.Ack.class);
        assertThat(cancelled.cancel(true)).isTrue();
        CompletableFuture<ServerMessage.Ack> late = connection.request(
                send("m-late", "past its deadline"),
                ServerMessage.Ack.class,
                RequestOptions.defaults().withDeadline(deadline));
        CompletableFuture<ServerMessage.Ack> timedOut = connection
                .request(send("m-timed-out", "the caller's orTimeout"), ServerMessage.Ack.class)
                .orTimeout(100, TimeUnit.MILLISECONDS);

        assertThat(failure(late)).isInstanceOfSatisfying(DeadlineExceededException.class, e -> {
            assertThat(e.withdrawn()).isTrue();
            assertThat(e.deadline()).isEqualTo(deadline);
        });
        assertThat(failureOf(timedOut)).isInstanceOf(TimeoutException.class);
        assertThatThrownBy(cancelled::join).isInstanceOf(CancellationException.class);

        CompletableFuture<ServerMessage.Ack> kept =
                connection.request(send("m-kept", "sent after the others"), ServerMessage.Ack.class);
        second.send(visitorWelcome(heldHello, null));
        // The server's record: after the hello, the one request still wanted, and nothing else.
        ClientMessage.Send received = second.expect(ClientMessage.Send.class);
        assertThat(received.id()).isEqualTo("m-kept");
        second.send(ack(received, "c1", 3));
        assertThat(await(kept).seq()).isEqualTo(3);
        second.assertNothingElse();
    }

    @Test
    void requestIdReused_afterADeadlineOnAWrittenRequest_isSentAgainWithThatId_andAnsweredOnce() throws Exception {
        ScriptedServer.Peer peer = open(settings());
        RequestOptions options =
                RequestOptions.defaults().withRequestId("order-1234-msg-1").withDeadline(Duration.ofMillis(100));
        CompletableFuture<ServerMessage.Ack> firstTry = connection.request(
                send(Connection.idFor(options), "Where is my order?"), ServerMessage.Ack.class, options);
        ClientMessage.Send stored = peer.expect(ClientMessage.Send.class);
        assertThat(stored.id()).isEqualTo("order-1234-msg-1");
        // The server stored it, but its answer does not come in time.
        DeadlineExceededException late = (DeadlineExceededException) failure(firstTry);
        assertThat(late.withdrawn())
                .as("it was written: the server may have it")
                .isFalse();

        CompletableFuture<ServerMessage.Ack> retry = connection.request(
                send(Connection.idFor(options), "Where is my order?"),
                ServerMessage.Ack.class,
                RequestOptions.defaults().withRequestId("order-1234-msg-1"));
        ClientMessage.Send again = peer.expect(ClientMessage.Send.class);
        assertThat(again).isEqualTo(stored);
        // The server answers a resend of a stored id with what it stored.
        peer.send(ack(again, "c1", 3));
        assertThat(await(retry).seq()).isEqualTo(3);

        // The withdrawn first try is not resent after a reconnect; only a later request is.
        ScriptedServer.Peer next = dropAndHoldNext(peer);
        CompletableFuture<ServerMessage.Ack> later =
                connection.request(send("m-later", "anything else?"), ServerMessage.Ack.class);
        next.send(visitorWelcome(heldHello, null));
        ClientMessage.Send afterReconnect = next.expect(ClientMessage.Send.class);
        assertThat(afterReconnect.id()).isEqualTo("m-later");
        next.send(ack(afterReconnect, "c1", 4));
        await(later);
        next.assertNothingElse();
    }

    @Test
    void storeRetries_endAtTheDeadline() throws Exception {
        Settings.Draft draft = settings();
        // Every backoff is its longest: the round of resends comes 300 ms after the failures.
        draft.backoff(Duration.ofMillis(300), Duration.ofMillis(300));
        draft.random(new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public long nextLong(long bound) {
                return bound - 1;
            }
        });
        ScriptedServer.Peer peer = open(draft);
        CompletableFuture<ServerMessage.Ack> shortDeadline = connection.request(
                send("m-short", "cannot be stored in time"),
                ServerMessage.Ack.class,
                RequestOptions.defaults().withDeadline(Duration.ofMillis(100)));
        CompletableFuture<ServerMessage.Ack> longDeadline =
                connection.request(send("m-long", "stored on the retry"), ServerMessage.Ack.class);
        String notStored = "The message could not be stored; retry with the same id.";
        for (String id : List.of("m-short", "m-long")) {
            assertThat(peer.expect(ClientMessage.Send.class).id()).isEqualTo(id);
            peer.send(new ServerMessage.Error("internal", notStored, id));
        }

        DeadlineExceededException late = (DeadlineExceededException) failure(shortDeadline);
        assertThat(late.withdrawn()).isFalse();
        // One round resends the requests not stored, oldest first: the expired one is not among them.
        ClientMessage.Send resent = peer.expect(ClientMessage.Send.class);
        assertThat(resent.id()).isEqualTo("m-long");
        peer.send(ack(resent, "c1", 3));
        assertThat(await(longDeadline).seq()).isEqualTo(3);
        peer.assertNothingElse();
    }

    @Test
    void requestOptions_rejectABadIdAtOnce_namingIt() {
        assertThatThrownBy(() -> RequestOptions.defaults().withRequestId(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requestId");
        assertThatThrownBy(() -> RequestOptions.defaults().withRequestId("x".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requestId");
        assertThatThrownBy(() -> RequestOptions.defaults().withRequestId("a\nb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requestId");
        assertThatThrownBy(() -> RequestOptions.defaults().withRequestId(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("requestId");
        assertThatThrownBy(() -> RequestOptions.defaults().withDeadline(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deadline");
        assertThat(RequestOptions.defaults().withRequestId("x".repeat(64)).requestId())
                .contains("x".repeat(64));
    }

    @Test
    void aRequestIdWaitingForItsAnswer_cannotBeUsedTwice() throws Exception {
        ScriptedServer.Peer peer = open(settings());
        RequestOptions options = RequestOptions.defaults().withRequestId("m-1");
        connection.request(send("m-1", "one"), ServerMessage.Ack.class, options);
        peer.expect(ClientMessage.Send.class);
        assertThatThrownBy(() -> connection.request(send("m-1", "one"), ServerMessage.Ack.class, options))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("m-1");
        assertThatThrownBy(() -> connection.request(send("m-2", "two"), ServerMessage.Ack.class, options))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requestId");
    }

    @Test
    void mappedFuture_cancelled_withdrawsTheRequest() throws Exception {
        ScriptedServer.Peer first = open(settings());
        ScriptedServer.Peer second = dropAndHoldNext(first);
        RequestFuture<ServerMessage.Ack> request =
                connection.request(send("m-mapped", "mapped"), ServerMessage.Ack.class);
        CompletableFuture<Long> seq = Results.mapped(request, ServerMessage.Ack::seq);
        seq.cancel(true);
        assertThat(request).isCancelled();
        CompletableFuture<ServerMessage.Ack> kept = connection.request(send("m-kept", "kept"), ServerMessage.Ack.class);
        second.send(visitorWelcome(heldHello, null));
        ClientMessage.Send received = second.expect(ClientMessage.Send.class);
        assertThat(received.id()).isEqualTo("m-kept");
        second.send(ack(received, "c1", 3));
        await(kept);
        second.assertNothingElse();
    }
}
