package dev.concierge.client;

import static dev.concierge.client.testing.Frames.ack;
import static dev.concierge.client.testing.Frames.await;
import static dev.concierge.client.testing.Frames.failure;
import static dev.concierge.client.testing.Frames.transcript;
import static dev.concierge.client.testing.Frames.visitorWelcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.client.testing.ScriptedServer;
import dev.concierge.client.testing.VisitorClientFixture;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** What a caller gets for each failure and each misuse: the exception type, its cause, its message. */
final class ClientErrorsTest extends VisitorClientFixture {

    private AgentClient.Builder agent() {
        return AgentClient.builder()
                .serverUri(server.uri())
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .connectTimeout(Duration.ofMillis(300))
                .credentials("demo", "secret");
    }

    @Test
    void unknownHost_failsWithConnectFailed_namingTheTargetAndTheRootCause() throws Exception {
        CompletableFuture<VisitorClient> connecting = VisitorClient.builder()
                .serverUri(URI.create("http://nohost.invalid:8080"))
                .connectTimeout(Duration.ofMillis(300))
                .connect();
        ConciergeClientException failed = failure(connecting);

        assertThat(failed).isInstanceOf(ConnectFailedException.class);
        URI target = URI.create("ws://nohost.invalid:8080/ws/visitor");
        assertThat(((ConnectFailedException) failed).target()).isEqualTo(target);
        assertThat(failed.getCause())
                .isInstanceOf(UnknownHostException.class)
                .isNotInstanceOf(CompletionException.class)
                .isNotInstanceOf(ExecutionException.class);
        assertThat(failed.getMessage())
                .isEqualTo("Cannot connect to " + target + ": java.net.UnknownHostException: nohost.invalid");
    }

    @Test
    void agentLogin_http404_failsWithConnectFailed_namingTheStatusAndTheUrl() throws Exception {
        server.failLogins(HttpResponseStatus.NOT_FOUND);
        ConciergeClientException failed = failure(agent().connect());
        URI login = Settings.httpUri(server.uri(), "/api/agent/login");
        assertThat(failed).isInstanceOfSatisfying(ConnectFailedException.class, e -> assertThat(e.target())
                .isEqualTo(login));
        assertThat(failed.getMessage()).contains("HTTP 404").contains(login.toString());
        assertThat(server.logins()).as("a 404 is not tried again").isEqualTo(1);
    }

    @Test
    void agentLogin_http500_failsWithConnectFailed_namingTheStatusAndTheUrl() throws Exception {
        server.failLogins(HttpResponseStatus.INTERNAL_SERVER_ERROR);
        ConciergeClientException failed = failure(agent().connect());
        URI login = Settings.httpUri(server.uri(), "/api/agent/login");
        assertThat(failed).isInstanceOf(ConnectFailedException.class);
        assertThat(failed.getMessage()).contains("HTTP 500").contains(login.toString());
        assertThat(server.logins())
                .as("a server error is tried again until the connect timeout")
                .isGreaterThan(1);
    }

