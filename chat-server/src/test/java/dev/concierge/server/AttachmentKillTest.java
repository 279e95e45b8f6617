package dev.concierge.server;

import static dev.concierge.server.testing.AttachmentCalls.filesUnder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.AttachmentCalls;
import dev.concierge.server.testing.AttachmentCalls.Conversation;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ServerProcess;
import dev.concierge.store.JdbcConversationStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL in the middle of an upload: the half-received file is never stored nor recorded, and
 * the restarted server deletes it and takes uploads as before.
 */
final class AttachmentKillTest {
    private static long bytesUnder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void sigkillMidUpload_leavesNoHalfFile_andNoAttachment_afterTheRestart() throws Exception {
        Path data = Files.createTempDirectory("concierge-attach-kill");
        Path uploads = data.resolve("uploads");
        Conversation c;
        try (ServerProcess server = ServerProcess.start(data, 0, "--attachment-max-file", "64MB")) {
            AttachmentCalls calls = new AttachmentCalls(server.baseUri());
            c = calls.startConversation();
            try (Socket socket = new Socket("127.0.0.1", server.port)) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/conversations/" + c.id() + "/attachments?name=big.bin HTTP/1.1\r\n"
                                + "Host: 127.0.0.1\r\nAuthorization: " + c.authorization() + "\r\n"
                                + "Content-Length: 33554432\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[2 << 20]);
                out.flush();
                Await.until("half the upload on disk", () -> bytesUnder(uploads) >= (1 << 20));
                server.kill();
            }
        }
        assertThat(filesUnder(uploads)).as("the half file, before the restart").isEqualTo(1);
        try (JdbcConversationStore store = JdbcConversationStore.sqlite(data)) {
            assertThat(store.attachments().orElseThrow().bytesOf(c.id()))
                    .as("nothing recorded")
                    .isZero();
        }
        try (ServerProcess again = ServerProcess.start(data, 0)) {
            assertThat(filesUnder(uploads)).as("deleted at start").isZero();
            assertThat(filesUnder(data.resolve("attachments")))
                    .as("no stored bytes")
                    .isZero();
            AttachmentCalls calls = new AttachmentCalls(again.baseUri());
            Conversation fresh = calls.startConversation();
            assertThat(calls.uploaded(fresh, "after.txt", "after the crash".getBytes(StandardCharsets.UTF_8))
                            .path("size")
                            .asLong())
                    .isEqualTo(15);
            assertThat(filesUnder(uploads)).isZero();
        }
    }
}
