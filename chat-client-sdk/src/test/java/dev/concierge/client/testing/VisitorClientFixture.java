package dev.concierge.client.testing;

import static dev.concierge.client.testing.Frames.await;
import static dev.concierge.client.testing.Frames.transcript;
import static dev.concierge.client.testing.Frames.visitorWelcome;

import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.wire.ClientMessage;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A {@link ScriptedServer} per test and the visitor client connected to it, closed after each test. */
public abstract class VisitorClientFixture {
    protected ScriptedServer server;
    protected final RecordingListener listener = new RecordingListener();
    protected VisitorClient client;

    @BeforeEach
    protected void startServer() throws Exception {
        server = ScriptedServer.start();
    }

    @AfterEach
    protected void stop() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    /** A builder for a visitor of the scripted server, with a short backoff and a fixed random. */
    protected VisitorClient.Builder builder() {
        return VisitorClient.builder()
                .serverUri(server.uri())
                .listener(listener)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .random(new SplittableRandom(42));
    }

    /** Connects; the server welcomes a visitor with no open conversation. */
    protected ScriptedServer.Peer connect(VisitorClient.Builder builder) throws Exception {
        CompletableFuture<VisitorClient> connecting = builder.connect();
        ScriptedServer.Peer peer = server.nextPeer();
        peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), null));
        client = await(connecting);
        listener.assertNext("state CONNECTING", "state OPEN");
        return peer;
    }

    /** Connects into open conversation c1 whose transcript holds seqs 1 and 2. */
    protected ScriptedServer.Peer connectInConversation() throws Exception {
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