    @Test
    void agentLogin_http401_failsWithServerRefused_unauthorized() throws Exception {
        ConciergeClientException failed =
                failure(agent().credentials("demo", "wrong").connect());
        assertThat(failed).isInstanceOfSatisfying(ServerRefusedException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
            assertThat(e.wireCode()).isEqualTo("unauthorized");
        });
    }

    @Test
    void anErrorFrame_failsTheRequestWithServerRefused_keepingTheWireCode() throws Exception {
        ScriptedServer.Peer peer = connectInConversation();
        CompletableFuture<Stored> known = client.send("one");
        ClientMessage.Send first = peer.expect(ClientMessage.Send.class);
        peer.send(new ServerMessage.Error("bad_state", "The conversation is closed.", first.id()));
        CompletableFuture<Stored> unknown = client.send("two");
        ClientMessage.Send second = peer.expect(ClientMessage.Send.class);
        peer.send(new ServerMessage.Error("brand_new_code", "A newer server's reason.", second.id()));

        assertThat(failure(known)).isInstanceOfSatisfying(ServerRefusedException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_STATE);
            assertThat(e.getMessage()).isEqualTo("The conversation is closed.");
        });
        assertThat(failure(unknown)).isInstanceOfSatisfying(ServerRefusedException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(e.wireCode()).isEqualTo("brand_new_code");
        });
    }

    @Test
    void wrongSchemeOrNoHost_failFast_namingTheField() {
        assertThatThrownBy(() -> VisitorClient.builder().serverUri(URI.create("ftp://example.com")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serverUri")
                .hasMessageContaining("ftp://example.com");
        assertThatThrownBy(() -> VisitorClient.builder().serverUri(URI.create("http:///chat")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serverUri");
        assertThatThrownBy(() -> AgentClient.builder().serverUri(URI.create("example.com:8080")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serverUri");
    }

    @Test
    void sendAfterClose_failsWithClientClosed() throws Exception {
        connect(builder());
        client.close();
        assertThat(failure(client.send("anyone?"))).isInstanceOf(ClientClosedException.class);
    }

    @Test
    void nullArguments_throwNullPointerException_namingTheParameter() throws Exception {
        VisitorClient.Builder builder = VisitorClient.builder();
        assertThatThrownBy(() -> builder.serverUri(null)).hasMessageContaining("serverUri");
        assertThatThrownBy(() -> builder.requestTimeout(null)).hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> builder.giveUpAfter(null)).hasMessageContaining("giveUpAfter");
        assertThatThrownBy(() -> builder.executor(null)).hasMessageContaining("executor");
        assertThatThrownBy(() -> builder.connectTimeout(null)).hasMessageContaining("connectTimeout");
        assertThatThrownBy(() -> builder.httpClient(null)).hasMessageContaining("httpClient");
        assertThatThrownBy(() -> AgentClient.builder().giveUpAfter(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("giveUpAfter");
        connect(builder());
        assertThatThrownBy(() -> client.send(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("text");
    }

    @Test
    void badDurations_areRejected_namingTheField() {
        assertThatThrownBy(() -> VisitorClient.builder().requestTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> AgentClient.builder().giveUpAfter(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("giveUpAfter");
    }

    @Test
    void deadlinePassed_failsWithDeadlineExceeded() throws Exception {
        ScriptedServer.Peer peer = connect(builder().requestTimeout(Duration.ofMillis(100)));
        CompletableFuture<Stored> sending = client.send("quick, please");
        peer.expect(ClientMessage.Send.class); // written, never answered
        assertThat(failure(sending)).isInstanceOfSatisfying(DeadlineExceededException.class, e -> {
            assertThat(e.deadline()).isEqualTo(Duration.ofMillis(100));
            assertThat(e.withdrawn()).isFalse();
        });
    }

    @Test
    void aSendCancelledWhileReconnecting_isNeverSent_andOneTimedOutIsWithdrawn() throws Exception {
        ScriptedServer.Peer first = connectInConversation();
        first.drop();
        listener.assertNext("state RECONNECTING");
        ScriptedServer.Peer second = server.nextPeer();
        ClientMessage.Hello hello = second.expect(ClientMessage.Hello.class); // not welcomed yet

        CompletableFuture<?> cancelled = client.send("never mind");
        assertThat(cancelled.cancel(true)).isTrue();
        CompletableFuture<?> timedOut = client.send("too late").orTimeout(50, TimeUnit.MILLISECONDS);
        assertThatThrownBy(timedOut::join).hasCauseInstanceOf(TimeoutException.class);
        CompletableFuture<?> kept = client.send("still wanted");

        second.send(visitorWelcome(hello, "c1"));
        second.send(transcript(null, "c1", 1, 2));
        ClientMessage.Send sent = second.expect(ClientMessage.Send.class);
        assertThat(sent.text()).isEqualTo("still wanted");
        second.send(ack(sent, "c1", 3));
        await(kept);
        second.assertNothingElse();
    }
}
