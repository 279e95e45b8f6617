package dev.concierge.client;

import static dev.concierge.client.Frames.await;
import static dev.concierge.client.Frames.transcript;
import static dev.concierge.client.Frames.visitorWelcome;

import dev.concierge.protocol.ClientMessage;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A {@link ScriptedServer} per test and the visitor client connected to it, closed after each test. */
abstract class VisitorClientFixture {
    ScriptedServer server;
    final RecordingListener listener = new RecordingListener();
    VisitorClient client;

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

    VisitorClient.Builder builder() {
        return VisitorClient.builder()
                .serverUri(server.uri())
                .listener(listener)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .random(new SplittableRandom(42));
    }

    /** Connects; the server welcomes a visitor with no open conversation. */
    ScriptedServer.Peer connect(VisitorClient.Builder builder) throws Exception {
        CompletableFuture<VisitorClient> connecting = builder.connect();
        ScriptedServer.Peer peer = server.nextPeer();
        peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), null));
        client = await(connecting);
        listener.assertNext("state CONNECTING", "state OPEN");
        return peer;
    }

    /** Connects into open conversation c1 whose transcript holds seqs 1 and 2. */
    ScriptedServer.Peer connectInConversation() throws Exception {
        CompletableFuture<VisitorClient> connecting =
                builder().visitorToken("vt_1").connect();
        ScriptedServer.Peer peer = server.nextPeer();
        peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), "c1"));
        peer.send(transcript(null, "c1", 1, 2));
        client = await(connecting);
        listener.assertNext("state CONNECTING", "state OPEN", "event c1 1", "event c1 2");
        return peer;
    }
}
