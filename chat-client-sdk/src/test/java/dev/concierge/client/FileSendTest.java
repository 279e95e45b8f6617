package dev.concierge.client;

import static dev.concierge.client.testing.Frames.ack;
import static dev.concierge.client.testing.Frames.await;
import static dev.concierge.client.testing.Frames.failure;
import static dev.concierge.client.testing.Frames.transcript;
import static dev.concierge.client.testing.Frames.visitorWelcome;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.testing.ScriptedServer;
import dev.concierge.client.testing.VisitorClientFixture;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A visitor's file against the scripted server: the upload (its URL, credential and bytes), the
 * message that carries it through the outbox (sent again, same id and file, after a lost
 * socket), a conversation started by the file's name, and a refused upload that sends nothing.
 */
final class FileSendTest extends VisitorClientFixture {
    private static final byte[] BYTES = "not really a png".getBytes(StandardCharsets.UTF_8);

    @Test
    void theFileIsUploaded_thenItsMessage_isSentAgainWithItsIdAfterALostSocket() throws Exception {
        ScriptedServer.Peer first = connectInConversation();
        CompletableFuture<SentFile> sending = client.sendFile(
                FileUpload.of("mug photo.png", BYTES).withText("It arrived cracked"), RequestOptions.defaults());

        ScriptedServer.Upload upload = server.nextUpload();
        assertThat(upload.uri()).isEqualTo("/api/conversations/c1/attachments?name=mug%20photo.png");
        assertThat(upload.authorization()).isEqualTo("Visitor vt_1");
        assertThat(upload.body()).isEqualTo(BYTES);
        ClientMessage.Send sent = first.expect(ClientMessage.Send.class);
        assertThat(sent.conversationId()).isEqualTo("c1");
        assertThat(sent.attachmentId()).isEqualTo(ScriptedServer.ATTACHMENT_ID);
        assertThat(sent.text()).isEqualTo("It arrived cracked");

        first.drop();
        listener.assertNext("state RECONNECTING");
        ScriptedServer.Peer second = server.nextPeer();
        second.send(visitorWelcome(second.expect(ClientMessage.Hello.class), "c1"));
        second.send(transcript(null, "c1", 1, 2));
        assertThat(second.expect(ClientMessage.Send.class)).isEqualTo(sent);
        assertThat(sending).isNotDone();
        second.send(ack(sent, "c1", 3));

        SentFile stored = await(sending);
        assertThat(stored.stored()).isEqualTo(new Stored("c1", 3));
        assertThat(stored.attachment().id()).isEqualTo(ScriptedServer.ATTACHMENT_ID);
        assertThat(stored.attachment().width()).isEqualTo(4);
    }

    @Test
    void withoutAConversation_theFilesNameStartsOne_andTheFileGoesThere() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        CompletableFuture<SentFile> sending =
                client.sendFile(FileUpload.of("mug.png", BYTES), RequestOptions.defaults());

        ClientMessage.Send name = peer.expect(ClientMessage.Send.class);
        assertThat(name.conversationId()).isNull();
        assertThat(name.text()).isEqualTo("mug.png");
        assertThat(name.attachmentId()).isNull();
        peer.send(ack(name, "c9", 1));
        assertThat(server.nextUpload().uri()).startsWith("/api/conversations/c9/attachments?");
        ClientMessage.Send file = peer.expect(ClientMessage.Send.class);
        assertThat(file.conversationId()).isEqualTo("c9");
        assertThat(file.text()).isEmpty();
        peer.send(ack(file, "c9", 2));
        assertThat(await(sending).stored()).isEqualTo(new Stored("c9", 2));
    }

    @Test
    void aFileMessageRefusedNotFound_failsAsIs_andKeepsTheConversation() throws Exception {
        ScriptedServer.Peer peer = connectInConversation();
        CompletableFuture<SentFile> sending =
                client.sendFile(FileUpload.of("mug.png", BYTES), RequestOptions.defaults());
        server.nextUpload();
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        // A plain message's not_found means the conversation is gone, and it goes again without
        // one; a file belongs to its conversation, so its message fails as the server said.
        peer.send(new ServerMessage.Error("not_found", "no such attachment", sent.id()));

        assertThat(failure(sending)).isInstanceOfSatisfying(ServerRefusedException.class, r -> assertThat(r.code())
                .isEqualTo(ErrorCode.NOT_FOUND));
        assertThat(client.conversationId()).contains("c1");
        peer.assertNothingElse();
    }

    @Test
    void anUploadPastTheDeadline_failsWithdrawn_andItsMessageIsNeverSent() throws Exception {
        ScriptedServer.Peer peer = connectInConversation();
        server.holdUploads(true);
        CompletableFuture<SentFile> sending = client.sendFile(
                FileUpload.of("mug.png", BYTES),
                RequestOptions.defaults().withRequestId("photo-1").withDeadline(Duration.ofMillis(300)));
        server.nextUpload();

        assertThat(failure(sending)).isInstanceOfSatisfying(DeadlineExceededException.class, late -> {
            assertThat(late.withdrawn()).isTrue();
            assertThat(late.deadline()).isEqualTo(Duration.ofMillis(300));
            assertThat(late.getMessage()).contains("photo-1");
        });
        peer.assertNothingElse();
        // The id is free again: the same file can be sent again with it.
        server.holdUploads(false);
        CompletableFuture<SentFile> again = client.sendFile(
                FileUpload.of("mug.png", BYTES), RequestOptions.defaults().withRequestId("photo-1"));
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        assertThat(sent.id()).isEqualTo("photo-1");
        peer.send(ack(sent, "c1", 3));
        assertThat(await(again).stored().seq()).isEqualTo(3);
    }

    @Test
    void aRefusedUpload_failsWithTheServersCodeAndWait_andSendsNoMessage() throws Exception {
        ScriptedServer.Peer peer = connectInConversation();
        server.answerUploads(new ScriptedServer.UploadAnswer(
                429,
                "{\"error\":\"rate_limited\",\"message\":\"too many uploads; try again in 42 s\"}",
                Map.of("Retry-After", "42")));
        CompletableFuture<SentFile> sending =
                client.sendFile(FileUpload.of("mug.png", BYTES), RequestOptions.defaults());

        ConciergeClientException refused = failure(sending);
        assertThat(refused).isInstanceOfSatisfying(ServerRefusedException.class, r -> {
            assertThat(r.code()).isEqualTo(ErrorCode.RATE_LIMITED);
            assertThat(r.getMessage()).isEqualTo("too many uploads; try again in 42 s");
            assertThat(r.retryAfter()).contains(Duration.ofSeconds(42));
        });
        // An answer without the server's code (a proxy's page) is no refusal of the server's.
        server.answerUploads(new ScriptedServer.UploadAnswer(502, "<html>Bad gateway</html>", Map.of()));
        assertThat(failure(client.sendFile(FileUpload.of("mug.png", BYTES), RequestOptions.defaults())))
                .isInstanceOf(ConnectFailedException.class)
                .hasMessageContaining("HTTP 502");
        peer.assertNothingElse();
    }
}
