package dev.concierge.server.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.testing.TestAttachmentSettings;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VirusScanner against a clamd stand-in on a loopback port that speaks INSTREAM. */
final class VirusScannerTest {
    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @TempDir
    Path dir;

    private final ServerSocket server = bind();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() throws IOException {
        release.countDown();
        server.close();
    }

    @Test
    void cleanFile_isStreamedInLengthPrefixedChunks_andPasses() throws Exception {
        byte[] content = new byte[150_000]; // more than two 64 KB chunks
        new Random(7).nextBytes(content);
        CompletableFuture<Received> received = clamd("stream: OK\0");

        scanner().check(write(content));

        Received r = received.get(5, TimeUnit.SECONDS);
        assertThat(r.command()).isEqualTo("zINSTREAM\0");
        assertThat(r.content()).isEqualTo(content);
        assertThat(r.chunks()).isEqualTo(3);
    }

    @Test
    void signatureFound_isRefusedAsUnsupported() throws Exception {
        clamd("stream: Eicar-Test-Signature FOUND\0");
        byte[] eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
                .getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> scanner().check(write(eicar)))
                .isInstanceOfSatisfying(FileInspector.Refusal.class, r -> {
                    assertThat(r.status()).isEqualTo(415);
                    assertThat(r.code()).isEqualTo(ErrorCode.UNSUPPORTED_TYPE);
                    assertThat(r.getMessage()).doesNotContain("Eicar");
                });
    }

    @Test
    void clamdThatNeverAnswers_timesOut_andTheUploadIsRefusedBusy() throws Exception {
        clamd(null);

        long start = System.nanoTime();
        assertThatThrownBy(() -> scanner().check(write(new byte[10])))
                .isInstanceOfSatisfying(FileInspector.Refusal.class, r -> {
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(r.code()).isEqualTo(ErrorCode.BUSY);
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void clamdDown_failsClosed() throws Exception {
        InetSocketAddress gone = (InetSocketAddress) server.getLocalSocketAddress();
        server.close();

        assertThatThrownBy(() -> new VirusScanner(gone, TIMEOUT).check(write(new byte[10])))
                .isInstanceOfSatisfying(
                        FileInspector.Refusal.class, r -> assertThat(r.status()).isEqualTo(503));
    }

    @Test
    void clamdError_orEmptyAnswer_failsClosed() throws Exception {
        clamd("INSTREAM size limit exceeded. ERROR\0");
        assertThatThrownBy(() -> scanner().check(write(new byte[10])))
                .isInstanceOfSatisfying(
                        FileInspector.Refusal.class, r -> assertThat(r.code()).isEqualTo(ErrorCode.BUSY));

        clamd("");
        assertThatThrownBy(() -> scanner().check(write(new byte[10])))
                .isInstanceOfSatisfying(
                        FileInspector.Refusal.class, r -> assertThat(r.code()).isEqualTo(ErrorCode.BUSY));
    }

    @Test
    void scanning_isOffUnlessClamdIsConfigured_andTheTimeoutIsChecked() {
        assertThat(VirusScanner.of(AttachmentSettings.DEFAULTS)).isEmpty();
        AttachmentSettings withClamd =
                new TestAttachmentSettings().clamd(address()).build();
        assertThat(VirusScanner.of(withClamd)).isPresent();
        assertThatThrownBy(() -> new VirusScanner(address(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeout");
    }

    record Received(String command, byte[] content, int chunks) {}

    /**
     * Serves one INSTREAM session: reads the command and the chunks, then writes {@code answer}
     * and closes, or with a null answer stays silent until the test ends.
     */
    private CompletableFuture<Received> clamd(String answer) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket socket = server.accept()) {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                byte[] command = new byte[10];
                in.readFully(command);
                ByteArrayOutputStream content = new ByteArrayOutputStream();
                int chunks = 0;
                for (int length = in.readInt(); length > 0; length = in.readInt()) {
                    content.write(in.readNBytes(length));
                    chunks++;
                }
                if (answer == null) {
                    release.await();
                } else {
                    OutputStream out = socket.getOutputStream();
                    out.write(answer.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                return new Received(new String(command, StandardCharsets.US_ASCII), content.toByteArray(), chunks);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private VirusScanner scanner() {
        return new VirusScanner(address(), TIMEOUT);
    }

    private InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private static ServerSocket bind() {
        try {
            return new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path write(byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(dir, "upload", ""), bytes);
    }
}
